import { Queue } from 'bullmq';
import { TEST_REDIS_URL } from '../helpers/redis.js';
import { Redis } from 'ioredis';
import { afterEach, expect, it } from 'vitest';
import { type Stack, startStack } from '../helpers/stack.js';

const CHANNEL = 'C00NETOPS0';
let s: Stack | undefined;
afterEach(async () => {
  await s?.stop();
  s = undefined;
});

it('a person over limits.commandsPerMinute is told so privately; others carry on', async () => {
  s = await startStack({ extraYaml: { limits: { commandsPerMinute: 3 } } });
  for (let i = 0; i < 4; i++)
    await s.emu.slashCommand({ command: '/net', text: 'devices core*', channelId: CHANNEL });
  await s.emu.slashCommand({
    command: '/net',
    text: 'devices edge*',
    channelId: CHANNEL,
    userId: 'U00000BOB0',
  });
  await expect.poll(() => s!.emu.responseUrlPosts.length, { timeout: 10_000 }).toBe(1);
  expect(String(s.emu.responseUrlPosts[0]!.body.text)).toMatch(
    /You have sent more than 3 commands this minute\. Try again in \d+ s\./,
  );
  await expect
    .poll(() => (s!.emu.messages[CHANNEL] ?? []).filter((m) => m.text.startsWith('done:')).length, {
      timeout: 15_000,
    })
    .toBe(4);
  const { rows } = await s.db.pool.query(
    "SELECT user_id, status, error_code FROM audit WHERE status = 'rejected' ORDER BY created_at",
  );
  expect(rows).toEqual([{ user_id: 'U0000ALICE', status: 'rejected', error_code: 'NETOPS_RATE_LIMITED' }]);
});

it('a queue holding limits.queueDepth jobs refuses new requests with a clear message', async () => {
  // No worker: the queue only fills.
  s = await startStack({ roles: ['bot'], extraYaml: { limits: { queueDepth: 2 } } });
  // One after another, each in the queue before the next is sent: intake enqueues after the ack (and
  // after posting "queued"), so commands sent back to back could all see an empty queue.
  const conn = new Redis(TEST_REDIS_URL);
  const queue = new Queue('default', { connection: conn, prefix: s.prefix });
  for (let i = 0; i < 2; i++) {
    await s.emu.slashCommand({ command: '/net', text: 'devices', channelId: CHANNEL });
    await expect.poll(() => queue.count(), { timeout: 10_000 }).toBe(i + 1);
  }
  await queue.close();
  conn.disconnect();
  await s.emu.slashCommand({ command: '/net', text: 'devices', channelId: CHANNEL });
  const failed = await s.emu.waitFor(
    (c) => c.method === 'chat.update' && /^failed/.test(String(c.args.text)),
    10_000,
  );
  expect(String(failed.args.text)).toMatch(
    /The `default` job queue is full, so this request was not queued\./,
  );
  const { rows } = await s.db.pool.query('SELECT status, error_code FROM audit');
  expect(rows.map((r) => `${r.status} ${r.error_code ?? ''}`.trim()).sort()).toEqual([
    'failed NETOPS_QUEUE_FULL',
    'queued',
    'queued',
  ]);
  const metrics = await (await fetch(`http://127.0.0.1:${s.bot!.port}/metrics`)).text();
  expect(metrics).toMatch(/netops_queue_jobs\{queue="default",state="waiting"\} 2/);
});

it('/readyz names Slack when auth.test fails; /metrics counts Slack trouble by method', async () => {
  s = await startStack();
  // The bot posts the progress message (the worker's calls count in the worker's /metrics).
  s.emu.fault({ method: 'chat.postMessage', kind: 'ratelimited', retryAfterSec: 1, times: 1 });
  await s.emu.slashCommand({ command: '/net', text: 'devices', channelId: CHANNEL });
  await expect
    .poll(() => (s!.emu.messages[CHANNEL] ?? []).filter((m) => m.text.startsWith('done:')).length, {
      timeout: 15_000,
    })
    .toBe(1);
  const metrics = await (await fetch(`http://127.0.0.1:${s.bot!.port}/metrics`)).text();
  expect(metrics).toMatch(
    /netops_slack_api_events_total\{method="chat.postMessage",outcome="ratelimited"\} 1/,
  );
  s.emu.fault({ method: 'auth.test', kind: 'error', times: 1 });
  const r = await fetch(`http://127.0.0.1:${s.bot!.port}/readyz`);
  expect(r.status).toBe(503);
  expect(await r.json()).toEqual({ ok: false, postgres: true, redis: true, slack: false });
});
