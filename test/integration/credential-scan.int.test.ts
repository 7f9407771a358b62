import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Fleet, fleetAccess, startFleet } from '../../src/lab/fleet/index.js';
import { createLogger } from '../../src/log.js';
import { redisConnection } from '../helpers/redis.js';
import { SIGNING_SECRET, type Stack, startStack } from '../helpers/stack.js';

/**
 * A run of the product against a simulated fleet whose configs carry secrets, then a scan of
 * everything it left behind: every log line (debug level), every database row, every job in
 * Redis and every Slack call the emulator recorded (with uploaded files, private replies and
 * response_url posts). None may contain a password, key, community or hash.
 */
const CHANNEL = 'C00NETOPS0';
const ADMIN = 'U0000ALICE';
const VIEWER = 'U0000CAROL';
// Made per run (fake, but it must never show up anywhere either): no token-shaped literal in the repo.
const BOT_TOKEN = ['xoxb', 'scan', randomBytes(6).toString('hex')].join('-');

let fleet: Fleet;
let s: Stack;
const logLines: string[] = [];
let secrets: string[] = [];

async function slash(text: string, userId = ADMIN): Promise<void> {
  const res = await s.emu.slashCommand({ command: '/net', text, channelId: CHANNEL, userId });
  expect(res.status).toBe(200);
}

async function until<T>(fn: () => Promise<T | undefined> | T | undefined, ms = 30_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() - t0 > ms) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  fleet = await startFleet({
    devices: [
      { name: 'core1', vendor: 'cisco_iosxe' },
      { name: 'core2', vendor: 'arista_eos' },
      { name: 'edge1', vendor: 'juniper_junos' },
      { name: 'leaf1', vendor: 'cisco_nxos' },
      { name: 'rr1', vendor: 'frr' },
      { name: 'jump1', vendor: 'linux' },
    ],
  });
  const { devices, env } = fleetAccess(fleet, { pinHostKeys: true });
  const sink = new Writable({
    write(chunk, _enc, done) {
      logLines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  s = await startStack({
    devices,
    env: { SLACK_BOT_TOKEN: BOT_TOKEN },
    extraYaml: {
      policy: {
        grants: [
          { role: 'admin', users: [ADMIN] },
          { role: 'viewer', users: [VIEWER] },
        ],
      },
    },
    start: { secretsEnv: env, log: createLogger('trace', {}, sink) },
  });
  secrets = [
    ...Object.entries(env)
      .filter(([k]) => !k.endsWith('_USERNAME'))
      .map(([, v]) => v),
    ...fleet.devices.flatMap((d) => Object.values(d.sim.facts.secrets)),
    SIGNING_SECRET,
    BOT_TOKEN,
  ];
  // Masking keeps fragments shorter than this unrecognisable anyway; shorter values would match noise.
  secrets = [...new Set(secrets.filter((x) => x.length >= 6))];
}, 90_000);

afterAll(async () => {
  await s?.stop();
  await fleet?.stop();
});

describe('credential scan over an integration run', () => {
  it('runs commands that read configurations, over every vendor', async () => {
    expect(secrets.length).toBeGreaterThanOrEqual(20);
    await slash('config backup all');
    await until(async () => {
      const { rows } = await s.db.pool.query('SELECT count(*)::int AS n FROM config_latest');
      return rows[0].n === 6 ? true : undefined;
    }, 60_000);
    const commands = [
      'show core1 show running-config',
      'show core2 show running-config',
      'show edge1 show configuration',
      'show edge1 show configuration | display set',
      'show leaf1 show running-config',
      'show rr1 show running-config',
      'show jump1 ip -br addr show',
      'show "core*" show version',
      'config show core1',
      'config show edge1',
      'config show core2',
      'config search "community|secret|password|key"',
      'config diff core1',
      'show core2 show running-config | json',
      'show edge1 show configuration | display json',
      'audit',
      'whoami',
      'jobs all',
    ];
    for (const c of commands) await slash(c);
    await slash('config backup core1', VIEWER);
    await slash('show jump1 cat /proc/self/environ');
    // every queued job finishes (done or failed) before the scan
    await until(async () => {
      const { rows } = await s.db.pool.query(
        "SELECT count(*)::int AS n FROM audit WHERE status IN ('queued', 'running')",
      );
      return rows[0].n === 0 ? true : undefined;
    }, 90_000);
    const { rows } = await s.db.pool.query(
      "SELECT count(*)::int AS n FROM audit WHERE job_name = 'device.show' AND status = 'done'",
    );
    expect(rows[0].n).toBeGreaterThanOrEqual(7);
    // the configs really carried secrets for the scan to find: stored masked
    const cfg = await s.db.pool.query('SELECT body FROM config_blobs');
    expect(cfg.rows.map((r) => String(r.body)).join('\n')).toMatch(/<removed>/);
  }, 180_000);

  const found = (where: string, text: string) =>
    secrets.filter((x) => text.includes(x)).map((x) => `${where}: …${x.slice(0, 3)}… (${x.length} chars)`);

  it("the scanner finds the secrets where they are: in the devices' own running configs", () => {
    const raw = fleet.devices.map((d) => d.runningConfig()).join('\n');
    // every device's community and BGP password is in its config in clear (or as its vendor hashes it)
    expect(found('raw configs', raw).length).toBeGreaterThanOrEqual(12);
  });

  it('no secret in any log line', () => {
    expect(logLines.length).toBeGreaterThan(5);
    expect(logLines.flatMap((l, i) => found(`log line ${i}`, l))).toEqual([]);
  });

  it('no secret in any database row', async () => {
    const { rows: tables } = await s.db.pool.query(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'",
    );
    expect(tables.length).toBeGreaterThan(5);
    const problems: string[] = [];
    let scanned = 0;
    for (const { table_name } of tables) {
      const { rows } = await s.db.pool.query(`SELECT row_to_json(t)::text AS j FROM "${table_name}" t`);
      scanned += rows.length;
      for (const r of rows) problems.push(...found(`table ${table_name}`, r.j));
    }
    expect(scanned).toBeGreaterThan(30);
    expect(problems).toEqual([]);
  });

  it('no secret in any job payload or result in Redis', async () => {
    const redis = redisConnection();
    const keys = await redis.keys(`${s.prefix}:*`);
    const problems: string[] = [];
    let jobs = 0;
    for (const k of keys) {
      const type = await redis.type(k);
      let text = '';
      if (type === 'hash') {
        const h = await redis.hgetall(k);
        if (h.data) jobs++;
        text = JSON.stringify(h);
      } else if (type === 'string') text = (await redis.get(k)) ?? '';
      else if (type === 'list') text = JSON.stringify(await redis.lrange(k, 0, -1));
      else if (type === 'zset') text = JSON.stringify(await redis.zrange(k, '0', '-1'));
      else if (type === 'set') text = JSON.stringify(await redis.smembers(k));
      else if (type === 'stream') text = JSON.stringify(await redis.xrange(k, '-', '+'));
      problems.push(...found(`redis ${k}`, text));
    }
    await redis.quit();
    expect(jobs).toBeGreaterThan(10);
    expect(problems).toEqual([]);
  });

  it('no secret in any Slack call, file, private reply or response_url post the emulator recorded', () => {
    const problems: string[] = [];
    for (const [i, c] of s.emu.calls.entries())
      problems.push(
        ...found(`call ${i} ${c.method}`, JSON.stringify({ args: c.args, response: c.response })),
      );
    for (const f of s.emu.files.values())
      problems.push(...found(`file ${f.name}`, f.bytes?.toString('utf8') ?? ''));
    for (const [i, e] of s.emu.ephemerals.entries())
      problems.push(...found(`ephemeral ${i}`, JSON.stringify(e)));
    for (const [i, p] of s.emu.responseUrlPosts.entries())
      problems.push(...found(`response_url ${i}`, JSON.stringify(p.body)));
    expect(s.emu.calls.length).toBeGreaterThan(40);
    expect([...s.emu.files.values()].length).toBeGreaterThan(0);
    expect(problems).toEqual([]);
  });
});
