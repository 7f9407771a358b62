/**
 * Ack latency of signed slash commands at a sustained rate, through the real bot (signing
 * receiver → Bolt → intake → progress post → audit → enqueue) with a worker in the same process
 * processing every job, as the `all` role runs for small teams.
 * Prints one JSON object: ack_p50_ms, ack_p99_ms, ack_max_ms, rate_per_s, requests, errors.
 */
import { signSlackRequest } from '../src/slack/verify.js';
import { sampleDevices, SIGNING_SECRET, startStack } from '../test/helpers/stack.js';

const RATE = Number(process.env.RATE ?? 100);
const SECONDS = Number(process.env.SECONDS ?? 15);

const stack = await startStack({ devices: sampleDevices(50), roles: ['bot', 'worker'] });
const url = `http://127.0.0.1:${stack.bot!.port}/slack/events`;

function body(i: number): string {
  return new URLSearchParams({
    token: 'x',
    team_id: 'T1',
    channel_id: 'C00NETOPS0',
    channel_name: 'netops',
    user_id: 'U0000ALICE',
    user_name: 'alice',
    command: '/net',
    text: `devices edge${(i % 40) + 1}`,
    response_url: `${stack.emu.url}response/none`,
    trigger_id: `t${i}`,
  }).toString();
}

async function once(i: number): Promise<number> {
  const b = body(i);
  const ts = Math.floor(Date.now() / 1000);
  const t0 = performance.now();
  const res = await fetch(url, {
    method: 'POST',
    body: b,
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

// warm up (JIT, connection pools, Bolt's auth.test)
for (let i = 0; i < 20; i++) await once(i);

const latencies: number[] = [];
let errors = 0;
const total = RATE * SECONDS;
const start = performance.now();
const inflight: Promise<void>[] = [];
for (let i = 0; i < total; i++) {
  const due = start + (i * 1000) / RATE;
  const wait = due - performance.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  inflight.push(
    once(i).then(
      (ms) => void latencies.push(ms),
      () => void errors++,
    ),
  );
}
await Promise.all(inflight);
const elapsed = (performance.now() - start) / 1000;
// let the worker drain so shutdown is clean
const deadline = Date.now() + 60_000;
while (Date.now() < deadline) {
  const { rows } = await stack.db.pool.query(
    "SELECT count(*)::int AS n FROM audit WHERE status IN ('queued','running')",
  );
  if (rows[0].n === 0) break;
  await new Promise((r) => setTimeout(r, 250));
}
const { rows } = await stack.db.pool.query("SELECT count(*)::int AS n FROM audit WHERE status = 'done'");
await stack.stop();

latencies.sort((a, b) => a - b);
const pct = (p: number) =>
  latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? Number.NaN;
const round = (n: number) => Math.round(n * 100) / 100;
console.log(
  JSON.stringify({
    ack_p50_ms: round(pct(50)),
    ack_p99_ms: round(pct(99)),
    ack_max_ms: round(latencies.at(-1) ?? Number.NaN),
    rate_per_s: round(total / elapsed),
    requests: total,
    errors,
    jobs_done: rows[0].n,
  }),
);
process.exit(0);
