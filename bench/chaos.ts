/**
 * Fault probe at the issue's scale: what a person in Slack gets when things die under load, on
 * loopback only. Each scenario is bounded in count (env knobs below, defaults = the issue's figures)
 * and in time (SETTLE_TIMEOUT_S for its results to arrive, 300 by default).
 *
 *   worker_kill            bot + two worker processes; JOBS (2,000) commands at RATE (25)/s while a
 *                          worker is SIGKILLed every KILL_EVERY_MS (700) until KILLS (100) kills,
 *                          each replaced from a pool of STANDBY (24) pre-loaded
 *                          standbys (compiled JS, loaded before the first command) → jobs_lost,
 *                          duplicate_posts (both must be 0), recovery_ms after the last kill
 *   redis_restart          Redis (own redis-server, appendonly) stopped for REDIS_DOWN_MS and
 *                          restarted during REDIS_RATE (100)/s for REDIS_SECONDS (10) →
 *                          accepted_commands_lost (0), recovery_ms to the first command accepted
 *   postgres_restart       a private PostgreSQL (initdb/pg_ctl as user postgres, spare port) stopped
 *                          (fast) for PG_DOWN_S (5) and started again while commands keep coming
 *                          → audit_rows_lost (0), recovery_ms until the audit spool is written
 *   slack_429              SHARE_429 (20 %) of all Slack calls answered 429 (Retry-After 1 s) during
 *                          SLACK_COMMANDS (200) commands → posts_lost, posts_doubled (0),
 *                          recovery_ms from the faults' end to the last result
 *   slack_500_after_commit Slack makes posts and edits, then answers 500 (30 % of each) [on request]
 *   postgres_down          the shared Postgres unreachable (a proxy cut, no reset) for OUTAGE_S [on request]
 *
 * Every command is `sleep <ms>` (a test job whose result names its job id), so each result can be
 * matched to its command: lost = no result, duplicated = more than one, stuck = progress message
 * never done. CHAOS=worker_kill,slack_429 runs a subset (default: the first four). Prints one JSON
 * object as its last line, with the load average. Figures move with machine load: quote them with it.
 */
import { loadavg } from 'node:os';
import { Redis } from 'ioredis';
import { testCommands, testJobs } from '../test/fixtures/spine/sleep.js';
import { TEST_DATABASE_URL } from '../test/helpers/pg.js';
import { TEST_REDIS_URL } from '../test/helpers/redis.js';
import { startPgServer } from '../test/helpers/pg-server.js';
import { startRedisServer } from '../test/helpers/redis-server.js';
import { type Stack, startStack } from '../test/helpers/stack.js';
import { percentile, summarise, tallySleepJobs } from '../test/helpers/tally.js';
import { startTcpProxy } from '../test/helpers/tcp-proxy.js';
import { createStandbyPool, killHard } from '../test/helpers/worker-procs.js';

const A = 'C00NETOPS0';
const B = 'C0INCIDENT';
const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const only = process.env.CHAOS?.split(',') ?? [
  'worker_kill',
  'redis_restart',
  'postgres_restart',
  'slack_429',
];
const wanted = (name: string) => only.includes(name);
const SETTLE_TIMEOUT_MS = env('SETTLE_TIMEOUT_S', 300) * 1000;
const loadAvg = () => loadavg().map((l) => Math.round(l * 100) / 100);
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
async function settle(stack: Stack, channels: string[], expected: number, timeoutMs = SETTLE_TIMEOUT_MS) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = summarise(tallySleepJobs(stack.emu, channels));
    if ((s.jobs >= expected && s.progress_stuck === 0) || Date.now() > deadline) break;
    await sleep(250);
  }
  await sleep(1_500); // late duplicates, if any, show up now
}

async function auditGaps(stack: Stack, jobIds: string[]) {
  // A pool connection cut by a database restart fails once; the pool replaces it.
  const query = (sql: string, args: unknown[]) =>
    stack.db.pool.query(sql, args).catch(() => sleep(500).then(() => stack.db.pool.query(sql, args)));
  const { rows } = await query(
    `SELECT job_id FROM audit WHERE job_id = ANY($1) AND status IN ('done','failed') AND finished_at IS NOT NULL
       AND text <> '' AND source <> 'unknown'`,
    [jobIds],
  );
  return jobIds.length - rows.length;
}

const report: Record<string, unknown> = { load_avg_start: loadAvg() };

if (wanted('worker_kill')) {
  const JOBS = env('JOBS', 2_000);
  const RATE = env('RATE', 25);
  const KILL_EVERY_MS = env('KILL_EVERY_MS', 700);
  const KILLS = env('KILLS', 100);
  const t0 = Date.now();
  const stack = await startStack({ roles: ['bot'], start });
  // Replacements come from standbys that have loaded every module (the slow part of starting a
  // worker: seconds on a busy machine), compiled to JS so that loading takes half as long, and
  // enough of them loaded before the first command that a kill seldom waits for one.
  const STANDBY = env('STANDBY', 24);
  const pool = createStandbyPool(stack.config, { maxStalledCount: 50, loops: false }, STANDBY, {
    compiled: true,
  });
  const warmUntil = Date.now() + env('WARM_S', 120) * 1000;
  while (pool.ready < STANDBY && Date.now() < warmUntil) await sleep(250);
  const warm = pool.ready;
  const live = await Promise.all([pool.activate(), pool.activate()]);
  let kills = 0;
  let waits = 0;
  let lastKillAt = 0;
  let sending = true;
  const outstanding = () => {
    const s = summarise(tallySleepJobs(stack.emu, [A]));
    return sending || s.jobs < JOBS || s.progress_stuck > 0;
  };
  const killing = (async () => {
    // Kill only while there is work in flight, and never the last live worker.
    while (kills < KILLS && outstanding() && Date.now() - t0 < SETTLE_TIMEOUT_MS) {
      await sleep(KILL_EVERY_MS);
      if (live.length < 2) {
        waits++;
        continue;
      }
      await killHard(live.shift()!);
      kills++;
      lastKillAt = Date.now();
      void pool.activate().then((c) => live.push(c));
    }
  })();
  await burst(stack, JOBS, RATE);
  sending = false;
  await killing;
  await settle(stack, [A], JOBS);
  // Jobs still in the queue at the deadline are late, not lost: say how many.
  const counts = await stack
    .bot!.producer.queue('default')
    .getJobCounts('waiting', 'active', 'delayed', 'prioritized')
    .catch(() => ({}) as Record<string, number>);
  const tally = tallySleepJobs(stack.emu, [A]);
  const lastResultAt = Math.max(
    ...[...tally.values()].flatMap((t) => t.results.map((r) => Number(r.ts) * 1000)),
  );
  const s = summarise(tally);
  report.worker_kill = {
    commands: JOBS,
    // Commands that never became a job: the user was told privately (e.g. the progress message
    // could not be posted); not lost, but not run either.
    refused_at_intake: JOBS - tally.size,
    private_replies: stack.emu.responseUrlPosts.length,
    rate_per_s: RATE,
    kills,
    kill_every_ms: KILL_EVERY_MS,
    standbys_warm_at_start: warm,
    kills_waiting_for_a_replacement: waits,
    lock_ms: 1_500,
    stalled_interval_ms: 1_000,
    jobs_lost: [...tally.values()].filter((t) => t.results.length === 0).length,
    still_queued_at_deadline: Object.values(counts).reduce((a, b) => a + b, 0),
    duplicate_posts: s.results_duplicated + s.progress_duplicated,
    ...s,
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
    // The last result after the last kill: how long the survivors took to pick up its jobs.
    recovery_ms: Math.max(0, round(lastResultAt - lastKillAt)),
    elapsed_s: round((Date.now() - t0) / 1000),
    load_avg: loadAvg(),
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
  const SHARE = env('SHARE_429', 0.2);
  const t0 = Date.now();
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
  const fault = stack.emu.fault({ method: '*', kind: 'ratelimited', probability: SHARE, retryAfterSec: 1 });
  await burst(stack, COMMANDS, 20, { channels: [A, B] });
  // The faults end with the burst; what is still held back then is delivered after.
  fault.remove();
  const faultsEndedAt = Date.now();
  const duringFaults = stack.emu.calls.filter((c) => c.method !== 'upload');
  await settle(stack, [A, B], COMMANDS);
  const calls = stack.emu.calls.filter((c) => c.method !== 'upload');
  const tally = tallySleepJobs(stack.emu, [A, B]);
  const s = summarise(tally);
  const lastResultAt = Math.max(
    ...[...tally.values()].flatMap((t) => t.results.map((r) => Number(r.ts) * 1000)),
  );
  report.slack_429 = {
    commands: COMMANDS,
    // Of the calls made while the faults were on.
    share_429:
      Math.round((duringFaults.filter((c) => c.status === 429).length / duringFaults.length) * 100) / 100,
    answered_429: calls.filter((c) => c.status === 429).length,
    baseline_p50_command_to_result_ms: baseline,
    p50_command_to_result_ms: p50(),
    posts_lost: s.results_lost,
    posts_doubled: s.results_duplicated + s.progress_duplicated,
    progress_stuck: s.progress_stuck,
    recovery_ms: Math.max(0, round(lastResultAt - faultsEndedAt)),
    elapsed_s: round((Date.now() - t0) / 1000),
    load_avg: loadAvg(),
  };
  await stack.stop();
}

if (wanted('postgres_restart')) {
  const DOWN_S = env('PG_DOWN_S', 5);
  const RATE = env('PG_RATE', 20);
  const t0 = Date.now();
  const pgServer = await startPgServer();
  const stack = await startStack({ databaseUrl: await pgServer.createDatabase('netops_chaos'), start });
  const total = RATE * (DOWN_S + 6);
  let during = 0;
  let down = false;
  let stoppedAt = 0;
  let restartedAt = 0;
  await burst(stack, total, RATE, {
    onSent: (i) => {
      if (i === RATE * 2) {
        down = true;
        stoppedAt = Date.now();
        void pgServer.stop().then(() =>
          sleep(DOWN_S * 1000).then(async () => {
            await pgServer.start();
            restartedAt = Date.now();
            down = false;
          }),
        );
      }
      if (down) during++;
    },
  });
  while (!restartedAt) await sleep(100);
  await settle(stack, [A], total);
  const spool = new Redis(TEST_REDIS_URL);
  const key = `${stack.prefix}:netops:audit-spool`;
  while ((await spool.llen(key)) > 0 && Date.now() - restartedAt < SETTLE_TIMEOUT_MS) await sleep(100);
  const spoolWrittenAt = Date.now();
  spool.disconnect();
  const tally = tallySleepJobs(stack.emu, [A]);
  report.postgres_restart = {
    down_s: round((restartedAt - stoppedAt) / 1000),
    commands: total,
    commands_while_down: during,
    ...summarise(tally),
    audit_rows_lost: await auditGaps(stack, [...tally.keys()]),
    // Postgres back → every audit row kept in Redis meanwhile written to it.
    recovery_ms: round(spoolWrittenAt - restartedAt),
    elapsed_s: round((Date.now() - t0) / 1000),
    load_avg: loadAvg(),
  };
  await stack.stop();
  await pgServer.close();
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
  const SECONDS = env('REDIS_SECONDS', 10);
  const DOWN_MS = env('REDIS_DOWN_MS', 1_000);
  const t0 = Date.now();
  const redis = await startRedisServer();
  const stack = await startStack({ redisUrl: redis.url, start });
  let stoppedAt = 0;
  let startedAt = 0;
  await burst(stack, RATE * SECONDS, RATE, {
    onSent: (i) => {
      if (i === RATE * 2) {
        stoppedAt = Date.now();
        void redis.stop().then(() =>
          sleep(DOWN_MS).then(async () => {
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
    // Redis back → the first command accepted again.
    recovery_ms: firstAcceptedAfter ? round(firstAcceptedAfter - startedAt) : null,
    elapsed_s: round((Date.now() - t0) / 1000),
    load_avg: loadAvg(),
  };
  await stack.stop();
  await redis.close();
}

report.load_avg_end = loadAvg();
console.log(JSON.stringify(report));
process.exit(0);
