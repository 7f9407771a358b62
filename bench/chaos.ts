/**
 * Fault probe: what a person in Slack gets when things die under load, on loopback only.
 *
 *   worker_kill            bot + two worker processes; commands at a steady rate while a worker is
 *                          SIGKILLed every KILL_EVERY_MS and replaced (from a pre-loaded standby)
 *   slack_500_after_commit Slack makes posts and edits, then answers 500 (30 % of each)
 *   slack_429              20 % of all Slack calls answered 429 (Retry-After 1 s), against a
 *                          fault-free baseline
 *   postgres_down          Postgres unreachable for OUTAGE_S while commands keep coming
 *   redis_restart          Redis (own redis-server, appendonly) stopped and restarted mid-burst
 *
 * Every command is `sleep <ms>` (a test job whose result names its job id), so each result can be
 * matched to its command: lost = no result, duplicated = more than one, stuck = progress message
 * never done. CHAOS=worker_kill,slack_429 runs a subset. Prints one JSON object as its last line.
 * Figures move with machine load: say how loaded the machine was when quoting them.
 */
import { Redis } from 'ioredis';
import { testCommands, testJobs } from '../test/fixtures/spine/sleep.js';
import { TEST_DATABASE_URL } from '../test/helpers/pg.js';
import { TEST_REDIS_URL } from '../test/helpers/redis.js';
import { startRedisServer } from '../test/helpers/redis-server.js';
import { type Stack, startStack } from '../test/helpers/stack.js';
import { percentile, summarise, tallySleepJobs } from '../test/helpers/tally.js';
import { startTcpProxy } from '../test/helpers/tcp-proxy.js';
import { createStandbyPool, killHard } from '../test/helpers/worker-procs.js';

const A = 'C00NETOPS0';
const B = 'C0INCIDENT';
const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const only = process.env.CHAOS?.split(',');
const wanted = (name: string) => !only || only.includes(name);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round = (n: number) => Math.round(n);
const start = { jobs: testJobs, commands: testCommands };

/** Sends `count` commands at `rate` per second without waiting for each; resolves when all acked. */
async function burst(
  stack: Stack,
  count: number,
  rate: number,
  opts: { channels?: string[]; onSent?: (i: number) => void } = {},
) {
  const channels = opts.channels ?? [A];
  const acks: Promise<unknown>[] = [];
  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    const wait = t0 + (i * 1000) / rate - performance.now();
    if (wait > 0) await sleep(wait);
    acks.push(
      stack.emu
        .slashCommand({
          command: '/net',
          text: `sleep ${50 + ((i * 37) % 250)}`,
          channelId: channels[i % channels.length]!,
        })
        .catch(() => undefined),
    );
    opts.onSent?.(i);
  }
  await Promise.all(acks);
}

/** Waits until every progress message in the channels is done or failed (or the deadline). */
async function settle(stack: Stack, channels: string[], expected: number, timeoutMs = 180_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = summarise(tallySleepJobs(stack.emu, channels));
    if ((s.jobs >= expected && s.progress_stuck === 0) || Date.now() > deadline) break;
    await sleep(250);
  }
  await sleep(1_500); // late duplicates, if any, show up now
}

async function auditGaps(stack: Stack, jobIds: string[]) {
  const { rows } = await stack.db.pool.query(
    `SELECT job_id FROM audit WHERE job_id = ANY($1) AND status IN ('done','failed') AND finished_at IS NOT NULL
       AND text <> '' AND source <> 'unknown'`,
    [jobIds],
  );
  return jobIds.length - rows.length;
}

const report: Record<string, unknown> = {};

if (wanted('worker_kill')) {
  const COMMANDS = env('COMMANDS', 500);
  const RATE = env('RATE', 50);
  const KILL_EVERY_MS = env('KILL_EVERY_MS', 2_000);
  const KILLS = env('KILLS', 10);
  const stack = await startStack({ roles: ['bot'], start });
  const pool = createStandbyPool(stack.config, { maxStalledCount: 50, domain: false, loops: false }, 3);
  const live = await Promise.all([pool.activate(), pool.activate()]);
  let kills = 0;
  let lastKillAt = 0;
  const killing = (async () => {
    while (kills < KILLS) {
      await sleep(KILL_EVERY_MS);
      await killHard(live.shift()!);
      kills++;
      lastKillAt = Date.now();
      live.push(await pool.activate());
    }
  })();
  await burst(stack, COMMANDS, RATE);
  await killing;
  await settle(stack, [A], COMMANDS);
  const drainedAt = Date.now();
  const tally = tallySleepJobs(stack.emu, [A]);
  report.worker_kill = {
    commands: COMMANDS,
    // Commands that never became a job: the user was told privately (e.g. the progress message
    // could not be posted); not lost, but not run either.
    refused_at_intake: COMMANDS - tally.size,
    private_replies: stack.emu.responseUrlPosts.length,
    rate_per_s: RATE,
    kills,
    lock_ms: 1_500,
    stalled_interval_ms: 1_000,
    ...summarise(tally),
    audit_rows_lost_or_incomplete: await auditGaps(stack, [...tally.keys()]),
    p50_command_to_result_ms: round(
      percentile(
        [...tally.values()].flatMap((t) => t.toResultMs ?? []),
        50,
      ),
    ),
    p99_command_to_result_ms: round(
      percentile(
        [...tally.values()].flatMap((t) => t.toResultMs ?? []),
        99,
      ),
    ),
    drained_ms_after_last_kill: drainedAt - lastKillAt - 1_500,
  };
  pool.close();
  await Promise.all([...pool.all].map(killHard));
  await stack.stop();
}

if (wanted('slack_500_after_commit')) {
  const COMMANDS = env('SLACK_COMMANDS', 200);
  const stack = await startStack({ start });
  stack.emu.fault({ method: 'chat.postMessage', kind: 'error-after-commit', probability: 0.3 });
  stack.emu.fault({ method: 'chat.update', kind: 'error-after-commit', probability: 0.3 });
  await burst(stack, COMMANDS, 20);
  await settle(stack, [A], COMMANDS);
  const s = summarise(tallySleepJobs(stack.emu, [A]));
  report.slack_500_after_commit = {
    commands: COMMANDS,
    faults_injected: stack.emu.calls.filter((c) => c.fault === 'error-after-commit').length,
    ...s,
    orphan_progress_messages: s.progress_duplicated,
  };
  await stack.stop();
}

if (wanted('slack_429')) {
  const COMMANDS = env('SLACK_COMMANDS', 200);
  const stack = await startStack({ start });
  const p50 = () =>
    round(
      percentile(
        [...tallySleepJobs(stack.emu, [A, B]).values()].flatMap((t) => t.toResultMs ?? []),
        50,
      ),
    );
  await burst(stack, 50, 20, { channels: [A, B] });
  await settle(stack, [A, B], 50);
  const baseline = p50();
  stack.emu.reset();
  stack.emu.fault({ method: '*', kind: 'ratelimited', probability: 0.2, retryAfterSec: 1 });
  await burst(stack, COMMANDS, 20, { channels: [A, B] });
  await settle(stack, [A, B], COMMANDS);
  const calls = stack.emu.calls.filter((c) => c.method !== 'upload');
  const s = summarise(tallySleepJobs(stack.emu, [A, B]));
  report.slack_429 = {
    commands: COMMANDS,
    share_429: Math.round((calls.filter((c) => c.status === 429).length / calls.length) * 100) / 100,
    baseline_p50_command_to_result_ms: baseline,
    p50_command_to_result_ms: p50(),
    posts_lost: s.results_lost,
    posts_doubled: s.results_duplicated + s.progress_duplicated,
    progress_stuck: s.progress_stuck,
  };
  await stack.stop();
}

if (wanted('postgres_down')) {
  const OUTAGE_S = env('OUTAGE_S', 10);
  const RATE = 20;
  const proxy = await startTcpProxy(Number(new URL(TEST_DATABASE_URL).port || 5432));
  const stack = await startStack({ dbThroughPort: proxy.port, start });
  const total = RATE * (OUTAGE_S + 4);
  let during = 0;
  let down = false;
  let restoredAt = 0;
  await burst(stack, total, RATE, {
    onSent: (i) => {
      if (i === RATE * 2) {
        proxy.cut();
        down = true;
        setTimeout(() => {
          proxy.restore();
          down = false;
          restoredAt = Date.now();
        }, OUTAGE_S * 1000);
      }
      if (down) during++;
    },
  });
  while (!restoredAt) await sleep(100);
  await settle(stack, [A], total);
  const spool = new Redis(TEST_REDIS_URL);
  const key = `${stack.prefix}:netops:audit-spool`;
  while ((await spool.llen(key)) > 0 && Date.now() - restoredAt < 60_000) await sleep(100);
  const drained = Date.now() - restoredAt;
  spool.disconnect();
  const tally = tallySleepJobs(stack.emu, [A]);
  report.postgres_down = {
    outage_s: OUTAGE_S,
    commands: total,
    commands_during_outage: during,
    ...summarise(tally),
    audit_rows_lost: await auditGaps(stack, [...tally.keys()]),
    spool_written_ms_after_restore: drained,
  };
  await stack.stop();
  await proxy.close();
}

if (wanted('redis_restart')) {
  const RATE = env('REDIS_RATE', 100);
  const SECONDS = 6;
  const redis = await startRedisServer();
  const stack = await startStack({ redisUrl: redis.url, start });
  let stoppedAt = 0;
  let startedAt = 0;
  await burst(stack, RATE * SECONDS, RATE, {
    onSent: (i) => {
      if (i === RATE * 2) {
        stoppedAt = Date.now();
        void redis.stop().then(() =>
          sleep(1_000).then(async () => {
            await redis.start();
            startedAt = Date.now();
          }),
        );
      }
    },
  });
  await settle(stack, [A], RATE * SECONDS);
  const tally = tallySleepJobs(stack.emu, [A]);
  const all = [...tally.values()];
  const refused = all.filter(
    (t) => t.state === 'failed' && /job queue \(Redis\) is not reachable/.test(t.progress[0]?.text ?? ''),
  );
  const accepted = all.filter((t) => !refused.includes(t));
  const firstAcceptedAfter = accepted
    .map((t) => Number(t.progress[0]!.ts) * 1000)
    .filter((ms) => ms >= startedAt)
    .sort((a, b) => a - b)[0];
  report.redis_restart = {
    commands: RATE * SECONDS,
    rate_per_s: RATE,
    redis_down_ms: startedAt - stoppedAt,
    accepted: accepted.length,
    refused_with_message: refused.length,
    accepted_commands_lost: accepted.filter((t) => t.results.length === 0).length,
    duplicated: accepted.filter((t) => t.results.length > 1).length,
    progress_stuck: summarise(tally).progress_stuck,
    first_accepted_ms_after_restart: firstAcceptedAfter ? round(firstAcceptedAfter - startedAt) : null,
  };
  await stack.stop();
  await redis.close();
}

console.log(JSON.stringify(report));
process.exit(0);
