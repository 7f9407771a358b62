import { createCredentialResolver } from '../../src/credentials/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Device } from '../../src/config.js';
import { startSnmpLab } from '../../src/lab/snmp/agent.js';
import { ensurePartitions } from '../../src/metrics/partitions.js';
import { metricsFor } from '../../src/metrics/backend.js';
import { createPoller } from '../../src/snmp/poller.js';
import { startPollLoop } from '../../src/snmp/round-loop.js';
import { createPollRounds, type RoundReport } from '../../src/snmp/rounds.js';
import { freshDb, type TestDb } from '../helpers/pg.js';
import { dropPrefix, freshPrefix, redisConnection } from '../helpers/redis.js';

/** Round-based fleet polling against simulated agents and a real Postgres. */

const env = { NETOPS_CRED_LAB_COMMUNITY: 'rounds-ro' };
let db: TestDb;
let lab: Awaited<ReturnType<typeof startSnmpLab>>;
let devices: Device[];

beforeAll(async () => {
  db = await freshDb('rounds');
  const specs = Array.from({ length: 12 }, (_, i) => ({
    name: `r${i}`,
    vendor: 'arista_eos' as const,
    interfaces: 8 + (i % 3),
  }));
  lab = await startSnmpLab({ devices: specs, community: 'rounds-ro' });
  devices = specs.map((s) => ({
    name: s.name,
    vendor: s.vendor,
    host: lab.endpoint(s.name).host,
    port: 22,
    credential: 'x',
    tags: [],
    legacyAlgorithms: false,
    enabled: true,
    snmp: { version: '2c', port: lab.endpoint(s.name).port, credential: 'lab', timeoutMs: 5_000, retries: 2 },
  }));
  await ensurePartitions(db.pool, new Date(Date.now() - 86_400_000), new Date(Date.now() + 86_400_000));
});
afterAll(async () => {
  await lab?.close();
  await db?.drop();
});

describe('poll rounds', () => {
  it('polls the fleet in batches: baselines first, then every interface stored through COPY', async () => {
    const poller = createPoller({ credentials: createCredentialResolver({ env }) });
    const rounds = createPollRounds({
      pool: db.pool,
      poller,
      devices: () => devices,
      intervalMs: 400,
      batchDevices: 5,
    });
    const reports = await rounds.run({ rounds: 2 });
    poller.close();
    const ifaces = devices.length * 8 + 4 + 4 * 2; // 8, 9, 10 interfaces in turn
    expect(reports.map((r) => [r.ok, r.failed, r.overlapped])).toEqual([
      [12, 0, 0],
      [12, 0, 0],
    ]);
    expect(reports[0]!.samples).toBe(0); // the first poll only sets baselines
    expect(reports[1]!.samples).toBe(ifaces);
    const q = async (sql: string) => (await db.pool.query(sql)).rows[0].n;
    expect(await q('SELECT count(*)::int AS n FROM samples')).toBe(ifaces);
    expect(await q('SELECT count(*)::int AS n FROM samples WHERE in_bps IS NOT NULL')).toBe(ifaces);
    expect(await q('SELECT count(*)::int AS n FROM interfaces')).toBe(ifaces);
    expect(await q('SELECT count(*)::int AS n FROM snmp_baselines')).toBe(12);
    expect(await q('SELECT count(*)::int AS n FROM device_samples')).toBe(24);
  });

  it('never overlaps a round with itself; a round that starts late says so and counts missed ticks', async () => {
    const poller = createPoller({ credentials: createCredentialResolver({ env }) });
    let inFlight = 0;
    let maxInFlight = 0;
    // a poller that takes 150 ms per device, so a round of 12 at concurrency 4 takes ~450 ms
    const slow = {
      poll: async (d: Device, o?: Parameters<typeof poller.poll>[1]) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await new Promise((r) => setTimeout(r, 150));
        try {
          return await poller.poll(d, o);
        } finally {
          inFlight--;
        }
      },
      close: () => poller.close(),
    };
    const seen: RoundReport[] = [];
    const rounds = createPollRounds({
      pool: db.pool,
      poller: slow,
      devices: () => devices,
      intervalMs: 200,
      concurrency: 4,
      onRound: (r) => seen.push(r),
    });
    const reports = await rounds.run({ rounds: 3 });
    slow.close();
    expect(maxInFlight).toBeLessThanOrEqual(4);
    expect(reports.every((r) => r.overlapped === 0)).toBe(true);
    expect(seen).toEqual(reports);
    expect(reports[0]!.late).toBe(false);
    for (const r of reports.slice(1)) {
      expect(r.late).toBe(true);
      expect(r.lateByMs).toBeGreaterThan(20);
      expect(r.startedAt).toBeGreaterThanOrEqual(
        reports[reports.indexOf(r) - 1]!.startedAt + reports[reports.indexOf(r) - 1]!.wallMs,
      );
    }
    // ~450 ms rounds on a 200 ms interval: at least one whole tick passes with no round
    expect(reports.slice(1).some((r) => r.missedTicks >= 1)).toBe(true);
  });

  it('polls in rounds on one worker at a time: the poll lease passes on when its holder stops', async () => {
    const prefix = freshPrefix('lease');
    const redis = [redisConnection(), redisConnection()];
    const poller = createPoller({ credentials: createCredentialResolver({ env }) });
    const byLoop: RoundReport[][] = [[], []];
    const loops = [0, 1].map((k) =>
      startPollLoop({
        redis: redis[k]!,
        prefix,
        pool: db.pool,
        metrics: metricsFor(db.pool),
        poller,
        devices: () => devices,
        intervalMs: 250,
        concurrency: 6,
        leaseMs: 600,
        onRound: (r) => byLoop[k]!.push(r),
      }),
    );
    try {
      await expect
        .poll(() => byLoop[0]!.length + byLoop[1]!.length, { timeout: 10_000 })
        .toBeGreaterThanOrEqual(3);
      // exactly one holds the lease and polls; the other has not run a single round
      const leader = loops[0]!.leader() ? 0 : 1;
      const other = 1 - leader;
      expect(loops[leader]!.leader()).toBe(true);
      expect(loops[other]!.leader()).toBe(false);
      expect(byLoop[other]).toEqual([]);
      expect(byLoop[leader]!.every((r) => r.overlapped === 0 && r.ok === devices.length)).toBe(true);
      // its holder stops (a worker shut down): the other takes over within a lease
      await loops[leader]!.stop();
      await expect.poll(() => byLoop[other]!.length, { timeout: 5_000 }).toBeGreaterThanOrEqual(1);
      expect(loops[other]!.leader()).toBe(true);
    } finally {
      await Promise.all(loops.map((l) => l.stop()));
      poller.close();
      for (const r of redis) r.disconnect();
      await dropPrefix(prefix);
    }
  });
});
