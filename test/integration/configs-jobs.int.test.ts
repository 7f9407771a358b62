import { readFileSync } from 'node:fs';
import { webApi } from '@slack/bolt';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import backupManyJob from '../../jobs/config-backup-many.js';
import backupJob from '../../jobs/config-backup.js';
import diffJob from '../../jobs/config-diff.js';
import historyJob from '../../jobs/config-history.js';
import retentionJob from '../../jobs/config-retention.js';
import searchJob from '../../jobs/config-search.js';
import showJob from '../../jobs/config-show.js';
import { type Config, type Device, loadConfig } from '../../src/config.js';
import type { DeviceService } from '../../src/devices/types.js';
import { createInventory } from '../../src/inventory/index.js';
import { createSlackEmulator, type SlackEmulator } from '../../src/lab/slack/index.js';
import { silentLogger } from '../../src/log.js';
import type { JobDefinition, JobResult } from '../../src/queue/index.js';
import type { TestServices } from '../helpers/jobs.js';
import { createWebResponder } from '../../src/slack/responder.js';
import { freshDb, type TestDb } from '../helpers/pg.js';
import { testDevice } from '../helpers/devices.js';
import { runJob } from '../helpers/jobs.js';

const FIXTURE = readFileSync(new URL('../unit/configs/fixtures/cisco_iosxe.cfg', import.meta.url), 'utf8');
const JUNOS = readFileSync(new URL('../unit/configs/fixtures/juniper_junos.cfg', import.meta.url), 'utf8');
const SECRETS = [
  ...new Set([...FIXTURE.matchAll(/S3cr\w+/g), ...JUNOS.matchAll(/S3cr\w+/g)].map((m) => m[0])),
];

/**
 * A device whose running config we can change, printing fresh volatile lines on every read, the
 * way IOS-XE does. (The simulated fleet and FRR cover the SSH path; here the subject is configs/.)
 */
class ChangingDevices implements DeviceService {
  configs = new Map<string, string>();
  reads = 0;
  async run(): Promise<never> {
    throw new Error('not used');
  }
  async runningConfig(device: Device): Promise<string> {
    this.reads++;
    const base = this.configs.get(device.name);
    if (base === undefined) throw new Error(`no config for ${device.name}`);
    return base
      .replace(/Current configuration : \d+ bytes/, `Current configuration : ${4000 + this.reads} bytes`)
      .replace(
        /(! Last configuration change at )[^\n]*/,
        `$1 10:${String(this.reads % 60).padStart(2, '0')}:00 UTC`,
      )
      .replace(/ntp clock-period \d+/, `ntp clock-period ${17179869 + this.reads}`)
      .replace(/\n/g, this.reads % 2 ? '\r\n' : '\n');
  }
  async close() {}
}

const dev = (name: string, vendor: Device['vendor'], channel?: string): Device =>
  testDevice(name, { vendor, ...(channel ? { channel } : {}) });

let db: TestDb;
let emu: SlackEmulator;
let services: TestServices;
let devices: ChangingDevices;
let now: Date;
const enqueued: Array<{ name: string; data: unknown; jobId?: string }> = [];

function run<D>(job: JobDefinition, data: D): Promise<JobResult> {
  return runJob(job, data, services);
}

/** What the user would read: the NetopsError's sentence and hint. */
async function userError(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return (e as { toUserText(): string }).toUserText();
  }
  return 'no error';
}

function slackText(): string {
  const snap = emu.snapshot();
  const files = [...emu.files.values()].map((f) => Buffer.from(f.bytes ?? []).toString('utf8'));
  return JSON.stringify(snap) + files.join('\n');
}

beforeAll(async () => {
  db = await freshDb('cfgjobs');
  emu = await createSlackEmulator({ signingSecret: 'x' });
  const client = new webApi.WebClient('xoxb-test', { slackApiUrl: emu.apiUrl, retryConfig: { retries: 0 } });
  const config: Config = loadConfig(
    { DATABASE_URL: db.url },
    { role: 'migrate', readFile: () => 'channels:\n  changes: C00NETOPS0\n' },
  );
  devices = new ChangingDevices();
  now = new Date('2026-11-25T10:00:00Z');
  services = {
    config,
    pool: db.pool,
    inventory: createInventory([
      dev('core1', 'cisco_iosxe'),
      dev('core2', 'cisco_iosxe'),
      dev('edge1', 'juniper_junos', 'C0INCIDENT'),
    ]),
    responder: createWebResponder(client),
    enqueue: async (name, data, opts) => {
      enqueued.push({ name, data, ...(opts?.jobId ? { jobId: opts.jobId } : {}) });
      return { jobId: opts?.jobId ?? 'j-x' };
    },
    log: silentLogger,
    clock: () => now,
    configs: {},
    devices,
  };
  devices.configs.set('core1', FIXTURE);
  devices.configs.set('core2', FIXTURE.replace('hostname core1', 'hostname core2'));
  devices.configs.set('edge1', JUNOS);
});
afterAll(async () => {
  await emu?.close();
  await db?.drop();
});
beforeEach(() => {
  now = new Date(now.getTime() + 3_600_000);
});

describe('config jobs against real Postgres and the Slack emulator', () => {
  it('first backup stores a version and posts nothing', async () => {
    const r = await run(backupJob, { device: 'core1', trigger: 'schedule' });
    expect(r.summary).toMatch(/core1: first version stored \(v\d+/);
    expect(emu.snapshot().channels.flatMap((c) => c.messages)).toHaveLength(0);
  });

  it('a config differing only in volatile lines and line endings makes no version', async () => {
    for (let i = 0; i < 3; i++) {
      const r = await run(backupJob, { device: 'core1', trigger: 'schedule' });
      expect(r.summary).toMatch(/no change/);
    }
    const { rows } = await db.pool.query(
      "SELECT count(*)::int AS n FROM config_versions WHERE device = 'core1'",
    );
    expect(rows[0].n).toBe(1);
  });

  it('a change on the device → exactly one version, a clean diff posted with author and trigger', async () => {
    devices.configs.set(
      'core1',
      FIXTURE.replace(' description uplink to dist1', ' description uplink to dist1 (migrated)'),
    );
    const r = await run(backupJob, { device: 'core1', trigger: 'syslog', author: 'admin' });
    expect(r.summary).toMatch(/core1: new version v\d+ \(\+1 −1\); diff posted in <#C00NETOPS0>/);
    const again = await run(backupJob, { device: 'core1', trigger: 'schedule' });
    expect(again.summary).toMatch(/no change/);
    const msgs = emu.messages.C00NETOPS0 ?? [];
    expect(msgs).toHaveLength(1);
    const text = msgs[0]!.text;
    expect(text).toMatch(/Config of \*core1\* changed by \*admin\* \(syslog\)/);
    const diffLines = text.split('\n').filter((l) => /^[-+][^-+]/.test(l));
    expect(diffLines).toEqual(
      [' description uplink to dist1', '+ description uplink to dist1 (migrated)'].map((l, i) =>
        i ? l : `-${l}`,
      ),
    );
    expect(text).toMatch(/^--- core1 v\d+ .*\(schedule\)$/m);
    expect(text).toMatch(/^\+\+\+ core1 v\d+ .*\(syslog by admin\)$/m);
  });

  it('a large change goes up as a file; a device channel wins over the changes channel', async () => {
    await run(backupJob, { device: 'edge1', trigger: 'schedule' });
    const extra = Array.from({ length: 60 }, (_, i) => `        address 10.9.${i}.1/32;`).join('\n');
    devices.configs.set(
      'edge1',
      JUNOS.replace(
        '                address 192.0.2.31/32;',
        `                address 192.0.2.31/32;\n${extra}`,
      ),
    );
    const r = await run(backupJob, { device: 'edge1', trigger: 'manual', author: 'alice' });
    expect(r.summary).toMatch(/\+60 −0.*<#C0INCIDENT>/);
    const files = [...emu.files.values()];
    expect(files).toHaveLength(1);
    expect(files[0]!.name).toMatch(/^edge1-v\d+-v\d+-.*\.diff$/);
    const body = Buffer.from(files[0]!.bytes ?? []).toString('utf8');
    expect(body.split('\n').filter((l) => l.startsWith('+ '))).toHaveLength(60);
    expect(JSON.stringify(emu.messages.C0INCIDENT)).toMatch(/changed by \*alice\* \(manual\)/);
  });

  it('secrets never reach the database or Slack', async () => {
    await run(backupJob, { device: 'core2', trigger: 'schedule' });
    const dump = await db.pool.query(
      `SELECT (SELECT json_agg(b) FROM config_blobs b)::text || (SELECT json_agg(v) FROM config_versions v)::text ||
              (SELECT json_agg(l) FROM config_latest l)::text AS all`,
    );
    const rows: string = dump.rows[0].all;
    expect(rows).toContain('<removed>');
    const slack = slackText();
    for (const s of SECRETS) {
      expect(rows, `${s} in the database`).not.toContain(s);
      expect(slack, `${s} in Slack`).not.toContain(s);
    }
  });

  it('show / diff / history / search jobs answer from the stored history', async () => {
    const show = await run(showJob, { device: 'core1', section: '^interface GigabitEthernet1$' });
    expect(show.code?.content).toBe(
      [
        'interface GigabitEthernet1',
        ' description uplink to dist1 (migrated)',
        ' ip address 10.0.0.1 255.255.255.252',
        ' ip ospf authentication-key 7 <removed>',
        ' ip ospf message-digest-key 1 md5 7 <removed>',
        ' no shutdown',
        '',
      ].join('\n'),
    );
    const none = await run(showJob, { device: 'core1', section: 'zzz-nothing' });
    expect(none.text).toMatch(/No line/);
    expect(await userError(run(showJob, { device: 'core1', section: 'interface (' }))).toMatch(
      /`interface \(` is not a usable regular expression: parentheses \(\) not balanced/,
    );

    const diff = await run(diffJob, { device: 'core1' });
    expect(diff.summary).toMatch(/v\d+ → v\d+, \+1 −1/);
    expect(diff.code?.content).toMatch(/^\+ description uplink to dist1 \(migrated\)$/m);
    const since = await run(diffJob, { device: 'core1', since: '30m' });
    expect(since.text).toMatch(/No change to `core1` in the last 30m: v\d+ .* is still the latest/);
    const longAgo = await run(diffJob, { device: 'core1', since: '30d' });
    expect(longAgo.summary).toMatch(/oldest kept/);
    expect(await userError(run(diffJob, { device: 'core2' }))).toMatch(/single stored version/);
    expect(await userError(run(diffJob, { device: 'core1', from: 'v999999' }))).toMatch(
      /has no version `v999999`.*config history core1/,
    );

    const hist = await run(historyJob, { device: 'core1' });
    expect(hist.code?.content.split('\n').filter((l) => /^v\d+/.test(l))).toHaveLength(2);
    expect(hist.code?.content).toMatch(/syslog +admin/);
    expect(hist.summary).toMatch(/last checked/);
    expect(await userError(run(historyJob, { device: 'ghost' }))).toMatch(/no device called `ghost`/);

    const search = await run(searchJob, { pattern: '^hostname core', context: 1 });
    expect(search.summary).toMatch(/matches 2 of 3 devices/);
    expect(search.code?.content).toMatch(/== core1 \(1 line/);
    const missing = await run(searchJob, { pattern: 'migrated', missing: true, devices: 'core*' });
    expect(missing.summary).toMatch(/1 of 2 devices lack/);
    expect(missing.code?.content.trim()).toBe('core2');
  });

  it('no versions yet: a clear message', async () => {
    services.inventory.replace([...services.inventory.list(), dev('new1', 'frr')]);
    expect(await userError(run(showJob, { device: 'new1' }))).toBe(
      'No configuration of `new1` has been backed up yet. Run `config backup new1` to take the first one.',
    );
  });

  it('backup-many fans out one job per enabled device with derived ids', async () => {
    enqueued.length = 0;
    const r = await run(backupManyJob, { target: 'core*', author: 'alice' });
    expect(r.summary).toBe('queued 2 config backups');
    expect(enqueued.map((e) => [e.name, (e.data as { device: string }).device])).toEqual([
      ['config.backup', 'core1'],
      ['config.backup', 'core2'],
    ]);
    expect(enqueued[0]!.jobId).toMatch(/\.core1$/);
  });

  it('retention job runs and keeps the latest of each device', async () => {
    now = new Date(now.getTime() + 400 * 86_400_000);
    const r = await run(retentionJob, {});
    expect(r.summary).toMatch(/config retention: \d+ version/);
    const { rows } = await db.pool.query(
      'SELECT count(*)::int AS n FROM config_latest l JOIN config_versions v ON v.id = l.version_id',
    );
    expect(rows[0].n).toBe(3);
  });
});

describe('change notice delivery', () => {
  it('a notice that failed to post is posted by the retried backup, once', async () => {
    const real = services.responder;
    let failures = 1;
    services.responder = {
      ...real,
      post: async (d, m) => {
        if (failures-- > 0) throw Object.assign(new Error('slack down'), { code: 'NETOPS_SLACK_API' });
        return real.post(d, m);
      },
    };
    try {
      const before = (emu.messages.C00NETOPS0 ?? []).length;
      devices.configs.set(
        'core2',
        FIXTURE.replace('hostname core1', 'hostname core2').replace(
          'ntp server 10.9.9.11',
          'ntp server 10.9.9.12',
        ),
      );
      await expect(run(backupJob, { device: 'core2', trigger: 'syslog', author: 'dave' })).rejects.toThrow(
        /slack down/,
      );
      const retry = await run(backupJob, { device: 'core2', trigger: 'syslog', author: 'dave' });
      expect(retry.summary).toMatch(/no change.*posted its pending change notice/);
      const again = await run(backupJob, { device: 'core2', trigger: 'schedule' });
      expect(again.summary).not.toMatch(/pending/);
      const msgs = (emu.messages.C00NETOPS0 ?? []).slice(before);
      expect(msgs).toHaveLength(1);
      expect(msgs[0]!.text).toMatch(/core2\* changed by \*dave\*/);
      expect(msgs[0]!.text).toMatch(/^\+ntp server 10\.9\.9\.12$/m);
    } finally {
      services.responder = real;
    }
  });
});
