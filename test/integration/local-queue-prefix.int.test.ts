import { Queue } from 'bullmq';
import { afterAll, describe, expect, it } from 'vitest';
import { claimLocalQueuePrefix } from '../../src/lab/local-queue.js';
import { redisConnection } from '../helpers/redis.js';

const redis = redisConnection();
afterAll(async () => {
  await redis.quit();
});

describe('regression: npm run local picked up the jobs a killed run left behind', () => {
  it('each run has its own prefix, and the queues of dead runs are cleared at start', async () => {
    // A run that was killed mid-command: its job is still waiting, and its heartbeat has lapsed.
    const killed = await claimLocalQueuePrefix(redis);
    const q = new Queue('default', { connection: redis, prefix: killed.prefix });
    await q.add('show', { target: '****************Q' });
    expect(await q.count()).toBe(1);
    // A run still going in another terminal keeps its queue.
    const other = await claimLocalQueuePrefix(redis);
    const oq = new Queue('default', { connection: redis, prefix: other.prefix });
    await oq.add('devices', {});
    await redis.del(`netops-local-alive:${killed.prefix}`);

    const next = await claimLocalQueuePrefix(redis);
    try {
      expect(next.prefix).not.toBe(killed.prefix);
      expect(next.prefix).not.toBe(other.prefix);
      expect(next.cleared).toContain(killed.prefix);
      expect(next.cleared).not.toContain(other.prefix);
      expect(await redis.keys(`${killed.prefix}:*`)).toEqual([]);
      expect(await oq.count()).toBe(1);
    } finally {
      await q.close();
      await oq.close();
      await other.release();
      await next.release();
      await killed.release();
    }
    expect(await redis.keys(`${other.prefix}:*`)).toEqual([]);
  });
});
