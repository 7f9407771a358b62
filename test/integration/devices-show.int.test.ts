import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import showCommand from '../../commands/show.js';
import { commands as baseCommands } from '../../commands/index.js';
import { jobs as baseJobs } from '../../jobs/index.js';
import showJob from '../../jobs/show.js';
import type { Device } from '../../src/config.js';
import {
  createSshCredentials,
  createDeviceService,
  type DeviceServiceImpl,
} from '../../src/devices/index.js';
import { type Fleet, startFleet } from '../../src/lab/fleet/index.js';
import type { JobDefinition } from '../../src/queue/index.js';
import type { CommandDefinition } from '../../src/registry/index.js';
import { redisConnection } from '../helpers/redis.js';
import { type Stack, startStack } from '../helpers/stack.js';

/**
 * `/net show` end to end: signed slash command (Slack emulator) → bot → BullMQ (real Redis) → worker
 * → device.show job → SSH to the simulated fleet → result in Slack. Then every place a secret could
 * leak (Slack, job payloads in Redis, Postgres rows, log lines) is scanned for the fleet's secrets.
 */
const CHANNEL = 'C00NETOPS0';
let fleet: Fleet;
let svc: DeviceServiceImpl;
let s: Stack;
const logLines: string[] = [];
const secrets: string[] = [];

function slackText(): string {
  return (
    JSON.stringify(s.emu.snapshot()) +
    JSON.stringify(s.emu.calls) +
    JSON.stringify(s.emu.responseUrlPosts) +
    [...s.emu.files.values()].map((f) => Buffer.from(f.bytes ?? []).toString()).join('\n')
  );
}

async function slash(text: string): Promise<string> {
  const res = await s.emu.slashCommand({ command: '/net', text, channelId: CHANNEL, userId: 'U0000ALICE' });
  expect(res.status).toBe(200);
  return JSON.stringify(res);
}

async function until<T>(fn: () => T | undefined | false, ms = 20_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() - t0 > ms) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Waits until Slack (messages, files, ephemeral replies) shows text matching `re` after `mark`. */
function seen(re: RegExp, mark = 0): Promise<string> {
  return until(() => {
    const calls = s.emu.calls.slice(mark).map((c) => JSON.stringify(c.args));
    const posts = s.emu.responseUrlPosts.map((p) => JSON.stringify(p));
    const files = [...s.emu.files.values()].map((f) => Buffer.from(f.bytes ?? []).toString());
    return [...calls, ...posts, ...files].find((t) => re.test(t));
  });
}

beforeAll(async () => {
  fleet = await startFleet({
    devices: [
      { name: 'core1', vendor: 'cisco_iosxe', seed: 1 },
      { name: 'leaf1', vendor: 'arista_eos', seed: 2 },
      { name: 'edge1', vendor: 'juniper_junos', seed: 3 },
      { name: 'edge2', vendor: 'juniper_junos', seed: 4 },
      { name: 'edge3', vendor: 'juniper_junos', seed: 5 },
      { name: 'srv1', vendor: 'linux', seed: 6 },
      { name: 'locked1', vendor: 'cisco_iosxe', seed: 7 },
    ],
    slowMs: 5_000,
  });
  const env: Record<string, string> = {};
  const devices: Device[] = fleet.devices.map((d, i) => {
    const cred = `lab${i}`;
    env[`NETOPS_CRED_LAB${i}_USERNAME`] = d.credential.username;
    // locked1's credential is wrong on purpose (auth failure path).
    env[`NETOPS_CRED_LAB${i}_PASSWORD`] = d.name === 'locked1' ? 'not-the-password' : d.credential.password;
    if (d.credential.enable) env[`NETOPS_CRED_LAB${i}_ENABLE`] = d.credential.enable;
    secrets.push(d.credential.password, ...(d.credential.enable ? [d.credential.enable] : []));
    const sec = d.sim.facts.secrets;
    if (d.vendor !== 'linux') secrets.push(sec.community, sec.tacacsKey, sec.bgpPassword);
    return { ...fleet.inventory(cred)[i]!, credential: cred };
  });
  // A device nobody listens for: unreachable.
  devices.push({ ...devices[0]!, name: 'edge9', vendor: 'juniper_junos', port: 1, credential: 'lab2' });
  const log = pino({ level: 'trace' }, { write: (line: string) => void logLines.push(line) });
  svc = createDeviceService({
    credentials: createSshCredentials({ env }),
    log,
    timeouts: { connectMs: 3_000, commandMs: 1_500 },
  });
  const mine = [showJob] as JobDefinition[];
  s = await startStack({
    devices,
    start: {
      log,
      commands: [...baseCommands.filter((c) => c.name !== 'show'), showCommand] as CommandDefinition[],
      jobs: [...baseJobs.filter((j) => j.name !== showJob.name), ...mine],
      services: { devices: svc },
    },
  });
}, 60_000);

afterAll(async () => {
  await s?.stop();
  await svc?.close();
  await fleet?.stop();
});

describe('/net show end to end', () => {
  it('runs a command on one device and posts its output as a code block', async () => {
    const mark = s.emu.calls.length;
    await slash('show core1 show version');
    const out = await seen(/Cisco IOS XE Software, Version/, mark);
    expect(out).toContain('Processor board ID');
  });

  it('takes CLI abbreviations and an implied `show`', async () => {
    const mark = s.emu.calls.length;
    await slash('show core1 ip int br');
    await seen(/Interface {14}IP-Address {6}OK\? Method Status/, mark);
    await slash('show edge1 show interfaces terse | match ge-0/0/0');
    await seen(/ge-0\/0\/0\.0 +up/, mark);
  });

  it('masks device secrets in output (show running-config)', async () => {
    const mark = s.emu.calls.length;
    await slash('show core1 show running-config');
    const out = await seen(/snmp-server community/, mark);
    expect(out).not.toContain(fleet.get('core1').sim.facts.secrets.community);
  });

  it('runs a glob in parallel and posts a summary table plus the outputs', async () => {
    const mark = s.emu.calls.length;
    await slash('show "edge*" show system uptime');
    const table = await seen(/device +result +time/, mark);
    expect(table).toMatch(/edge1 +ok/);
    expect(table).toMatch(/edge2 +ok/);
    expect(table).toMatch(/edge3 +ok/);
    expect(table).toMatch(/edge9 +failed .*unreachable/);
    await seen(/3 ok, 1 failed/, mark);
    await seen(/System booted:/, mark);
  });

  it('refuses unsafe or non-read-only commands with a clear private reply and no job', async () => {
    const cases: Array<[string, RegExp]> = [
      ['show core1 show run ; reload', /`;` chains commands/],
      ['show core1 show run && reload', /`&&`\/`\|\|` chain commands/],
      ['show core1 configure terminal', /not a read-only command/],
      ['show core1 show run | redirect flash:x', /`\| redirect` is not an allowed filter/],
      ['show srv1 cat /etc/shadow', /not a read-only command/],
      ['show srv1 ip addr show `id`', /backticks|shell syntax/],
      ['show srv1 ip route show $(reboot)', /command substitution|shell syntax/],
      ['show cor1 show version', /no device called `cor1`.*core1/],
    ];
    const jobsBefore = await countJobs();
    for (const [text, re] of cases) {
      const mark = s.emu.calls.length;
      const ack = await slash(text);
      if (!re.test(ack))
        await seen(re, mark).catch((e) => {
          throw new Error(
            `${text}: ${(e as Error).message}; ack ${ack.slice(0, 400)}; calls ${JSON.stringify(s.emu.calls.slice(mark)).slice(0, 800)}`,
          );
        });
    }
    expect(await countJobs()).toBe(jobsBefore);
  });

  it('gives auth failure, timeout and unreachable their own message, and the worker stays healthy', async () => {
    let mark = s.emu.calls.length;
    await slash('show locked1 show version');
    await seen(/refused the login/, mark);
    mark = s.emu.calls.length;
    await slash('show core1 show tech-support');
    await seen(/did not finish/, mark);
    mark = s.emu.calls.length;
    await slash('show edge9 show version');
    await seen(/is unreachable/, mark);
    mark = s.emu.calls.length;
    await slash('show core1 show frobnicate');
    await seen(/rejected `show frobnicate`: % Invalid input detected/, mark);
    mark = s.emu.calls.length;
    await slash('show leaf1 show version');
    await seen(/Software image version:/, mark);
  });

  it('no secret reached Slack, a job payload, a database row or a log line', async () => {
    expect(logLines.length).toBeGreaterThan(0);
    const { rows: tables } = await s.db.pool.query(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'",
    );
    let db = '';
    for (const t of tables) {
      const { rows } = await s.db.pool.query(`SELECT json_agg(x)::text AS j FROM "${t.table_name}" x`);
      db += rows[0].j ?? '';
    }
    expect(db).toMatch(/device\.show|show core1/); // the audit trail is there, and is scanned
    const redis = await dumpRedis();
    expect(redis).toContain('device.show');
    const places = { slack: slackText(), redis, db, logs: logLines.join('') };
    for (const secret of secrets) {
      for (const [where, text] of Object.entries(places))
        expect(text.includes(secret), `secret found in ${where}`).toBe(false);
    }
  });
});

async function countJobs(): Promise<number> {
  const r = redisConnection();
  try {
    let n = 0;
    let cursor = '0';
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', `${s.prefix}:devices:[0-9a-z]*`, 'COUNT', 1000);
      cursor = next;
      n += keys.filter(
        (k) =>
          /:devices:[^:]+$/.test(k) &&
          !/:(?:meta|id|events|wait|active|completed|failed|delayed|paused|prioritized|stalled-check|marker|pc)$/.test(
            k,
          ),
      ).length;
    } while (cursor !== '0');
    return n;
  } finally {
    await r.quit();
  }
}

async function dumpRedis(): Promise<string> {
  const r = redisConnection();
  const out: string[] = [];
  try {
    let cursor = '0';
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', `${s.prefix}:*`, 'COUNT', 1000);
      cursor = next;
      for (const k of keys) {
        const type = await r.type(k);
        if (type === 'hash') out.push(JSON.stringify(await r.hgetall(k)));
        else if (type === 'string') out.push((await r.get(k)) ?? '');
        else if (type === 'list') out.push(JSON.stringify(await r.lrange(k, 0, -1)));
        else if (type === 'zset') out.push(JSON.stringify(await r.zrange(k, '0', '-1')));
        else if (type === 'set') out.push(JSON.stringify(await r.smembers(k)));
        else if (type === 'stream') out.push(JSON.stringify(await r.xrange(k, '-', '+')));
      }
    } while (cursor !== '0');
  } finally {
    await r.quit();
  }
  return out.join('\n');
}
