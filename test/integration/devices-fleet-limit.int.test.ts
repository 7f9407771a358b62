import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  createDeviceService,
  createSessionLeases,
  createSshCredentials,
  type Device,
  type DeviceServiceImpl,
  type SessionLeases,
} from '../../src/devices/index.js';
import { loadConfig } from '../../src/config.js';
import { createCredentialResolver } from '../../src/credentials/index.js';
import { ErrorCode, NetopsError } from '../../src/errors.js';
import { type Fleet, generateHostKey, startFleet } from '../../src/lab/fleet/index.js';
import { silentLogger } from '../../src/log.js';
import { createRedisConnection, type RedisClient } from '../../src/redis.js';
import { createWorkerDevices } from '../../src/services/index.js';
import { dropPrefix, freshPrefix, TEST_REDIS_URL } from '../helpers/redis.js';
import { startRedisServer } from '../helpers/redis-server.js';

/**
 * limits.sessionsPerDevice across worker processes: two device services, each with its own Redis
 * connection (as two workers have), against one simulated IOS-XE device over real SSH. The device
 * counts its SSH connections, so "never more than 2" is what the device saw, not what we think.
 */
const SLOW_MS = 150; // `show tech-support` takes this long on the simulator
let hostKey: string;
let fleet: Fleet;
let prefix: string;
const env: Record<string, string> = {};
const conns: RedisClient[] = [];
const services: DeviceServiceImpl[] = [];

function redis(url = TEST_REDIS_URL): RedisClient {
  const r = createRedisConnection({ mode: 'standalone', url }, 'producer');
  r.on('error', () => {});
  conns.push(r);
  return r;
}

/** A worker's device service: its own connection, the shared prefix, sessionsPerDevice 2. */
function workerService(
  options: { leases?: SessionLeases; log?: pino.Logger; idleMs?: number; leaseWaitMs?: number } = {},
): DeviceServiceImpl {
  const svc = createDeviceService({
    credentials: createSshCredentials({ env }),
    tofu: false,
    limits: { perDevice: 2 },
    leases: options.leases ?? createSessionLeases({ redis: redis(), prefix }),
    timeouts: {
      connectMs: 5_000,
      commandMs: 5_000,
      ...(options.idleMs ? { idleMs: options.idleMs } : {}),
      ...(options.leaseWaitMs ? { leaseWaitMs: options.leaseWaitMs } : {}),
    },
    ...(options.log ? { log: options.log } : {}),
  });
  services.push(svc);
  return svc;
}

function device(name = 'ios1'): Device {
  return fleet.inventory('lab').find((d) => d.name === name)!;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(() => {
  hostKey = generateHostKey().privateKey;
});

beforeEach(async () => {
  prefix = freshPrefix('ssh-limit');
  fleet = await startFleet({
    hostKey,
    slowMs: SLOW_MS,
    devices: [
      { name: 'ios1', vendor: 'cisco_iosxe', seed: 1 },
      { name: 'ios2', vendor: 'cisco_iosxe', seed: 1 }, // same seed: same lab login,
    ],
  });
  const [d] = fleet.devices;
  env.NETOPS_CRED_LAB_USERNAME = d!.credential.username;
  env.NETOPS_CRED_LAB_PASSWORD = d!.credential.password;
  env.NETOPS_CRED_LAB_ENABLE = d!.credential.enable!;
}, 30_000);

afterEach(async () => {
  await Promise.all(services.splice(0).map((s) => s.close()));
  for (const c of conns.splice(0)) c.disconnect();
  await fleet.stop();
  await dropPrefix(prefix);
});

describe('limits.sessionsPerDevice across two workers', () => {
  it('the device never sees more than 2 SSH sessions from two workers running 6 commands each', async () => {
    const a = workerService();
    const b = workerService();
    const ios1 = fleet.get('ios1');
    const started = Date.now();
    const results = await Promise.all(
      [a, b].flatMap((svc) =>
        Array.from({ length: 6 }, () => svc.run(device(), ['show tech-support', 'show clock'])),
      ),
    );
    const wallMs = Date.now() - started;
    expect(results).toHaveLength(12);
    for (const [tech] of results) expect(tech!.output).toContain('show version');
    expect(ios1.stats().maxConnections).toBe(2);
    expect(ios1.stats().maxShells).toBe(2);
    // Not serialised behind one worker's queue: 12 slow commands over 2 sessions take about 6 × SLOW_MS
    // plus logins and hand-overs.
    expect(wallMs).toBeLessThan(12 * SLOW_MS + 5_000);
    // Per device: the other device's sessions are not counted against this one.
    await Promise.all([a.run(device('ios2'), ['show clock']), b.run(device('ios2'), ['show clock'])]);
    expect(fleet.get('ios2').stats().maxConnections).toBe(2);
  });

  it('hands an idle session over to a waiting worker within milliseconds', async () => {
    const a = workerService();
    const waits: number[] = [];
    const leasesB = createSessionLeases({ redis: redis(), prefix });
    const timed: SessionLeases = {
      ...leasesB,
      async acquire(d, limit, o) {
        const t0 = performance.now();
        const lease = await leasesB.acquire(d, limit, o);
        waits.push(performance.now() - t0);
        return lease;
      },
    };
    const b = workerService({ leases: timed });
    // Worker A used the device twice at once and keeps both sessions idle (for 60 s by default).
    await Promise.all([a.run(device(), ['show clock']), a.run(device(), ['show clock'])]);
    expect(a.stats()).toMatchObject({ idle: 2, open: 2 });
    const ios1 = fleet.get('ios1');
    expect(ios1.stats().connections).toBe(2);

    const t0 = performance.now();
    const [out] = await b.run(device(), ['show clock']);
    const commandMs = performance.now() - t0;
    expect(out!.output).toMatch(/\d\d:\d\d:\d\d/);
    expect(waits).toHaveLength(1);
    const handOverMs = waits[0]!;
    console.log(
      `idle hand-over: lease granted after ${handOverMs.toFixed(0)} ms (command ${commandMs.toFixed(0)} ms)`,
    );
    // A hears at once that B waits (no 250 ms check), closes an idle session, and B hears it is free.
    expect(handOverMs).toBeLessThan(100);
    expect(a.stats()).toMatchObject({ idle: 1, open: 1 });
    expect(ios1.stats().maxConnections).toBe(2);

    // A's remaining idle session still serves A at once (no new login).
    const logins = ios1.stats().logins;
    await a.run(device(), ['show clock']);
    expect(ios1.stats().logins).toBe(logins);
  });

  it('a busy worker gives its session up after the command when another worker waits', async () => {
    const a = workerService();
    const b = workerService();
    // A keeps both sessions busy with a steady queue of slow commands.
    let stop = false;
    const aLoop = Promise.all(
      [0, 1].map(async () => {
        while (!stop) await a.run(device(), ['show tech-support']);
      }),
    );
    await sleep(3 * SLOW_MS);
    const t0 = Date.now();
    await b.run(device(), ['show clock']);
    const waited = Date.now() - t0;
    stop = true;
    await aLoop;
    // Within a few commands of A, not after A's queue (it never drains).
    expect(waited).toBeLessThan(2_000);
    expect(fleet.get('ios1').stats().maxConnections).toBe(2);
  });

  it('with Redis away, commands still run under the per-process limit, and it is logged once', async () => {
    const lines: Array<{ level: number; msg: string }> = [];
    const log = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s)) });
    const away = createSessionLeases({ redis: redis('redis://127.0.0.1:1'), prefix, callTimeoutMs: 300 });
    const svc = workerService({ leases: away, log });
    const t0 = Date.now();
    const results = await Promise.all(
      Array.from({ length: 6 }, () => svc.run(device(), ['show tech-support'])),
    );
    await svc.run(device(), ['show clock']);
    expect(results).toHaveLength(6);
    expect(Date.now() - t0).toBeLessThan(6 * SLOW_MS + 4_000);
    expect(fleet.get('ios1').stats().maxConnections).toBe(2);
    const warnings = lines.filter((l) => l.level === 40 && /Redis unreachable/.test(l.msg));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.msg).toContain('limits.sessionsPerDevice holds per worker process only');
  });

  it('when Redis comes back, sessions opened without it take leases again (or close when idle)', async () => {
    const server = await startRedisServer();
    try {
      const lines: Array<{ level: number; msg: string }> = [];
      const log = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s)) });
      const leases = createSessionLeases({ redis: redis(server.url), prefix, callTimeoutMs: 300 });
      const svc = workerService({ leases, log });
      await svc.run(device(), ['show clock']);
      expect(await leases.holders('ios1')).toHaveLength(1);
      await server.stop();
      // ios2's session is opened while Redis is away: no lease, the per-process limit only.
      await Promise.all([svc.run(device('ios2'), ['show clock']), svc.run(device('ios2'), ['show clock'])]);
      await svc.run(device(), ['show clock']);
      expect(lines.filter((l) => /Redis unreachable/.test(l.msg))).toHaveLength(1);
      await server.start();
      const t0 = Date.now();
      while ((await leases.holders('ios2').catch(() => [])).length < 2) {
        if (Date.now() - t0 > 8_000) throw new Error('ios2 sessions took no lease after Redis came back');
        await sleep(100);
      }
      expect(await leases.holders('ios1')).toHaveLength(1);
      expect(lines.some((l) => /Redis reachable again/.test(l.msg))).toBe(true);
    } finally {
      await server.close();
    }
  });

  it('sessions two workers opened while Redis was away come back down to the limit once it is back', async () => {
    const server = await startRedisServer();
    try {
      const worker = () =>
        workerService({
          leases: createSessionLeases({ redis: redis(server.url), prefix, callTimeoutMs: 300 }),
        });
      const a = worker();
      const b = worker();
      await server.stop();
      // Each worker alone keeps to 2: together the device sees 4 while Redis is away.
      await Promise.all([a, b].flatMap((svc) => [0, 1].map(() => svc.run(device(), ['show tech-support']))));
      const ios1 = fleet.get('ios1');
      expect(ios1.stats().connections).toBe(4);
      await server.start();
      const t0 = Date.now();
      while (ios1.stats().connections > 2) {
        if (Date.now() - t0 > 8_000) throw new Error(`still ${ios1.stats().connections} sessions`);
        await sleep(100);
      }
      expect(a.stats().open + b.stats().open).toBe(2);
      const leases = createSessionLeases({ redis: redis(server.url), prefix });
      expect(await leases.holders('ios1')).toHaveLength(2);
      // And both workers still get their commands through.
      await Promise.all([a.run(device(), ['show clock']), b.run(device(), ['show clock'])]);
      await sleep(50);
      expect(ios1.stats().connections).toBeLessThanOrEqual(2);
    } finally {
      await server.close();
    }
  });

  it('a device whose sessions stay taken elsewhere fails with NETOPS_DEVICE_BUSY after the bounded wait', async () => {
    // Another worker (a bare lease client here) holds both of ios1's sessions for the whole test.
    const other = createSessionLeases({ redis: redis(), prefix });
    await other.tryAcquire('ios1', 2);
    await other.tryAcquire('ios1', 2);
    const svc = workerService({ leaseWaitMs: 400 });
    const t0 = Date.now();
    const err = await svc.run(device(), ['show clock']).then(
      () => undefined,
      (e: unknown) => e as NetopsError,
    );
    expect(err).toBeInstanceOf(NetopsError);
    expect(err!.code).toBe(ErrorCode.DEVICE_BUSY);
    expect(Date.now() - t0).toBeLessThan(2_000);
    expect(err!.toUserText()).toMatch(/^`ios1` already has 2 SSH sessions open from netops-bot/);
    expect(fleet.get('ios1').stats().logins).toBe(0);
    // The job's own signal ends the wait sooner.
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    await expect(svc.run(device(), ['show clock'], { signal: ac.signal })).rejects.toMatchObject({
      code: ErrorCode.DEVICE_TIMEOUT,
    });
  });

  it('limits.sessionLeaseTtl and limits.sessionLeaseWait in netops.yaml take effect', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'netops-lease-config-'));
    try {
      const config = loadConfig(
        { SLACK_BOT_TOKEN: 'xoxb-test', NETOPS_KNOWN_HOSTS: join(dir, 'known-hosts.json') },
        {
          role: 'worker',
          readFile: () =>
            'limits:\n  sessionsPerDevice: 1\n  sessionLeaseTtl: 4s\n  sessionLeaseWait: 1500ms\n',
        },
      );
      const conn = redis();
      // The worker's own wiring (src/services), not a hand-made device service.
      const svc = createWorkerDevices({
        config,
        credentials: createCredentialResolver({ env }),
        log: silentLogger,
        redis: conn,
        prefix,
      });
      services.push(svc);
      // The idle session left behind holds ios1's lease, which ends 4 s after it was taken.
      await svc.run(device(), ['show clock']);
      const other = createSessionLeases({ redis: redis(), prefix });
      const [holder] = await other.holders('ios1');
      const score = await conn.zscore(`${prefix}:netops:ssh-leases:ios1`, holder!);
      const [sec, usec] = await conn.time();
      const left = Number(score) - (Number(sec) * 1_000 + Math.floor(Number(usec) / 1_000));
      expect(left).toBeGreaterThan(2_500);
      expect(left).toBeLessThanOrEqual(4_000);
      // Another worker holds ios2's one session: this one waits 1.5 s for it, then is told so.
      expect(await other.tryAcquire('ios2', 1)).toBeDefined();
      const t0 = Date.now();
      const err = await svc.run(device('ios2'), ['show clock']).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect((err as NetopsError).code).toBe(ErrorCode.DEVICE_BUSY);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(1_400);
      expect(Date.now() - t0).toBeLessThan(3_000);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
