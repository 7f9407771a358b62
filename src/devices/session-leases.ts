import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { ErrorCode, NetopsError } from '../errors.js';
import { whenReady } from '../queue/producer.js';
import type { RedisClient } from '../redis.js';

/**
 * Fleet-wide SSH session leases: a counting semaphore per device in Redis, so that
 * `limits.sessionsPerDevice` holds across every worker process, not per process.
 *
 * A device's leases are one sorted set of holder ids scored by when each lease expires (Redis
 * `TIME`, so workers' clocks never matter). Taking a lease first drops the expired holders, so a
 * dead worker's sessions count only until their leases run out (`ttlMs`); a live one renews them
 * while the sessions are open, idle or busy.
 *
 * Waiters queue first come, first served (a sorted set by when they began, and one by when each
 * last asked, so a waiter that went away drops out after `wantedMs`): a lease that comes free goes
 * to the longest waiter, never to a newcomer, so a worker that closes a session and at once wants
 * another cannot take it back from a worker already waiting. Processes holding idle sessions to a
 * device someone else waits for close one, so an idle pool in one worker never starves another.
 */

export interface SessionLeasesOptions {
  /** A connection that fails fast while Redis is away (the producer's); calls are bounded anyway. */
  redis: RedisClient;
  /** The deployment's queue prefix (hash-tagged on a Cluster): the keys live beside its queues. */
  prefix: string;
  /** A lease not renewed for this long is free again (default 30 s). */
  ttlMs?: number;
  /** One Redis call taking longer than this counts as Redis being away (default 1 s). */
  callTimeoutMs?: number;
  /** A waiter's "wanted" mark lasts this long unless it asks again (default 2 s). */
  wantedMs?: number;
  /** Pause between a waiter's attempts: starts at `pollMs`, grows to `maxPollMs` (50 / 250 ms). */
  pollMs?: number;
  maxPollMs?: number;
  /** This process, in holder ids and wanted marks (default `host:pid:random`). */
  owner?: string;
}

export interface Lease {
  readonly device: string;
  /** Unique per session: `<owner>#<n>`. */
  readonly holder: string;
}

export interface AcquireOptions {
  signal?: AbortSignal;
  /** Give up with NETOPS_DEVICE_BUSY after this long (default 60 s). */
  waitMs?: number;
  /**
   * Called after a refused attempt, before pausing: the caller may free a lease of its own
   * (an idle session of the same device). Return true to try again at once.
   */
  onRefused?: () => boolean | Promise<boolean>;
}

export interface SessionLeases {
  readonly owner: string;
  readonly ttlMs: number;
  /**
   * A lease on `device` if fewer than `limit` are held there and nobody waits for one, else
   * undefined (without queueing). Throws when Redis cannot be asked.
   */
  tryAcquire(device: string, limit: number): Promise<Lease | undefined>;
  /**
   * Waits for a lease. Resolves to null when Redis cannot be asked (the caller falls back to its
   * own limit); rejects with NETOPS_DEVICE_BUSY after `waitMs`, NETOPS_DEVICE_TIMEOUT on abort.
   */
  acquire(device: string, limit: number, options?: AcquireOptions): Promise<Lease | null>;
  /** Extends the leases; returns the ones that had already lapsed (someone else may have the slot). */
  renew(leases: readonly Lease[]): Promise<Lease[]>;
  release(lease: Lease): Promise<void>;
  /** Of these devices, the ones another process is waiting for. */
  wantedByOthers(devices: readonly string[]): Promise<Set<string>>;
  /** Holders with a live lease on the device (diagnostics and tests). */
  holders(device: string): Promise<string[]>;
}

/** Milliseconds on the Redis server's clock. */
const NOW = `local t = redis.call('TIME') local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/** Keeps a key at least `ms` more; never shortens it (another holder may have a longer lease). */
const KEEP = `local function keep(key, ms)
  local left = redis.call('PTTL', key)
  if left < ms then redis.call('PEXPIRE', key, ms) end
end`;

/**
 * KEYS: leases, wanted (waiter → when its wait lapses), queue (waiter → when it began).
 * ARGV: holder, limit, ttlMs, wantedMs (0: do not queue).
 * Returns 1 (granted, also when this holder already had it) or 0 (refused; queued unless
 * wantedMs is 0). A free lease goes to the waiters at the head of the queue first.
 */
const ACQUIRE = `${NOW} ${KEEP}
local ttl = tonumber(ARGV[3])
local wanted = tonumber(ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
for _, w in ipairs(redis.call('ZRANGE', KEYS[3], 0, -1)) do
  local alive = redis.call('ZSCORE', KEYS[2], w)
  if not alive or tonumber(alive) <= now then
    redis.call('ZREM', KEYS[3], w)
    redis.call('ZREM', KEYS[2], w)
  end
end
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then
  redis.call('ZADD', KEYS[1], now + ttl, ARGV[1])
  keep(KEYS[1], ttl + 1000)
  return 1
end
local free = tonumber(ARGV[2]) - redis.call('ZCARD', KEYS[1])
if free > 0 then
  local ahead = redis.call('ZRANK', KEYS[3], ARGV[1]) or redis.call('ZCARD', KEYS[3])
  if ahead < free then
    redis.call('ZADD', KEYS[1], now + ttl, ARGV[1])
    keep(KEYS[1], ttl + 1000)
    redis.call('ZREM', KEYS[2], ARGV[1])
    redis.call('ZREM', KEYS[3], ARGV[1])
    return 1
  end
end
if wanted > 0 then
  redis.call('ZADD', KEYS[2], now + wanted, ARGV[1])
  redis.call('ZADD', KEYS[3], 'NX', now, ARGV[1])
  keep(KEYS[2], wanted + 1000)
  keep(KEYS[3], wanted + 1000)
end
return 0`;

/** KEYS: leases. ARGV: ttlMs, holders…; returns the holders whose lease had lapsed (now dropped). */
const RENEW = `${NOW} ${KEEP}
local ttl = tonumber(ARGV[1])
local lost = {}
for i = 2, #ARGV do
  local score = redis.call('ZSCORE', KEYS[1], ARGV[i])
  if score and tonumber(score) > now then
    redis.call('ZADD', KEYS[1], now + ttl, ARGV[i])
  else
    redis.call('ZREM', KEYS[1], ARGV[i])
    lost[#lost + 1] = ARGV[i]
  end
end
if #lost < #ARGV - 1 then keep(KEYS[1], ttl + 1000) end
return lost`;

const RELEASE = `return redis.call('ZREM', KEYS[1], ARGV[1])`;

/** KEYS: wanted, queue. ARGV: holder. A waiter that stops waiting leaves the queue at once. */
const CANCEL = `redis.call('ZREM', KEYS[1], ARGV[1]) return redis.call('ZREM', KEYS[2], ARGV[1])`;

/**
 * KEYS: wanted sets. ARGV: the owner's holder prefix. One flag per key: a live waiter other than
 * the owner's own. Read-only: lapsed waiters are dropped by ACQUIRE, queue and all.
 */
const WANTED = `${NOW}
local out = {}
for i = 1, #KEYS do
  out[i] = 0
  for _, w in ipairs(redis.call('ZRANGEBYSCORE', KEYS[i], '(' .. now, '+inf')) do
    if string.sub(w, 1, #ARGV[1]) ~= ARGV[1] then
      out[i] = 1
      break
    end
  end
end
return out`;

const HOLDERS = `${NOW}
return redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. now, '+inf')`;

function timeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`redis ${what} took over ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

export function createSessionLeases(options: SessionLeasesOptions): SessionLeases {
  const ttlMs = options.ttlMs ?? 30_000;
  const callMs = options.callTimeoutMs ?? 1_000;
  const wantedMs = options.wantedMs ?? 2_000;
  const pollMs = options.pollMs ?? 50;
  const maxPollMs = options.maxPollMs ?? 250;
  const owner = options.owner ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const redis = options.redis;
  // Device names are inventory keys; the prefix's hash tag (if any) comes first, so every key of a
  // deployment stays in its slot whatever a name contains.
  const leasesKey = (device: string) => `${options.prefix}:netops:ssh-leases:${device}`;
  const wantedKey = (device: string) => `${options.prefix}:netops:ssh-wanted:${device}`;
  const queueKey = (device: string) => `${options.prefix}:netops:ssh-queue:${device}`;
  let seq = 0;

  async function call<T>(what: string, keys: string[], script: string, args: Array<string | number>) {
    await whenReady(redis, callMs);
    return (await timeout(redis.eval(script, keys.length, ...keys, ...args), callMs, what)) as T;
  }

  async function tryAcquireAs(device: string, limit: number, holder: string, mark = true) {
    try {
      const r = await call<number>(
        'lease',
        [leasesKey(device), wantedKey(device), queueKey(device)],
        ACQUIRE,
        [holder, limit, ttlMs, mark ? wantedMs : 0],
      );
      return r === 1;
    } catch (err) {
      // The script may still run once Redis answers: do not leave a lease nobody renews.
      redis.eval(RELEASE, 1, leasesKey(device), holder).catch(() => {});
      throw err;
    }
  }

  const leases: SessionLeases = {
    owner,
    ttlMs,
    async tryAcquire(device, limit) {
      const holder = `${owner}#${++seq}`;
      return (await tryAcquireAs(device, limit, holder, false)) ? { device, holder } : undefined;
    },

    async acquire(device, limit, opts = {}) {
      const { signal } = opts;
      const waitMs = opts.waitMs ?? 60_000;
      const holder = `${owner}#${++seq}`;
      const started = Date.now();
      const gaveUp = () =>
        new NetopsError(ErrorCode.DEVICE_TIMEOUT, `gave up waiting for an SSH session lease on ${device}`, {
          context: { device, limit },
        });
      // Leaving the queue at once lets the next waiter in without waiting for our mark to lapse.
      const cancel = () =>
        void call('cancel', [wantedKey(device), queueKey(device)], CANCEL, [holder]).catch(() => {});
      let pause = pollMs;
      for (;;) {
        if (signal?.aborted) {
          cancel();
          throw gaveUp();
        }
        let granted: boolean;
        try {
          granted = await tryAcquireAs(device, limit, holder);
        } catch {
          return null;
        }
        if (granted) {
          // Aborted while the answer was on its way: the caller will not use it.
          if (signal?.aborted) {
            await leases.release({ device, holder });
            throw gaveUp();
          }
          return { device, holder };
        }
        if (opts.onRefused && (await opts.onRefused())) continue;
        const left = waitMs - (Date.now() - started);
        if (left <= 0) {
          cancel();
          const s = Math.round(waitMs / 1000);
          throw new NetopsError(
            ErrorCode.DEVICE_BUSY,
            `${device}: all ${limit} SSH sessions (limits.sessionsPerDevice) stayed in use for ${waitMs} ms`,
            {
              context: { device, limit, waitedMs: waitMs },
              userMessage: `\`${device}\` already has ${limit} SSH sessions open from netops-bot (limits.sessionsPerDevice, counted across all workers), and none came free within ${s} s.`,
              hint: 'Other jobs are using the device; it is retried a few times. If it keeps happening, wait for them to finish, or raise limits.sessionsPerDevice if the device has vty lines to spare.',
            },
          );
        }
        await new Promise<void>((resolve) => {
          const done = () => {
            clearTimeout(t);
            signal?.removeEventListener('abort', done);
            resolve();
          };
          const t = setTimeout(done, Math.min(pause, left));
          signal?.addEventListener('abort', done, { once: true });
        });
        pause = Math.min(maxPollMs, Math.round(pause * 1.5));
      }
    },

    async renew(list) {
      const byDevice = new Map<string, Lease[]>();
      for (const l of list) byDevice.set(l.device, [...(byDevice.get(l.device) ?? []), l]);
      const lost: Lease[] = [];
      await Promise.all(
        [...byDevice].map(async ([device, ls]) => {
          const gone = await call<string[]>('renew', [leasesKey(device)], RENEW, [
            ttlMs,
            ...ls.map((l) => l.holder),
          ]);
          for (const h of gone) lost.push(ls.find((l) => l.holder === h)!);
        }),
      );
      return lost;
    },

    async release(lease) {
      await call('release', [leasesKey(lease.device)], RELEASE, [lease.holder]);
    },

    async wantedByOthers(devices) {
      if (!devices.length) return new Set();
      const flags = await call<number[]>('wanted', devices.map(wantedKey), WANTED, [`${owner}#`]);
      return new Set(devices.filter((_, i) => flags[i] === 1));
    },

    holders: (device) => call<string[]>('holders', [leasesKey(device)], HOLDERS, []),
  };
  return leases;
}
