/**
 * Sustained load: RATE signed slash commands per second for SECONDS against the bot over HTTP
 * (signed as Slack signs them), with WORKERS worker processes taking the jobs. Defaults are the
 * issue's: 100/s for 60 s with 2 workers. The bot runs in a process of its own, as do the workers;
 * this process sends the commands and plays Slack (the emulator). Loopback only; its own Redis
 * prefix and database schema. A request not answered within ACK_TIMEOUT_MS (10 s; Slack gives up
 * after 3 s) counts in ack_errors, as does any answer but 200.
 *
 * Every command is `sleep <ms>` (10–50 ms; a test job whose result names its job id), so each
 * result is matched to its command: processed = exactly one result and the progress message done,
 * lost = acked but no result by the end, duplicated = more than one result.
 * Prints one JSON object as its last line: ack_p50_ms/ack_p99_ms/ack_max_ms (HTTP round trip of
 * the signed request, i.e. what Slack waits for), processed, lost, duplicated,
 * peak_queue_depth (waiting + active + delayed + prioritized, sampled every 100 ms), drain_ms
 * (last command sent → last result), and the load average it ran under.
 * Figures move with machine load: quote them with the load average.
 */
import type { ChildProcess } from 'node:child_process';
import { loadavg } from 'node:os';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { signSlackRequest } from '../src/slack/verify.js';
import { testCommands, testJobs } from '../test/fixtures/spine/sleep.js';
import { SIGNING_SECRET, startStack } from '../test/helpers/stack.js';
import { percentile, summarise, tallySleepJobs } from '../test/helpers/tally.js';
import { TEST_REDIS_URL } from '../test/helpers/redis.js';
import { killHard, spawnBot, spawnWorker } from '../test/helpers/worker-procs.js';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const RATE = env('RATE', 100);
const SECONDS = env('SECONDS', 60);
const WORKERS = env('WORKERS', 2);
/** Give up waiting for results this long after the last command. */
const DRAIN_TIMEOUT_MS = env('DRAIN_TIMEOUT_MS', 180_000);
const ACK_TIMEOUT_MS = env('ACK_TIMEOUT_MS', 10_000);
const CHANNELS = ['C00NETOPS0', 'C0INCIDENT'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round = (n: number) => Math.round(n * 100) / 100;
const load = () => loadavg().map((l) => round(l));

const loadAtStart = load();
const stack = await startStack({ roles: [], start: { jobs: testJobs, commands: testCommands } });
const bot = await spawnBot(stack.config);
const workers: ChildProcess[] = [];
for (let i = 0; i < WORKERS; i++) workers.push(await spawnWorker(stack.config, { loops: false }));
const url = `http://127.0.0.1:${bot.port}/slack/events`;

function body(i: number): string {
  return new URLSearchParams({
    token: 'x',
    team_id: 'T1',
    channel_id: CHANNELS[i % CHANNELS.length]!,
    channel_name: 'netops',
    user_id: 'U0000ALICE',
    user_name: 'alice',
    command: '/net',
    text: `sleep ${10 + ((i * 7) % 41)}`,
    response_url: `${stack.emu.url}response/none`,
    trigger_id: `t${i}`,
  }).toString();
}

async function send(i: number): Promise<number> {
  const b = body(i);
  const ts = Math.floor(Date.now() / 1000);
  const t0 = performance.now();
  const res = await fetch(url, {
    method: 'POST',
    body: b,
    signal: AbortSignal.timeout(ACK_TIMEOUT_MS),
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': String(ts),
      'x-slack-signature': signSlackRequest(SIGNING_SECRET, ts, b),
    },
  });
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`status ${res.status}`);
  return performance.now() - t0;
}

// Queue depth, sampled while the load runs and drains.
const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
const queue = new Queue('default', { connection: redis, prefix: stack.prefix });
let peakDepth = 0;
let sampling = true;
const sampler = (async () => {
  while (sampling) {
    try {
      const c = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
      peakDepth = Math.max(
        peakDepth,
        Object.values(c).reduce((a, b) => a + b, 0),
      );
    } catch {
      // a missed sample
    }
    await sleep(100);
  }
})();

const total = RATE * SECONDS;
const latencies: number[] = [];
let ackErrors = 0;
const inflight: Promise<void>[] = [];
const started = performance.now();
for (let i = 0; i < total; i++) {
  const wait = started + (i * 1000) / RATE - performance.now();
  if (wait > 0) await sleep(wait);
  inflight.push(
    send(i).then(
      (ms) => void latencies.push(ms),
      () => void ackErrors++,
    ),
  );
}
const sentS = (performance.now() - started) / 1000;
await Promise.all(inflight);
const lastSentAt = Date.now();

// Drained: every acked command has its result and a finished progress message (or the deadline).
let lastResultAt = lastSentAt;
for (;;) {
  const s = summarise(tallySleepJobs(stack.emu, CHANNELS));
  const done = s.jobs >= latencies.length && s.progress_stuck === 0 && s.results_lost === 0;
  if (done || Date.now() - lastSentAt > DRAIN_TIMEOUT_MS) break;
  await sleep(250);
}
const tally = tallySleepJobs(stack.emu, CHANNELS);
for (const t of tally.values())
  for (const r of t.results) lastResultAt = Math.max(lastResultAt, Number(r.ts) * 1000);
await sleep(1_500); // a late duplicate, if any, shows up now
sampling = false;
await sampler;
const s = summarise(tallySleepJobs(stack.emu, CHANNELS));
const all = [...tallySleepJobs(stack.emu, CHANNELS).values()];
const processed = all.filter((t) => t.results.length === 1 && t.state === 'done').length;

for (const w of [...workers, bot.child]) await killHard(w);
await queue.close();
redis.disconnect();
await stack.stop();

console.log(
  JSON.stringify({
    commands: total,
    rate_per_s: round(total / sentS),
    seconds: SECONDS,
    workers: WORKERS,
    acked: latencies.length,
    ack_errors: ackErrors,
    ack_p50_ms: round(percentile(latencies, 50)),
    ack_p99_ms: round(percentile(latencies, 99)),
    ack_max_ms: round(Math.max(...latencies)),
    jobs: s.jobs,
    processed,
    lost: latencies.length - processed - s.failed,
    failed: s.failed,
    duplicated: s.results_duplicated + s.progress_duplicated,
    peak_queue_depth: peakDepth,
    drain_ms: Math.max(0, Math.round(lastResultAt - lastSentAt)),
    p50_command_to_result_ms: round(
      percentile(
        all.flatMap((t) => t.toResultMs ?? []),
        50,
      ),
    ),
    p99_command_to_result_ms: round(
      percentile(
        all.flatMap((t) => t.toResultMs ?? []),
        99,
      ),
    ),
    load_avg_start: loadAtStart,
    load_avg_end: load(),
  }),
);
process.exit(0);
