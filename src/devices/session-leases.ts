import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { ErrorCode, NetopsError } from '../errors.js';
import { whenReady } from '../queue/producer.js';
import { Cluster } from 'ioredis';
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
 *
 * Hand-over is by message, with polling behind it. A lease given back (or a waiter giving up)
 * while others wait is published on one channel of the deployment, and each process's waiters for
 * that device try again at once; a waiter joining a device's queue is published on another, and
 * the processes holding idle sessions to it close one at once (onWanted). A hand-over then takes
 * milliseconds instead of a poll. Waiters still poll (50 ms growing to 250 ms) and holders still
 * check wantedByOthers, so a lost message (a reconnect, a failover) only costs that, and a dead
 * worker's lease, which lapses without a message, is found by the poll.
 *
 * A Sentinel failover: a switchover (the old master alive) keeps every lease, and the limit holds.
 * A master that crashes leaves Redis away until Sentinel has promoted the replica; meanwhile each
 * worker counts its own sessions (the device service's fallback), so a device may see up to
 * workers × the limit, and a lease the dead master had not passed on is lost. Once the new master
 * answers, the device service's next renewal (every 2 s while Redis was away) takes leases for
 * what the limit allows and closes the rest when their command ends. The excess therefore lasts
 * Sentinel's detection and promotion plus ~2 s, which is shorter than one TTL only when
 * down-after-milliseconds is (test/integration/devices-session-leases-sentinel.int.test.ts).
 */

export interface SessionLeasesOptions {
  /** A connection that fails fast while Redis is away (the producer's); calls are bounded anyway. */
  redis: RedisClient;
  /** The deployment's queue prefix (hash-tagged on a Cluster): the keys live beside its queues. */
  prefix: string;
  /** A lease not renewed for this long is free again (default 30 s; `limits.sessionLeaseTtl`). */
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
  /**
   * Calls `listener` when a waiter of another process begins to wait for a device (at once, where
   * wantedByOthers is only as fresh as its last call), so a holder can give an idle session up.
   * Returns what stops it.
   */
  onWanted(listener: (device: string) => void): () => void;
  /** Holders with a live lease on the device (diagnostics and tests). */
  holders(device: string): Promise<string[]>;
  /** Closes the connection that hears of leases coming free (waiters then only poll). */
  close(): void;
}

/** One acquire() of this process waiting: `freed` is set by a message between two of its tries. */
interface Waiter {
  freed: boolean;
  wake?: () => void;
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
 * ARGV: holder, limit, ttlMs, wantedMs (0: do not queue), wanted channel, device.
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
  if redis.call('ZADD', KEYS[3], 'NX', now, ARGV[1]) == 1 then
    redis.call('PUBLISH', ARGV[5], ARGV[6] .. ' ' .. ARGV[1])
  end
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

/**
 * KEYS: leases, queue. ARGV: holder, channel, device. Tells the waiters, if any, that a lease is
 * free: PUBLISH inside the script, so the message never comes before the lease is free. (Plain
 * PUBLISH, which a Cluster passes to every node, so a subscriber may sit on any of them.)
 */
const RELEASE = `local n = redis.call('ZREM', KEYS[1], ARGV[1])
if n == 1 and redis.call('EXISTS', KEYS[2]) == 1 then redis.call('PUBLISH', ARGV[2], ARGV[3]) end
return n`;

/**
 * KEYS: wanted, queue. ARGV: holder, channel, device. A waiter that stops waiting leaves the queue
 * at once, and the ones behind it hear so: one of them may now be first in line for a free lease.
 */
const CANCEL = `redis.call('ZREM', KEYS[1], ARGV[1])
local n = redis.call('ZREM', KEYS[2], ARGV[1])
if n == 1 and redis.call('EXISTS', KEYS[2]) == 1 then redis.call('PUBLISH', ARGV[2], ARGV[3]) end
return n`;

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
  // One channel per deployment, the device in the message: one subscription whatever the fleet.
  const channel = `${options.prefix}:netops:ssh-free`;
  /** `<device> <holder>` when a waiter joins a device's queue (names and holders have no spaces). */
  const wantedChannel = `${options.prefix}:netops:ssh-wanted`;
  const wantedListeners = new Set<(device: string) => void>();
  let seq = 0;

  const waiting = new Map<string, Set<Waiter>>();
  let subscriber: RedisClient | undefined;
  let closed = false;

  /**
   * Made on first use (a wait, or onWanted): a duplicate of the given connection, so on a Cluster it subscribes
   * through a Cluster client (on any node: PUBLISH reaches all) and under Sentinel it follows the
   * master. Its SUBSCRIBE waits while Redis is away, and is sent again on every reconnect.
   */
  function subscribe(): void {
    if (subscriber || closed) return;
    const sub =
      redis instanceof Cluster
        ? redis.duplicate(undefined, {
            enableOfflineQueue: true,
            redisOptions: { ...redis.options.redisOptions, maxRetriesPerRequest: null },
          })
        : redis.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null });
    sub.on('error', () => {});
    sub.on('message', (ch: string, message: string) => {
      if (ch === wantedChannel) {
        const [device, holder] = message.split(' ');
        if (!device || !holder || holder.startsWith(`${owner}#`)) return;
        for (const l of wantedListeners) l(device);
        return;
      }
      if (ch !== channel) return;
      const device = message;
      for (const w of waiting.get(device) ?? []) {
        w.freed = true;
        w.wake?.();
      }
    });
    const again = () => void sub.subscribe(channel, wantedChannel).catch(() => {});
    sub.on('ready', again);
    again();
    subscriber = sub;
  }

  function listen(device: string, w: Waiter): () => void {
    subscribe();
    const set = waiting.get(device) ?? new Set<Waiter>();
    waiting.set(device, set);
    set.add(w);
    return () => {
      set.delete(w);
      if (!set.size) waiting.delete(device);
    };
  }

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
        [holder, limit, ttlMs, mark ? wantedMs : 0, wantedChannel, device],
      );
      return r === 1;
    } catch (err) {
      // The script may still run once Redis answers: do not leave a lease nobody renews.
      redis.eval(RELEASE, 2, leasesKey(device), queueKey(device), holder, channel, device).catch(() => {});
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
        void call('cancel', [wantedKey(device), queueKey(device)], CANCEL, [holder, channel, device]).catch(
          () => {},
        );
      let pause = pollMs;
      // Listening before the first try: a lease freed between a refusal and the pause is not missed.
      const me: Waiter = { freed: false };
      const unlisten = listen(device, me);
      try {
        for (;;) {
          if (signal?.aborted) {
            cancel();
            throw gaveUp();
          }
          me.freed = false;
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
          // A lease freed while we asked: ask again now. Else until one is freed, or the next poll.
          if (me.freed) continue;
          await new Promise<void>((resolve) => {
            const done = () => {
              clearTimeout(t);
              signal?.removeEventListener('abort', done);
              me.wake = undefined;
              resolve();
            };
            const t = setTimeout(done, Math.min(pause, left));
            signal?.addEventListener('abort', done, { once: true });
            me.wake = done;
          });
          pause = Math.min(maxPollMs, Math.round(pause * 1.5));
        }
      } finally {
        unlisten();
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
      await call('release', [leasesKey(lease.device), queueKey(lease.device)], RELEASE, [
        lease.holder,
        channel,
        lease.device,
      ]);
    },

    async wantedByOthers(devices) {
      if (!devices.length) return new Set();
      const flags = await call<number[]>('wanted', devices.map(wantedKey), WANTED, [`${owner}#`]);
      return new Set(devices.filter((_, i) => flags[i] === 1));
    },

    holders: (device) => call<string[]>('holders', [leasesKey(device)], HOLDERS, []),

    onWanted(listener) {
      subscribe();
      wantedListeners.add(listener);
      return () => void wantedListeners.delete(listener);
    },

    close() {
      closed = true;
      wantedListeners.clear();
      subscriber?.disconnect();
      subscriber = undefined;
    },
  };
  return leases;
}
