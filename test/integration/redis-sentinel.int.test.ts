import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { testCommands, testJobs } from '../fixtures/spine/sleep.js';
import { type RedisSentinel, startRedisSentinel } from '../helpers/redis-cluster.js';
import { type Stack, startStack } from '../helpers/stack.js';
import { tallySleepJobs } from '../helpers/tally.js';
import { killHard, spawnWorker } from '../helpers/worker-procs.js';

/**
 * Redis behind Sentinel (a master, a replica, three sentinels on loopback) and a forced failover
 * while commands arrive and jobs run: the bot and the workers follow the new master, and every
 * command ends once: one result, or a clear "queue unavailable" reply; none lost, none doubled.
 */
const CHANNEL = 'C00NETOPS0';
const COMMANDS = 60;

let sentinel: RedisSentinel;
let s: Stack | undefined;
const workers: ChildProcess[] = [];

beforeAll(async () => {
  sentinel = await startRedisSentinel();
}, 90_000);

afterAll(async () => {
  await Promise.all(workers.map(killHard));
  await Promise.race([s?.stop(), new Promise((r) => setTimeout(r, 30_000))]);
  await sentinel?.close();
}, 60_000);

it('SENTINEL FAILOVER during a burst of commands: the bot reconnects, nothing lost or doubled', async () => {
  s = await startStack({
    roles: ['bot'],
    env: { REDIS_URL: undefined, REDIS_SENTINELS: sentinel.env, REDIS_SENTINEL_NAME: sentinel.name },
    start: { jobs: testJobs, commands: testCommands },
  });
  const stack = s;
  expect(stack.config.redis).toMatchObject({ mode: 'sentinel', name: sentinel.name });
  workers.push(
    ...(await Promise.all([
      spawnWorker(stack.config, { loops: false }),
      spawnWorker(stack.config, { loops: false }),
    ])),
  );

  // ~10 commands a second, jobs of 200–900 ms; the failover is forced after a third of them.
  let failover: { from: number; to: number; ms: number } | undefined;
  let sentAfterFailover = 0;
  const acks: Promise<{ status: number }>[] = [];
  for (let i = 0; i < COMMANDS; i++) {
    if (i === COMMANDS / 3) {
      void sentinel.failover().then((f) => {
        failover = f;
      });
    }
    if (failover) sentAfterFailover++;
    acks.push(
      stack.emu.slashCommand({
        command: '/net',
        text: `sleep ${200 + ((i * 53) % 700)}`,
        channelId: CHANNEL,
      }),
    );
    await new Promise((r) => setTimeout(r, 100));
  }
  expect((await Promise.all(acks)).every((a) => a.status === 200)).toBe(true);
  await expect.poll(() => failover, { timeout: 60_000 }).toBeDefined();
  expect(await sentinel.currentMaster()).toBe(failover!.to);

  // A few more once the new master is in place: all of them run.
  const after = 5;
  for (let i = 0; i < after; i++)
    await stack.emu.slashCommand({ command: '/net', text: 'sleep 50', channelId: CHANNEL });

  const settled = () =>
    [...tallySleepJobs(stack.emu, [CHANNEL]).values()].filter(
      (t) => t.state === 'done' || t.state === 'failed',
    );
  await expect.poll(() => settled().length, { timeout: 90_000, interval: 500 }).toBe(COMMANDS + after);
  await new Promise((r) => setTimeout(r, 2_000)); // a late duplicate would show now

  const tally = [...tallySleepJobs(stack.emu, [CHANNEL]).values()];
  expect(tally).toHaveLength(COMMANDS + after);
  expect(tally.filter((t) => t.progress.length !== 1)).toEqual([]);
  // Nothing doubled: no command has two results.
  expect(tally.filter((t) => t.results.length > 1).map((t) => t.jobId)).toEqual([]);
  // Nothing lost: a command without a result was refused, and told so in its progress message.
  const refused = tally.filter((t) => t.results.length === 0);
  const ran = tally.filter((t) => t.results.length === 1);
  expect(
    refused
      .filter((t) => !/job queue \(Redis\) is not reachable/.test(t.progress[0]!.text))
      .map((t) => t.jobId),
  ).toEqual([]);
  // The failover costs at most the commands of its own few seconds; those after it all ran.
  expect(refused.length).toBeLessThan(COMMANDS / 3);
  // Every job that ran ends "done": a completion lost with the old master must not turn into
  // a "worker died" failure after its result was posted.
  const failedAfterDone = ran.filter((t) => t.state !== 'done');
  console.log(
    JSON.stringify({
      sentinel_failover: {
        ...failover,
        commands: COMMANDS + after,
        ran: ran.length,
        refused: refused.length,
        doubled: 0,
        failed_after_done: failedAfterDone.length,
      },
      sent_after_failover: sentAfterFailover,
    }),
  );
  expect(failedAfterDone.map((t) => `${t.jobId}: ${t.progress[0]!.text}`)).toEqual([]);
  // The audit agrees: one row per command, each finished, none left at "queued" or "started".
  const { rows } = await stack.db.pool.query(
    "SELECT job_id, status, error_code FROM audit WHERE command = 'sleep'",
  );
  expect(rows).toHaveLength(COMMANDS + after);
  expect(rows.filter((r) => r.status !== 'done' && r.status !== 'failed')).toEqual([]);
  const refusedIds = new Set(refused.map((t) => t.jobId));
  expect(rows.filter((r) => refusedIds.has(r.job_id) && r.error_code !== 'NETOPS_QUEUE_UNAVAILABLE')).toEqual(
    [],
  );
}, 180_000);
