import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import backupJob from '../../jobs/config-backup.js';
import historyJob from '../../jobs/compliance-history.js';
import reportJob from '../../jobs/compliance-report.js';
import type { Destination, Message, Responder } from '../../src/chat/index.js';
import { type Config, type Device, loadConfig } from '../../src/config.js';
import { createChangeStore } from '../../src/changes/index.js';
import { createRemediateAction, REMEDIATE_ACTION_ID } from '../../src/compliance/index.js';
import type { DeviceService } from '../../src/devices/types.js';
import { createSyslogReceiver } from '../../src/configs/syslog/index.js';
import { createInventory } from '../../src/inventory/index.js';
import { createSocket } from 'node:dgram';
import { silentLogger } from '../../src/log.js';
import type { JobDefinition, JobResult } from '../../src/queue/index.js';
import { testDevice } from '../helpers/devices.js';
import { runJob, type TestServices } from '../helpers/jobs.js';
import { freshDb, type TestDb } from '../helpers/pg.js';

const YAML = `
channels:
  changes: C00NETOPS0
compliance:
  sites:
    ams1: { ntp: [10.0.0.123, 10.0.0.124] }
  rules:
    - name: ntp
      kind: present
      lines: |
        {{#site.ntp}}
        ntp server {{.}}
        {{/site.ntp}}
      vendors:
        juniper_junos:
          lines: |
            system {
              ntp {
            {{#site.ntp}}
                server {{.}};
            {{/site.ntp}}
              }
            }
    - name: no-http
      kind: absent
      lines: ip http server
      vendors:
        juniper_junos: { patterns: ['^telnet$'] }
`;

const IOS = `hostname core1-ams
!
ntp server 10.0.0.123
ntp server 10.0.0.124
!
end
`;
const JUNOS = `system {
    host-name edge1-ams;
    ntp {
        server 10.0.0.123;
        server 10.0.0.124;
    }
    services {
        ssh;
    }
}
`;

class Devices implements DeviceService {
  configs = new Map<string, string>();
  async run(): Promise<never> {
    throw new Error('not used');
  }
  async runningConfig(device: Device): Promise<string> {
    return this.configs.get(device.name)!;
  }
  async close() {}
}

const posts: { dest: Destination; message: Message }[] = [];
const responder: Responder = {
  async post(dest, message) {
    posts.push({ dest, message });
    return { ts: String(posts.length) };
  },
  async update() {},
  async ephemeral() {},
  async upload() {},
};

let db: TestDb;
let services: TestServices;
let devices: Devices;
let now = new Date('2026-11-25T10:00:00Z');
const run = (job: JobDefinition, data: unknown): Promise<JobResult> => runJob(job, data, services);

beforeAll(async () => {
  db = await freshDb('compl');
  const config: Config = loadConfig({ DATABASE_URL: db.url }, { role: 'migrate', readFile: () => YAML });
  devices = new Devices();
  services = {
    config,
    pool: db.pool,
    inventory: createInventory([
      testDevice('core1-ams', { vendor: 'cisco_iosxe', site: 'ams1', channel: 'C0CORE1' }),
      testDevice('edge1-ams', { vendor: 'juniper_junos', site: 'ams1' }),
      testDevice('core9-ams', { vendor: 'cisco_iosxe', site: 'ams1', channel: 'C0CORE9' }),
    ]),
    responder,
    enqueue: async () => ({ jobId: 'j-x' }),
    log: silentLogger,
    clock: () => now,
    configs: {},
    devices,
  };
  devices.configs.set('core1-ams', IOS);
  devices.configs.set('edge1-ams', JUNOS);
});
afterAll(async () => {
  await db?.drop();
});
beforeEach(() => {
  now = new Date(now.getTime() + 3_600_000);
});

describe('compliance against real Postgres with stored configs', () => {
  it('first versions are evaluated and stored; no drift notice for a first version', async () => {
    await run(backupJob, { device: 'core1-ams', trigger: 'schedule' });
    await run(backupJob, { device: 'edge1-ams', trigger: 'schedule' });
    const { rows } = await db.pool.query('SELECT device, rule, status FROM compliance_latest ORDER BY 1, 2');
    expect(rows).toEqual([
      { device: 'core1-ams', rule: 'no-http', status: 'compliant' },
      { device: 'core1-ams', rule: 'ntp', status: 'compliant' },
      { device: 'edge1-ams', rule: 'no-http', status: 'compliant' },
      { device: 'edge1-ams', rule: 'ntp', status: 'compliant' },
    ]);
    expect(posts.filter((p) => p.message.text.includes('compliance'))).toEqual([]);
  });

  it('a syslog-triggered change that removes an NTP server posts a drift notice naming the author', async () => {
    devices.configs.set('core1-ams', IOS.replace('ntp server 10.0.0.124\n', 'ip http server\n'));
    await run(backupJob, { device: 'core1-ams', trigger: 'syslog', author: 'alice' });
    const drift = posts.find((p) => p.message.text.includes('breaks'));
    expect(drift?.dest.channel).toBe('C0CORE1');
    expect(drift?.message.text).toContain('*alice*');
    expect(drift?.message.text).toContain('`ntp`');
    expect(drift?.message.text).toContain('+ ntp server 10.0.0.124');
    expect(drift?.message.text).toContain('- ip http server');
    expect(JSON.stringify(drift?.message.blocks)).toContain(REMEDIATE_ACTION_ID);
  });

  it('Remediate creates a change request with the vendor-correct lines, through the approval flow', async () => {
    const drift = posts.find((p) => p.message.text.includes('breaks'))!;
    const button = (drift.message.blocks as { elements?: { value: string }[] }[]).find((b) => b.elements)!
      .elements![0]!;
    const enqueued: { name: string; data: unknown }[] = [];
    const told: string[] = [];
    const action = createRemediateAction({
      pool: db.pool,
      config: services.config,
      inventory: services.inventory,
      enqueue: async (name, data) => {
        enqueued.push({ name, data });
        return { jobId: 'j-dry' };
      },
      responder,
      authorize: () => ({ ok: true }),
      secretMarker: '<removed>',
    });
    expect(action.devicesOf?.(button.value).map((d) => d.name)).toEqual(['core1-ams']);
    await action.handle({
      access: {} as never,
      userId: 'U0000ALICE',
      channel: 'C0CORE1',
      value: button.value,
      responder: {
        ...responder,
        async ephemeral(_d, _u, m) {
          told.push(m.text);
        },
      },
      openModal: async () => {},
    });
    expect(told[0]).toMatch(/Change \S+ created to remediate `core1-ams` \(2 line\(s\)\)/);
    expect(enqueued[0]?.name).toBe('change.dryrun');
    const id = (enqueued[0]!.data as { id: string }).id;
    const change = await createChangeStore(db.pool).get(id);
    expect(change?.lines).toBe('no ip http server\nntp server 10.0.0.124');
    expect(change?.state).toBeDefined();
  });

  it('/net compliance <device>: each rule with its lines and since when', async () => {
    const r = await run(reportJob, { device: 'core1-ams' });
    expect(r.summary).toBe('core1-ams: 0 of 2 rules compliant');
    expect(r.code?.content).toContain('FAIL ntp (since 2026-11-25 12:00Z)');
    expect(r.code?.content).toContain('+ ntp server 10.0.0.124');
  });

  it('fleet summary: compliant %, worst rules and devices, details file; never-backed-up counted', async () => {
    const r = await run(reportJob, {});
    expect(r.summary).toMatch(
      /50% of 4 checks pass; 1 of 2 devices fully compliant \(3 in scope; 1 never backed up\)/,
    );
    const shown = JSON.stringify(r.blocks);
    expect(shown).toContain('core1-ams (2)');
    // One button proposes the fix for every failing device of this summary's scope.
    expect(shown).toContain(
      '"action_id":"compliance.remediate_all","text":{"type":"plain_text","text":"Remediate all"},"value":"{}"',
    );
    expect(String(r.files?.[0]?.content)).toContain('== core1-ams ntp noncompliant');
    const junos = await run(reportJob, { scope: 'edge1*', rule: 'ntp' });
    expect(junos.summary).toMatch(/100% of 1 checks pass/);
  });

  it('history answers since when, by device and by rule', async () => {
    devices.configs.set('core1-ams', IOS);
    await run(backupJob, { device: 'core1-ams', trigger: 'syslog', author: 'bob' });
    const byDevice = await run(historyJob, { device: 'core1-ams' });
    expect(byDevice.summary).toContain('all compliant now');
    expect(byDevice.code!.content.split('\n').slice(0, 2).join('\n')).toMatch(/ntp {2}compliant v3 by bob/);
    expect(byDevice.code!.content).toMatch(/ntp {2}noncompliant v2 by alice \(\+1 −0\)/);
    const byRule = await run(historyJob, { rule: 'no-http' });
    expect(byRule.code!.content).toContain('core1-ams  noncompliant v2 by alice');
  });

  it('end to end from a syslog message over UDP: the backup it triggers posts the drift with that author', async () => {
    const queued: { name: string; data: unknown }[] = [];
    const receiver = createSyslogReceiver({
      inventory: createInventory([testDevice('core1-ams', { vendor: 'cisco_iosxe', host: '127.0.0.1' })]),
      enqueue: async (name, data) => {
        queued.push({ name, data });
        return { jobId: 'j-syslog' };
      },
      host: '127.0.0.1',
      port: 0,
      debounceMs: 50,
    });
    const { port } = await receiver.start();
    try {
      devices.configs.set('core1-ams', IOS.replace('ntp server 10.0.0.123\n', ''));
      const sock = createSocket('udp4');
      const msg =
        '<189>79: *Nov 25 10:00:00.123: %SYS-5-CONFIG_I: Configured from console by carol on vty0 (10.0.0.5)';
      await new Promise<void>((ok, fail) => sock.send(msg, port, '127.0.0.1', (e) => (e ? fail(e) : ok())));
      sock.close();
      const t0 = Date.now();
      while (!queued.length && Date.now() - t0 < 5_000) await new Promise((r) => setTimeout(r, 10));
      expect(queued[0]).toMatchObject({
        name: 'config.backup',
        data: { device: 'core1-ams', trigger: 'syslog', author: 'carol' },
      });
      const before = posts.length;
      await run(backupJob, queued[0]!.data);
      const drift = posts.slice(before).find((p) => p.message.text.includes('breaks'));
      expect(drift?.message.text).toContain('*carol*');
      expect(drift?.message.text).toContain('+ ntp server 10.0.0.123');
    } finally {
      await receiver.stop();
    }
  });
});

describe('drift notices when a failing rule gets worse', () => {
  const notices = (from: number) =>
    posts.slice(from).filter((p) => p.dest.channel === 'C0CORE9' && p.message.text.startsWith(':warning:'));
  const version = async (text: string, author: string) => {
    devices.configs.set('core9-ams', text);
    const from = posts.length;
    await run(backupJob, { device: 'core9-ams', trigger: 'syslog', author });
    return notices(from);
  };
  const ONE = IOS.replace('hostname core1-ams', 'hostname core9-ams').replace('ntp server 10.0.0.124\n', '');

  it('new missing lines are noticed (only those shown); an unchanged or smaller violation is not', async () => {
    expect(await version(ONE, 'alice')).toEqual([]); // a first version: never a notice
    const worse = await version(ONE.replace('ntp server 10.0.0.123\n', ''), 'bob');
    expect(worse).toHaveLength(1);
    const text = worse[0]!.message.text;
    expect(text).toContain('*bob*');
    expect(text).toContain('makes 1 already failing rule worse: `ntp`');
    expect(text).toContain('+ ntp server 10.0.0.123');
    expect(text).not.toContain('10.0.0.124');
    expect(text).toContain('2 line(s) wrong in all');
    expect(JSON.stringify(worse[0]!.message.blocks)).toContain(REMEDIATE_ACTION_ID);
    // Another edit that leaves the violation as it was: stored as a new version, no second notice.
    expect(await version(ONE.replace('ntp server 10.0.0.123\n', 'logging host 10.9.9.9\n'), 'carol')).toEqual(
      [],
    );
    // Better (one line back): no notice either.
    expect(await version(ONE.replace('!\nend', 'logging host 10.9.9.9\n!\nend'), 'dave')).toEqual([]);
  });

  it('a new break and a worse rule in one version: one notice naming both', async () => {
    const both = await version(
      ONE.replace('ntp server 10.0.0.123\n', 'ip http server\n').replace(
        '!\nend',
        'logging host 10.9.9.9\n!\nend',
      ),
      'erin',
    );
    expect(both).toHaveLength(1);
    expect(both[0]!.message.text).toMatch(
      /breaks 1 compliance rule: `no-http`; and makes 1 already failing rule worse: `ntp`/,
    );
    expect(both[0]!.message.text).toContain('- ip http server');
  });
});

describe('a rule edit is not blamed on the next backup', () => {
  const notices = (from: number) =>
    posts.slice(from).filter((p) => p.dest.channel === 'C0CORE7' && p.message.text.startsWith(':warning:'));
  const version = async (text: string, author: string) => {
    devices.configs.set('core7-ams', text);
    const from = posts.length;
    await run(backupJob, { device: 'core7-ams', trigger: 'syslog', author });
    return notices(from);
  };
  const SEVEN = IOS.replace('hostname core1-ams', 'hostname core7-ams');

  it('the stricter rule finds the old gap with no notice; a real break after it names only its own lines', async () => {
    const original = services.config;
    const inventory = services.inventory;
    services.inventory = createInventory([
      testDevice('core7-ams', { vendor: 'cisco_iosxe', site: 'ams1', channel: 'C0CORE7' }),
    ]);
    try {
      expect(await version(SEVEN, 'alice')).toEqual([]);
      // The site gains a third NTP server in netops.yaml; nothing re-evaluates the fleet before
      // the next backup.
      services.config = loadConfig(
        { DATABASE_URL: db.url },
        {
          role: 'migrate',
          readFile: () =>
            YAML.replace('ntp: [10.0.0.123, 10.0.0.124]', 'ntp: [10.0.0.123, 10.0.0.124, 10.0.0.125]'),
        },
      );
      // Frank adds a logging host: the ntp rule now fails, but not because of him.
      expect(await version(SEVEN.replace('!\nend', 'logging host 10.9.9.9\n!\nend'), 'frank')).toEqual([]);
      const { rows } = await db.pool.query(
        "SELECT status, missing FROM compliance_latest WHERE device = 'core7-ams' AND rule = 'ntp'",
      );
      expect(rows).toEqual([{ status: 'noncompliant', missing: [['ntp server 10.0.0.125']] }]);
      // Gina removes a server: hers is the notice, and only her line is in it.
      const worse = await version(
        SEVEN.replace('ntp server 10.0.0.123\n', '').replace('!\nend', 'logging host 10.9.9.9\n!\nend'),
        'gina',
      );
      expect(worse).toHaveLength(1);
      expect(worse[0]!.message.text).toContain('*gina*');
      expect(worse[0]!.message.text).toContain('makes 1 already failing rule worse: `ntp`');
      expect(worse[0]!.message.text).toContain('+ ntp server 10.0.0.123');
      expect(worse[0]!.message.text).not.toContain('10.0.0.125');
    } finally {
      services.config = original;
      services.inventory = inventory;
    }
  });
});
