import { Cluster, Redis, type RedisOptions } from 'ioredis';

/** A connection to Redis, whichever way it is deployed: one server (or Sentinel's master), or a Cluster. */
export type RedisClient = Redis | Cluster;

export interface RedisAddress {
  host: string;
  port: number;
}

/** Where Redis is, as configured (config.ts resolves env and netops.yaml into one of these). */
export type RedisTarget =
  | { mode: 'standalone'; url: string }
  | { mode: 'cluster'; nodes: readonly RedisAddress[]; username?: string; password?: string }
  | {
      mode: 'sentinel';
      sentinels: readonly RedisAddress[];
      /** The master set's name, as in `sentinel monitor <name> …`. */
      name: string;
      username?: string;
      password?: string;
      sentinelPassword?: string;
    };

/**
 * What the connection is for:
 * - `producer`: the bot's enqueues and short reads. Never waits blindly while Redis is away (a
 *   command is refused within seconds and the person is told); reconnects every ≤ 500 ms so a
 *   restarted or failed-over Redis is used again almost at once.
 * - `worker`: BullMQ workers and everything beside them; waits for Redis as long as it takes.
 */
export type RedisPurpose = 'producer' | 'worker';

/** A hash tag names the part of a key Redis Cluster hashes: `{netops}:x` and `{netops}:y` share a slot. */
const HASH_TAG = /\{[^{}]+\}/;

/**
 * The queue prefix as used in Redis. In a Cluster every key of ours and BullMQ's must hash to one
 * slot (BullMQ's scripts touch several keys of a queue at once, and so do ours: a job's lock and
 * its delivery record), so a prefix without a hash tag is wrapped in one: `netops` → `{netops}`.
 * Elsewhere the prefix is used as given, so a single Redis keeps the keys it always had.
 */
export function redisPrefix(prefix: string, target: RedisTarget): string {
  if (target.mode !== 'cluster' || HASH_TAG.test(prefix)) return prefix;
  return `{${prefix}}`;
}

const byPurpose = (purpose: RedisPurpose) =>
  purpose === 'producer'
    ? {
        enableOfflineQueue: false,
        maxRetriesPerRequest: 1,
        retryStrategy: (times: number) => Math.min(times * 100, 500),
      }
    : {
        // BullMQ's blocking commands must never give up (BullMQ refuses a worker connection that would).
        maxRetriesPerRequest: null,
        retryStrategy: (times: number) => Math.min(times * 200, 2_000),
      };

/**
 * A replica promoted by Sentinel turns the old master into a replica: a connection still on it
 * gets READONLY. Reconnect (Sentinel names the new master) and send the command again.
 */
const reconnectOnReadOnly = (err: Error) => (err.message.startsWith('READONLY') ? 2 : false);

/**
 * The one place a connection to Redis is made. Every user (queues, workers, the pacer, the rate
 * limit, the audit spool, readiness) takes its connection from here, so Cluster and Sentinel work
 * everywhere or nowhere.
 */
export function createRedisConnection(target: RedisTarget, purpose: RedisPurpose): RedisClient {
  const p = byPurpose(purpose);
  if (target.mode === 'standalone') return new Redis(target.url, p);
  if (target.mode === 'sentinel') {
    const options: RedisOptions = {
      ...p,
      sentinels: target.sentinels.map((s) => ({ host: s.host, port: s.port })),
      name: target.name,
      // Hear +switch-master from the sentinels and move at once, instead of writing to a demoted
      // master until its connection drops.
      failoverDetector: true,
      reconnectOnError: reconnectOnReadOnly,
      sentinelRetryStrategy: (times: number) => Math.min(times * 100, 1_000),
      ...(target.username ? { username: target.username } : {}),
      ...(target.password ? { password: target.password } : {}),
      ...(target.sentinelPassword ? { sentinelPassword: target.sentinelPassword } : {}),
    };
    return new Redis(options);
  }
  const { retryStrategy, enableOfflineQueue, ...nodeOptions } = p as typeof p & {
    enableOfflineQueue?: boolean;
  };
  return new Cluster(
    target.nodes.map((n) => ({ host: n.host, port: n.port })),
    {
      clusterRetryStrategy: retryStrategy,
      ...(enableOfflineQueue === false ? { enableOfflineQueue: false } : {}),
      // A node answering MOVED/ASK during a failover or resharding: follow it, a little later.
      retryDelayOnFailover: 100,
      retryDelayOnClusterDown: 200,
      redisOptions: {
        ...nodeOptions,
        reconnectOnError: reconnectOnReadOnly,
        ...(target.username ? { username: target.username } : {}),
        ...(target.password ? { password: target.password } : {}),
      },
    },
  );
}

/** For logs: where the connection goes, without credentials. */
export function describeRedis(target: RedisTarget): string {
  const list = (a: readonly RedisAddress[]) => a.map((n) => `${n.host}:${n.port}`).join(',');
  if (target.mode === 'standalone') {
    const u = new URL(target.url);
    return `redis ${u.hostname}:${u.port || 6379}`;
  }
  if (target.mode === 'cluster') return `redis cluster ${list(target.nodes)}`;
  return `redis sentinel ${target.name} via ${list(target.sentinels)}`;
}

/**
 * Confirms that writes made so far (on any connection to the same master) have reached a replica.
 * Redis replicates asynchronously: when Sentinel promotes a replica, writes the old master took
 * but had not passed on are gone. A write that matters (a person's job, a claim to post) is only
 * trusted once a replica has it; one that is not is written again on the master Sentinel names.
 *
 * WAIT blocks the connection it is sent on, so it never goes on a shared one (a worker's lock
 * renewals would queue behind it): this keeps its own connection, and one round (a marker write,
 * then WAIT) confirms every caller that asked before the round began, since replication is one
 * ordered stream.
 */
export interface ReplicaConfirm {
  /** True once a replica has every write this process finished before the call. */
  confirm(ms?: number): Promise<boolean>;
  close(): void;
}

export function createReplicaConfirm(
  target: RedisTarget,
  prefix: string,
  replicas = replicasToConfirm(target),
): ReplicaConfirm | undefined {
  if (replicas <= 0 || target.mode === 'cluster') return undefined;
  const conn = createRedisConnection(target, 'producer') as Redis;
  conn.on('error', () => {});
  const marker = `${prefix}:netops:replicated`;
  let waiting: Array<(ok: boolean) => void> = [];
  let running = false;
  const round = async () => {
    if (running || !waiting.length) return;
    running = true;
    const batch = waiting;
    waiting = [];
    let ok = false;
    try {
      await conn.incr(marker);
      ok = (await conn.wait(replicas, 250)) >= replicas;
    } catch {
      ok = false;
    }
    running = false;
    for (const r of batch) r(ok);
    void round();
  };
  return {
    async confirm(ms = 5_000) {
      const until = Date.now() + ms;
      for (;;) {
        const ok = await new Promise<boolean>((resolve) => {
          waiting.push(resolve);
          void round();
        });
        if (ok || Date.now() > until) return ok;
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    close: () => conn.disconnect(),
  };
}

/** Replicas a write must reach before it is trusted: one under Sentinel (it promotes one), else none. */
export function replicasToConfirm(target: RedisTarget): number {
  return target.mode === 'sentinel' ? 1 : 0;
}
