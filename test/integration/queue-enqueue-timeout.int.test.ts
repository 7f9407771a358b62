import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { z } from 'zod';
import { ErrorCode, NetopsError } from '../../src/errors.js';
import { createProducer, defineJob } from '../../src/queue/index.js';
import { freshPrefix } from '../helpers/redis.js';
import { startRedisServer } from '../helpers/redis-server.js';

/**
 * An enqueue that times out tells the person "nothing was started". When Redis is only slow (here:
 * CLIENT PAUSE holds every write), the add lands after that reply; it must then be taken back, or
 * the job runs after the person was told it would not.
 */
let server: Awaited<ReturnType<typeof startRedisServer>>;
let conn: Redis;
let admin: Redis;

beforeAll(async () => {
  server = await startRedisServer();
  await server.start();
  conn = new Redis(server.url, { maxRetriesPerRequest: null });
  admin = new Redis(server.url);
}, 30_000);

afterAll(async () => {
  conn?.disconnect();
  admin?.disconnect();
  await server?.stop();
});

it('an add that lands after its timeout is withdrawn: nothing runs that the person was told would not', async () => {
  const prefix = freshPrefix('late');
  const job = defineJob({
    name: 'test.late',
    needs: [],
    schema: z.object({ n: z.number() }),
    process: async () => ({ summary: 'ran' }),
  });
  const withdrawn: string[] = [];
  const producer = createProducer({
    connection: conn,
    prefix,
    jobs: [job],
    timeoutMs: 400,
    onWithdrawn: (id) => withdrawn.push(id),
  });
  const q = new Queue('default', { connection: admin, prefix });
  try {
    await producer.enqueue('test.late', { n: 1 }); // the queue exists; nothing is paused yet
    await admin.call('CLIENT', 'PAUSE', '1500', 'WRITE');
    const err = await producer.enqueue('test.late', { n: 2 }, { jobId: 'j-late' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetopsError);
    expect((err as NetopsError).code).toBe(ErrorCode.QUEUE_UNAVAILABLE);
    // The pause ends; the add lands, and is taken back.
    const deadline = Date.now() + 10_000;
    while (withdrawn.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(withdrawn).toEqual(['j-late']);
    expect(await q.getJob('j-late')).toBeUndefined();
    expect(await q.getJobCountByTypes('waiting', 'delayed', 'prioritized')).toBe(1);
  } finally {
    await q.close();
    await producer.close();
  }
}, 30_000);
