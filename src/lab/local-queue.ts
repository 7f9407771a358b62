import { randomBytes } from 'node:crypto';
import type { RedisClient } from '../redis.js';

/**
 * Queue prefixes for local runs (`npm run local`). Each run gets its own prefix, so a run stopped
 * mid-command never leaves a job that the next run picks up (a poison job once froze every later
 * run this way). A live run refreshes a heartbeat key; at start, the keys of runs whose heartbeat
 * has lapsed are deleted, so killed runs do not pile up in Redis.
 */

const PREFIX = 'netops-local-';
const aliveKey = (prefix: string) => `netops-local-alive:${prefix}`;
const HEARTBEAT_MS = 10_000;

export interface LocalQueuePrefix {
  readonly prefix: string;
  /** Prefixes of earlier, dead runs whose keys were deleted at start. */
  readonly cleared: readonly string[];
  /** Stops the heartbeat and deletes this run's keys. */
  release(): Promise<void>;
}

async function deletePrefix(redis: RedisClient, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length) await redis.del(...keys);
  } while (cursor !== '0');
}

/** Deletes the queues of local runs that are no longer alive; returns their prefixes. */
export async function clearDeadLocalRuns(redis: RedisClient): Promise<string[]> {
  const prefixes = new Set<string>();
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${PREFIX}*:*`, 'COUNT', 1000);
    cursor = next;
    for (const k of keys) {
      const p = k.slice(0, k.indexOf(':'));
      if (/^netops-local-[0-9a-f]{8}$/.test(p)) prefixes.add(p);
    }
  } while (cursor !== '0');
  const dead: string[] = [];
  for (const p of prefixes) {
    if (await redis.exists(aliveKey(p))) continue;
    await deletePrefix(redis, p);
    dead.push(p);
  }
  return dead.sort();
}

export async function claimLocalQueuePrefix(redis: RedisClient): Promise<LocalQueuePrefix> {
  const prefix = `${PREFIX}${randomBytes(4).toString('hex')}`;
  const beat = () => redis.set(aliveKey(prefix), String(process.pid), 'PX', HEARTBEAT_MS * 3);
  await beat();
  const cleared = await clearDeadLocalRuns(redis);
  const timer = setInterval(() => void beat().catch(() => undefined), HEARTBEAT_MS);
  timer.unref();
  return {
    prefix,
    cleared,
    async release() {
      clearInterval(timer);
      await redis.del(aliveKey(prefix));
      await deletePrefix(redis, prefix);
    },
  };
}
