import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import configCommand from '../../commands/config.js';
import { commands as baseCommands } from '../../commands/index.js';
import backupMany from '../../jobs/config-backup-many.js';
import backup from '../../jobs/config-backup.js';
import diff from '../../jobs/config-diff.js';
import history from '../../jobs/config-history.js';
import search from '../../jobs/config-search.js';
import show from '../../jobs/config-show.js';
import { jobs as baseJobs } from '../../jobs/index.js';
import { createSyslogReceiver } from '../../src/configs/syslog/index.js';
import {
  createSshCredentials,
  createDeviceService,
  type DeviceServiceImpl,
} from '../../src/devices/index.js';
import { type Fleet, fleetAccess, startFleet } from '../../src/lab/fleet/index.js';
import type { CommandDefinition } from '../../src/registry/index.js';
import type { JobDefinition } from '../../src/queue/index.js';
import { type Stack, startStack } from '../helpers/stack.js';

/**
 * The whole product path: a signed `/net config …` from the Slack emulator → bot → BullMQ (real
 * Redis) → worker → config jobs over SSH to the simulated fleet → Postgres → Slack. The fleet's own
 * syslog announcements feed the receiver the worker starts.
 */
const CHANNEL = 'C00NETOPS0';
let fleet: Fleet;
let svc: DeviceServiceImpl;
let s: Stack;

const lastCallText = (pred: (t: string) => boolean) =>
  s.emu.calls
    .filter(
      (c) =>
        c.method === 'chat.postMessage' ||
        c.method === 'chat.update' ||
        c.method === 'files.completeUploadExternal',
    )
    .map((c) => JSON.stringify(c.args))
    .filter(pred);

async function slash(text: string): Promise<void> {
  const res = await s.emu.slashCommand({ command: '/net', text, channelId: CHANNEL, userId: 'U0000ALICE' });
  expect(res.status).toBe(200);
}

async function until<T>(fn: () => Promise<T | undefined> | T | undefined, ms = 20_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() - t0 > ms) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  fleet = await startFleet({
    devices: [
      { name: 'core1', vendor: 'cisco_iosxe' },
      { name: 'edge1', vendor: 'juniper_junos' },
      { name: 'rtr1', vendor: 'frr' },
    ],
  });
  const { devices, env } = fleetAccess(fleet);
  svc = createDeviceService({ credentials: createSshCredentials({ env }), tofu: false });
  const mine = [backup, backupMany, show, diff, history, search] as JobDefinition[];
  s = await startStack({
    devices,
    start: {
      commands: [...baseCommands.filter((c) => c.name !== 'config'), configCommand] as CommandDefinition[],
      jobs: [...baseJobs.filter((j) => !mine.some((m) => m.name === j.name)), ...mine],
      services: { devices: svc },
      async onWorkerStart(running) {
        const receiver = createSyslogReceiver({
          inventory: running.inventory,
          enqueue: running.producer.enqueue,
          port: 0,
          host: '127.0.0.1',
          debounceMs: 200,
        });
        await receiver.start();
        // Every simulated device is 127.0.0.1: the lab names the sender.
        const offs = fleet.devices.map((d) =>
          d.onSyslog((ev) => receiver.handle(ev.line, '127.0.0.1', ev.device)),
        );
        return async () => {
          for (const off of offs) off();
          await receiver.stop();
        };
      },
    },
  });
}, 60_000);

afterAll(async () => {
  await s?.stop();
  await svc?.close();
  await fleet?.stop();
});

describe('/net config end to end (emulator → Redis → worker → fleet → Postgres → Slack)', () => {
  it('`config backup all` fans out and stores one version per device', async () => {
    await slash('config backup all');
    await until(async () => {
      const { rows } = await s.db.pool.query('SELECT count(*)::int AS n FROM config_latest');
      return rows[0].n === 3 ? true : undefined;
    });
    const { rows } = await s.db.pool.query('SELECT DISTINCT trigger, author FROM config_versions');
    expect(rows).toEqual([{ trigger: 'manual', author: expect.any(String) }]);
  });

  it('a change on a device announces itself over syslog → one version and a diff in the changes channel', async () => {
    fleet.get('core1').configure(['ntp server 10.77.0.1'], 'jdoe');
    const notice = await until(() => lastCallText((t) => t.includes('changed by *jdoe*'))[0]);
    expect(notice).toContain('core1');
    expect(notice).toMatch(/\\n\+ntp server 10\.77\.0\.1/);
    const { rows } = await s.db.pool.query(
      "SELECT trigger, author FROM config_versions WHERE device = 'core1' ORDER BY id",
    );
    expect(rows).toEqual([
      { trigger: 'manual', author: expect.any(String) },
      { trigger: 'syslog', author: 'jdoe' },
    ]);
  });

  it('diff, history, search and show answer in the channel', async () => {
    await slash('config diff core1 --since 1h');
    // the change notice and now the diff result
    await until(() => lastCallText((t) => t.includes('+ntp server 10.77.0.1')).length >= 2 || undefined);
    await slash('config history core1');
    await until(() => lastCallText((t) => /syslog +jdoe/.test(t))[0]);
    await slash('config search "^ntp server 10\\.77" --missing');
    const missing = await until(() =>
      lastCallText((t) => /2 of 3 devices lack/.test(t)).find((t) => t.includes('```')),
    );
    expect(missing).toMatch(/edge1\\nrtr1/);
    // a long section goes up as a file
    await slash('config show edge1 "^interfaces"');
    // The emulator lists a file once its upload URL is handed out; wait for its bytes too.
    const file = await until(() =>
      [...s.emu.files.values()].find((f) => /^edge1-v\d+\.cfg$/.test(f.name) && f.bytes?.length),
    );
    const body = Buffer.from(file.bytes ?? []).toString('utf8');
    expect(body.split('\n')[0]).toBe('interfaces {');
    expect(body).not.toMatch(/^system \{/m);
  });

  it('mistakes get a clear private answer and no job', async () => {
    const jobsBefore = lastCallText((t) => t.includes('queued')).length;
    await slash('config show core9');
    const reply = await until(() =>
      s.emu.responseUrlPosts.find((p) => JSON.stringify(p.body).includes('core9')),
    );
    expect(JSON.stringify(reply.body)).toMatch(/no device called `core9`/);
    await slash('config search "interface (" ');
    const bad = await until(() => lastCallText((t) => /not a usable regular expression/.test(t))[0]);
    expect(bad).toMatch(/parentheses/);
    expect(lastCallText((t) => t.includes('queued: /net config show core9'))).toHaveLength(0);
    expect(jobsBefore).toBeGreaterThan(0);
  });

  it('no secret of the fleet reached Slack or the database', async () => {
    const slack =
      JSON.stringify(s.emu.snapshot()) +
      [...s.emu.files.values()].map((f) => Buffer.from(f.bytes ?? []).toString()).join('');
    const { rows } = await s.db.pool.query(
      `SELECT (SELECT json_agg(b) FROM config_blobs b)::text || (SELECT json_agg(l) FROM config_latest l)::text AS all`,
    );
    for (const d of fleet.devices) {
      const sec = d.sim.facts.secrets;
      for (const probe of [
        sec.community,
        sec.enable.slice(3, 17),
        sec.userHash.slice(3, 17),
        d.credential.password,
      ]) {
        expect(slack.includes(probe), `${d.name} ${probe} in Slack`).toBe(false);
        expect(rows[0].all.includes(probe), `${d.name} ${probe} in DB`).toBe(false);
      }
    }
  });
});
