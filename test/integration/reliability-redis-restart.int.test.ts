import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { z } from 'zod';
import { createProducer, defineJob } from '../../src/queue/index.js';
import { startRedisServer } from '../helpers/redis-server.js';
import { type Stack, startStack } from '../helpers/stack.js';

const CHANNEL = 'C00NETOPS0';
let redis: Awaited<ReturnType<typeof startRedisServer>>;
let s: Stack;

beforeAll(async () => {
  redis = await startRedisServer();
  s = await startStack({ redisUrl: redis.url });
});
afterAll(async () => {
  // Once (in a full run, beside another heavy suite) stopping this stack after the restart took over a
  // minute; the outcome is checked by the tests, so teardown is bounded rather than failing the file.
  await Promise.race([s?.stop(), new Promise((r) => setTimeout(r, 45_000))]);
  await redis?.close();
}, 90_000);

const finished = () =>
  (s.emu.messages[CHANNEL] ?? []).filter((m) => /^(done|failed): /.test(m.text)).map((m) => m.text);

it('Redis restarted: a command while it is down is refused clearly; commands right after it is back all run', async () => {
  await s.emu.slashCommand({ command: '/net', text: 'devices core*', channelId: CHANNEL });
  await expect.poll(() => finished().length, { timeout: 15_000 }).toBe(1);

  await redis.stop();
  const down = Date.now();
  await s.emu.slashCommand({ command: '/net', text: 'devices edge*', channelId: CHANNEL });
  await expect.poll(() => finished().length, { timeout: 15_000 }).toBe(2);
  expect(finished()[1]).toMatch(/^failed: .*job queue \(Redis\) is not reachable, so nothing was started/);
  // Refused within the brief wait for a reconnect, not after a long hang.
  expect(Date.now() - down).toBeLessThan(10_000);

  // Back (with its append-only file), and commands sent at once: none refused.
  await redis.start();
  for (let i = 0; i < 5; i++)
    await s.emu.slashCommand({ command: '/net', text: 'devices', channelId: CHANNEL });
  await expect.poll(() => finished().length, { timeout: 30_000 }).toBe(7);
  expect(
    finished()
      .slice(2)
      .every((t) => t.startsWith('done:')),
  ).toBe(true);

  const { rows } = await s.db.pool.query('SELECT status, error_code FROM audit ORDER BY created_at');
  expect(rows.map((r) => `${r.status} ${r.error_code ?? ''}`.trim())).toEqual([
    'done',
    'failed NETOPS_QUEUE_UNAVAILABLE',
    'done',
    'done',
    'done',
    'done',
    'done',
  ]);
}, 90_000);

it('an enqueue while the connection is still reconnecting waits for it instead of failing at once', async () => {
  const job = defineJob({
    name: 'test.noop',
    needs: [],
    schema: z.object({}),
    process: async () => ({ summary: 'ok' }),
  });
  // As the bot's producer connection, but retrying only once a second: a wide window to land in.
  const connection = new Redis(redis.url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    retryStrategy: () => 1_000,
  });
  connection.on('error', () => {});
  const producer = createProducer({ connection, prefix: `${s.prefix}-p`, jobs: [job] });
  try {
    await producer.enqueue('test.noop', {});
    await redis.stop();
    await expect.poll(() => connection.status, { timeout: 5_000 }).toBe('reconnecting');
    await expect(producer.enqueue('test.noop', {})).rejects.toMatchObject({
      code: 'NETOPS_QUEUE_UNAVAILABLE',
    });
    await redis.start();
    const statusAtCall = connection.status;
    const { jobId } = await producer.enqueue('test.noop', {});
    expect(statusAtCall).not.toBe('ready');
    expect(await producer.queue('default').getJob(jobId)).toBeDefined();
  } finally {
    await producer.close();
    connection.disconnect();
  }
}, 60_000);
