import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSessionLeases, type SessionLeases } from '../../src/devices/index.js';
import { ErrorCode } from '../../src/errors.js';
import { createRedisConnection, type RedisClient, redisPrefix } from '../../src/redis.js';
import { type RedisCluster, startRedisCluster } from '../helpers/redis-cluster.js';
import { rejection } from '../helpers/errors.js';
import { dropPrefix, freshPrefix, TEST_REDIS_URL } from '../helpers/redis.js';

/**
 * The fleet-wide SSH session leases against the real Redis, with two connections acting as two
 * worker processes (each its own owner id), and a fresh prefix per test.
 */
let prefix: string;
const conns: RedisClient[] = [];
const opened: SessionLeases[] = [];

function worker(
  options: { ttlMs?: number; owner?: string; pollMs?: number; maxPollMs?: number } = {},
): SessionLeases {
  const redis = createRedisConnection({ mode: 'standalone', url: TEST_REDIS_URL }, 'producer');
  redis.on('error', () => {});
  conns.push(redis);
  const leases = createSessionLeases({ redis, prefix, ...options });
  opened.push(leases);
  return leases;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeEach(() => {
  prefix = freshPrefix('leases');
});

afterEach(async () => {
  for (const l of opened.splice(0)) l.close();
  for (const c of conns.splice(0)) c.disconnect();
  await dropPrefix(prefix);
});

describe('session leases across two workers', () => {
  it('never grants more than the limit between two independent clients, and does reach it', async () => {
    const a = worker();
    const b = worker();
    let inside = 0;
    let most = 0;
    let overLimitSeen = 0;
    const use = async (leases: SessionLeases) => {
      const lease = await leases.acquire('r1', 2, { waitMs: 20_000 });
      expect(lease).not.toBeNull();
      inside++;
      most = Math.max(most, inside);
      if ((await leases.holders('r1')).length > 2) overLimitSeen++;
      await sleep(5 + Math.random() * 20);
      inside--;
      await leases.release(lease!);
    };
    await Promise.all(Array.from({ length: 24 }, (_, i) => use(i % 2 ? a : b)));
    expect(most).toBe(2);
    expect(overLimitSeen).toBe(0);
    expect(await a.holders('r1')).toEqual([]);
    // Per device: another device has its own two.
    const x = await a.tryAcquire('r1', 2);
    const y = await b.tryAcquire('r1', 2);
    expect(await a.tryAcquire('r1', 2)).toBeUndefined();
    expect(await b.tryAcquire('r2', 2)).toBeDefined();
    expect(x && y).toBeTruthy();
  });

  it("frees a dead worker's leases when they expire, without anyone releasing them", async () => {
    const dead = worker({ ttlMs: 400 });
    const alive = worker({ ttlMs: 400 });
    expect(await dead.tryAcquire('r1', 1)).toBeDefined();
    conns[0]!.disconnect(); // the worker dies: no renewals, no release
    const t0 = Date.now();
    const lease = await alive.acquire('r1', 1, { waitMs: 5_000 });
    const waited = Date.now() - t0;
    expect(lease).not.toBeNull();
    expect(waited).toBeGreaterThanOrEqual(300);
    expect(waited).toBeLessThan(1_500);
    expect(await alive.holders('r1')).toEqual([lease!.holder]);
  });

  it('keeps a lease while it is renewed, reports it lost once it lapsed', async () => {
    const a = worker({ ttlMs: 300 });
    const b = worker({ ttlMs: 300 });
    const lease = (await a.tryAcquire('r1', 1))!;
    for (let i = 0; i < 8; i++) {
      await sleep(100);
      expect(await a.renew([lease])).toEqual([]);
      expect(await b.tryAcquire('r1', 1)).toBeUndefined();
    }
    await sleep(450);
    // Lapsed: the slot is free for b, and a's renewal says so instead of stealing it back.
    const theirs = await b.tryAcquire('r1', 1);
    expect(theirs).toBeDefined();
    expect(await a.renew([lease])).toEqual([lease]);
    expect(await b.holders('r1')).toEqual([theirs!.holder]);
  });

  it('hands a released lease to a waiter in the other worker at once, not at its next poll', async () => {
    const a = worker();
    // B polls every 250 ms by then (the default, grown from 50 ms): only the message explains < 50 ms.
    const b = worker();
    const handOvers: number[] = [];
    for (let i = 0; i < 10; i++) {
      const lease = (await a.tryAcquire('r1', 1))!;
      const waiting = b.acquire('r1', 1, { waitMs: 5_000 });
      await sleep(400 + Math.random() * 200);
      const t0 = performance.now();
      await a.release(lease);
      const theirs = await waiting;
      handOvers.push(performance.now() - t0);
      expect(theirs).not.toBeNull();
      await b.release(theirs!);
    }
    console.log(
      `lease hand-over, release to acquire: ${handOvers.map((ms) => ms.toFixed(1)).join(', ')} ms (median ${median(handOvers).toFixed(1)})`,
    );
    expect(Math.max(...handOvers)).toBeLessThan(50);
  });

  it('without the message (its connection closed), the waiter still gets the lease at its next poll', async () => {
    const a = worker();
    const b = worker();
    b.close();
    const lease = (await a.tryAcquire('r1', 1))!;
    const waiting = b.acquire('r1', 1, { waitMs: 5_000 });
    await sleep(1_000);
    const t0 = Date.now();
    await a.release(lease);
    expect(await waiting).not.toBeNull();
    expect(Date.now() - t0).toBeLessThan(400);
  });

  it('wakes only the waiters of the device freed, and every waiter of this process for it', async () => {
    const a = worker();
    // Polls so slow that a waiter which got in fast was woken by the message.
    const b = worker({ pollMs: 10_000, maxPollMs: 10_000 });
    const r1 = [(await a.tryAcquire('r1', 2))!, (await a.tryAcquire('r1', 2))!];
    const r2 = (await a.tryAcquire('r2', 1))!;
    const got: string[] = [];
    const waits = [
      b.acquire('r1', 2, { waitMs: 20_000 }),
      b.acquire('r1', 2, { waitMs: 20_000 }),
      b.acquire('r2', 1, { waitMs: 20_000 }),
    ].map((p, i) => p.then((l) => void got.push(`${l!.device}#${i}`)));
    await sleep(300);
    await Promise.all(r1.map((l) => a.release(l)));
    await sleep(200);
    expect(got.sort()).toEqual(['r1#0', 'r1#1']);
    await a.release(r2);
    await Promise.all(waits);
    expect(got).toContain('r2#2');
  });

  it('gives a freed lease to the worker already waiting, not to the one that just let it go', async () => {
    const a = worker();
    const b = worker();
    const first = (await a.tryAcquire('r1', 1))!;
    const theirs = b.acquire('r1', 1, { waitMs: 5_000 });
    await sleep(100);
    await a.release(first);
    // A wants the device again at once: it queues behind B instead of taking the lease back.
    const again = a.acquire('r1', 1, { waitMs: 5_000 });
    const got = await theirs;
    expect(got).not.toBeNull();
    expect(await a.holders('r1')).toEqual([got!.holder]);
    await b.release(got!);
    expect(await again).not.toBeNull();
  });

  it('lets the next waiter in at once when the one ahead of it gives up', async () => {
    const a = worker();
    const b = worker();
    const c = worker({ pollMs: 10_000, maxPollMs: 10_000 });
    const held = (await a.tryAcquire('r1', 1))!;
    const ac = new AbortController();
    const ahead = b.acquire('r1', 1, { waitMs: 5_000, signal: ac.signal });
    await sleep(100);
    const behind = c.acquire('r1', 1, { waitMs: 5_000 });
    await sleep(100);
    ac.abort();
    await rejection(ahead);
    await a.release(held);
    const t0 = Date.now();
    expect(await behind).not.toBeNull();
    // Not after B's mark would have lapsed (2 s): B left the queue when it stopped waiting.
    expect(Date.now() - t0).toBeLessThan(600);
  });

  it('tells the other workers at once when one begins to wait for a device, never the waiter itself', async () => {
    const a = worker();
    const b = worker();
    const heardByA: Array<{ device: string; ms: number }> = [];
    const heardByB: string[] = [];
    let t0 = 0;
    a.onWanted((device) => heardByA.push({ device, ms: performance.now() - t0 }));
    b.onWanted((device) => heardByB.push(device));
    await sleep(100); // the subscriptions are made
    await a.tryAcquire('r1', 1);
    const ac = new AbortController();
    t0 = performance.now();
    const waiting = b.acquire('r1', 1, { waitMs: 5_000, signal: ac.signal });
    await sleep(600); // several polls: still one message, when B joined the queue
    expect(heardByA.map((h) => h.device)).toEqual(['r1']);
    expect(heardByA[0]!.ms).toBeLessThan(50);
    expect(heardByB).toEqual([]);
    ac.abort();
    await rejection(waiting);
  });

  it('marks a device wanted by the waiting worker only, for the others to see', async () => {
    const a = worker();
    const b = worker();
    await a.tryAcquire('r1', 1);
    expect(await a.wantedByOthers(['r1', 'r2'])).toEqual(new Set());
    const ac = new AbortController();
    const waiting = b.acquire('r1', 1, { waitMs: 5_000, signal: ac.signal });
    await sleep(100);
    expect(await a.wantedByOthers(['r1', 'r2'])).toEqual(new Set(['r1']));
    // A worker's own wait is not a reason for it to give up its sessions.
    expect(await b.wantedByOthers(['r1'])).toEqual(new Set());
    ac.abort();
    await rejection(waiting);
  });

  it('stops waiting when the job is aborted, and leaves no lease behind', async () => {
    const a = worker();
    const b = worker();
    const mine = (await a.tryAcquire('r1', 1))!;
    const ac = new AbortController();
    const t0 = Date.now();
    const waiting = b.acquire('r1', 1, { waitMs: 10_000, signal: ac.signal });
    setTimeout(() => ac.abort(), 200);
    const e = await rejection(waiting);
    expect(e.code).toBe(ErrorCode.DEVICE_TIMEOUT);
    expect(Date.now() - t0).toBeLessThan(600);
    expect(await a.holders('r1')).toEqual([mine.holder]);
    // Already aborted: refused at once.
    await expect(b.acquire('r1', 1, { signal: AbortSignal.abort() })).rejects.toMatchObject({
      code: ErrorCode.DEVICE_TIMEOUT,
    });
  });

  it('gives up after the bounded wait with a message naming the device and the limit', async () => {
    const a = worker();
    const b = worker();
    await a.tryAcquire('core-1', 2);
    await a.tryAcquire('core-1', 2);
    const e = await rejection(b.acquire('core-1', 2, { waitMs: 300 }));
    expect(e.code).toBe(ErrorCode.DEVICE_BUSY);
    expect(e.transient).toBe(true);
    expect(e.context).toMatchObject({ device: 'core-1', limit: 2 });
    expect(e.toUserText()).toContain('`core-1` already has 2 SSH sessions');
    expect(e.toUserText()).toContain('limits.sessionsPerDevice');
  });

  it('keeps its keys under the queue prefix, and they expire once nobody holds a lease', async () => {
    const a = worker({ ttlMs: 300 });
    const lease = (await a.tryAcquire('r1', 1))!;
    const ac = new AbortController();
    const waiting = worker().acquire('r1', 1, { signal: ac.signal }); // queued: r1 is wanted
    await sleep(100);
    const keys = (await conns[0]!.keys(`${prefix}:*`)).sort();
    expect(keys).toEqual([
      `${prefix}:netops:ssh-leases:r1`,
      `${prefix}:netops:ssh-queue:r1`,
      `${prefix}:netops:ssh-wanted:r1`,
    ]);
    ac.abort();
    await rejection(waiting);
    await a.release(lease);
    await sleep(100);
    expect(await conns[0]!.keys(`${prefix}:*`)).toEqual([]);
  });

  it('answers null at once when Redis cannot be asked (the caller falls back to its own limit)', async () => {
    const redis = createRedisConnection({ mode: 'standalone', url: 'redis://127.0.0.1:1' }, 'producer');
    redis.on('error', () => {});
    conns.push(redis);
    const leases = createSessionLeases({ redis, prefix, callTimeoutMs: 300 });
    const t0 = Date.now();
    expect(await leases.acquire('r1', 2, { waitMs: 5_000 })).toBeNull();
    expect(Date.now() - t0).toBeLessThan(1_000);
    await expect(leases.tryAcquire('r1', 2)).rejects.toThrow();
  });
});

describe('session leases on a Redis Cluster', () => {
  let cluster: RedisCluster | undefined;
  afterEach(async () => {
    // Before the nodes go: a subscriber left open would keep looking for a node to subscribe on.
    for (const l of opened.splice(0)) l.close();
    for (const c of conns.splice(0)) c.disconnect();
    await cluster?.close();
  }, 30_000);

  it('keeps every key of a device in the prefix hash slot (multi-key scripts, no CROSSSLOT)', async () => {
    cluster = await startRedisCluster(3);
    const target = { mode: 'cluster' as const, nodes: cluster.nodes };
    const tagged = redisPrefix(prefix, target);
    expect(tagged).toBe(`{${prefix}}`);
    const open = () => {
      const c = createRedisConnection(target, 'producer');
      c.on('error', () => {});
      conns.push(c);
      // Polls so slow that a waiter getting in fast heard the release through the Cluster's pub/sub.
      const leases = createSessionLeases({
        redis: c,
        prefix: tagged,
        callTimeoutMs: 3_000,
        pollMs: 10_000,
        maxPollMs: 10_000,
      });
      opened.push(leases);
      return leases;
    };
    const a = open();
    const b = open();
    // Device names that alone would hash to different slots.
    const names = ['r1', 'core-2', 'edge.3', 'x{y}'];
    for (const d of names) expect(await a.tryAcquire(d, 1)).toBeDefined();
    for (const d of names) expect(await b.tryAcquire(d, 1)).toBeUndefined();
    const ac = new AbortController();
    const waits = names.map((d) => b.acquire(d, 1, { signal: ac.signal }).catch((e: unknown) => e));
    await sleep(200);
    expect(await a.wantedByOthers(names)).toEqual(new Set(names));
    ac.abort();
    await Promise.all(waits);
    const [first] = await a.holders('r1');
    expect(await a.renew([{ device: 'r1', holder: first! }])).toEqual([]);
    await a.release({ device: 'r1', holder: first! });
    expect(await b.acquire('r1', 1, { waitMs: 2_000 })).not.toBeNull();
    // Hand-over through pub/sub on the Cluster: released on the key's node, heard wherever B listens.
    const handOvers: number[] = [];
    for (const d of names.slice(1)) {
      const [held] = await a.holders(d);
      const waiting = b.acquire(d, 1, { waitMs: 20_000 });
      await sleep(300);
      const t0 = performance.now();
      await a.release({ device: d, holder: held! });
      expect(await waiting).not.toBeNull();
      handOvers.push(performance.now() - t0);
    }
    console.log(`cluster lease hand-over: ${handOvers.map((ms) => ms.toFixed(1)).join(', ')} ms`);
    expect(Math.max(...handOvers)).toBeLessThan(50);
  }, 90_000);
});
