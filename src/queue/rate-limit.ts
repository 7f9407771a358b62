import type { RedisClient } from '../redis.js';
import { ErrorCode, NetopsError } from '../errors.js';
import { whenReady } from './producer.js';

export interface UserRateLimitOptions {
  redis: RedisClient;
  prefix: string;
  /** Commands one person may send per minute; 0 turns the limit off. */
  perMinute: number;
}

/**
 * A per-person command budget, counted in Redis so every bot process shares it (a fixed
 * one-minute window: one INCR per command). Refuses with NETOPS_RATE_LIMITED; when Redis cannot
 * be asked it lets the command through, and the enqueue then says clearly whether Redis is away.
 */
export function createUserRateLimit(options: UserRateLimitOptions) {
  return async function admit(userId: string): Promise<void> {
    if (!options.perMinute) return;
    const now = Date.now();
    const window = Math.floor(now / 60_000);
    const key = `${options.prefix}:netops:rate:${userId}:${window}`;
    let count: number;
    try {
      // A connection still coming up (the first command after start) is waited for briefly, so
      // that command counts too.
      await whenReady(options.redis, 1_000);
      const r = await options.redis.multi().incr(key).expire(key, 120).exec();
      count = Number(r?.[0]?.[1] ?? 0);
    } catch {
      return;
    }
    if (count > options.perMinute) {
      const retryInS = Math.ceil(((window + 1) * 60_000 - now) / 1000);
      throw new NetopsError(ErrorCode.RATE_LIMITED, `user ${userId}: ${count} commands this minute`, {
        context: { limit: options.perMinute, count, retryInS },
        hint: `Try again in ${retryInS} s.`,
      });
    }
  };
}
