import type { RedisClient } from '../redis.js';

/**
 * Slack allows about one message per second per channel. Posts into incident channels pass through
 * this pacer, shared by every worker through Redis (GCRA: one slot per interval, no bursts), so a
 * storm of alerts queues up instead of being rate-limited or dropped.
 */
const SCRIPT = `
local now = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
redis.call('SET', KEYS[1], tostring(tat + interval), 'PX', interval * 4 + 60000)
return tat - now`;

export interface Pacer {
  /** Waits for this channel's next slot; resolves at once when the channel is idle. */
  wait(channel: string, signal?: AbortSignal): Promise<number>;
}

export function createPacer(redis: RedisClient, prefix: string, intervalMs = 1_000): Pacer {
  return {
    async wait(channel, signal) {
      const delay = Number(
        await redis.eval(SCRIPT, 1, `${prefix}:pace:${channel}`, String(Date.now()), String(intervalMs)),
      );
      if (delay > 0)
        await new Promise<void>((resolve, reject) => {
          const t = setTimeout(resolve, delay);
          signal?.addEventListener('abort', () => {
            clearTimeout(t);
            reject(signal.reason);
          });
        });
      return delay;
    },
  };
}
