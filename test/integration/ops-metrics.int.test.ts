import { Writable } from 'node:stream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { testCommands, testJobs } from '../fixtures/spine/sleep.js';
import { type Stack, startStack } from '../helpers/stack.js';

const CHANNEL = 'C00NETOPS0';
let s: Stack;
const lines: Array<Record<string, unknown>> = [];

beforeAll(async () => {
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split('\n')) if (l) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  // Bot and worker are separate Running instances (as separate processes would be): each has its
  // own registry; the worker serves its own on METRICS_PORT.
  s = await startStack({
    env: { METRICS_PORT: '0' },
    start: { jobs: testJobs, commands: testCommands, log: createLogger('info', {}, sink) },
  });
}, 60_000);
afterAll(() => s?.stop());

const scrape = async (port: number) => {
  const r = await fetch(`http://127.0.0.1:${port}/metrics`);
  expect(r.status).toBe(200);
  return r.text();
};
const value = (text: string, series: string) => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};
const finished = (state: string) =>
  s.emu.calls.filter(
    (c) => c.method === 'chat.update' && c.status === 200 && c.args.text?.toString().startsWith(state),
  ).length;

async function runSleep(ms: number, whileRunning?: () => void) {
  const before = finished('done') + finished('failed');
  const running = finished('running');
  await s.emu.slashCommand({ command: '/net', text: `sleep ${ms}`, channelId: CHANNEL });
  if (whileRunning) {
    await expect.poll(() => finished('running'), { timeout: 15_000 }).toBeGreaterThan(running);
    whileRunning();
  }
  await expect.poll(() => finished('done') + finished('failed'), { timeout: 30_000 }).toBe(before + 1);
}

it('the worker serves job outcomes, durations, retries and Slack trouble; the bot queue depths and ack latency', async () => {
  // done, after one 429 on an edit
  s.emu.fault({ method: 'chat.update', kind: 'ratelimited', retryAfterSec: 1, times: 1 });
  await runSleep(50);
  // refused for good: failed at once
  await runSleep(400, () =>
    s.emu.fault({ method: 'chat.postMessage', kind: 'refused', error: 'channel_not_found', times: 1 }),
  );
  // five 500s exhaust one attempt's Slack retries: the job is retried, then done
  await runSleep(400, () => s.emu.fault({ method: 'chat.postMessage', kind: 'error', times: 5 }));

  expect(s.worker!.port).toBeGreaterThan(0);
  const w = await scrape(s.worker!.port!);
  expect(value(w, 'netops_jobs_total{job="test.sleep",state="done"}')).toBe(2);
  expect(value(w, 'netops_jobs_total{job="test.sleep",state="failed"}')).toBe(1);
  expect(value(w, 'netops_job_seconds_count{job="test.sleep"}')).toBe(3);
  expect(value(w, 'netops_job_seconds_sum{job="test.sleep"}')).toBeGreaterThan(0.8);
  expect(value(w, 'netops_job_retries_total{job="test.sleep"}')).toBe(1);
  expect(value(w, 'netops_slack_api_events_total{method="chat.update",outcome="ratelimited"}')).toBe(1);
  expect(value(w, 'netops_slack_api_events_total{method="chat.postMessage",outcome="error"}')).toBe(5);
  expect(value(w, 'netops_slack_api_events_total{method="chat.postMessage",outcome="retry"}')).toBe(4);
  expect(value(w, 'netops_slack_api_errors_total{method="chat.postMessage",error="channel_not_found"}')).toBe(
    1,
  );
  expect(value(w, 'netops_queue_jobs{queue="default",state="waiting"}')).toBe(0);
  const health = await fetch(`http://127.0.0.1:${s.worker!.port}/healthz`);
  expect(await health.json()).toEqual({ ok: true, role: 'worker' });

  const b = await scrape(s.bot!.port!);
  expect(value(b, 'netops_slack_ack_seconds_count')).toBe(3);
  expect(value(b, 'netops_commands_total{command="sleep",outcome="queued"}')).toBe(3);
  expect(b).toMatch(
    /^netops_queue_jobs\{queue="default",state="(waiting|active|delayed|prioritized|failed)"\} \d+$/m,
  );
  // A job's figures are the worker's: the bot's registry has none.
  expect(value(b, 'netops_jobs_total{job="test.sleep",state="done"}')).toBeUndefined();
}, 120_000);

it('structured logs name the job: every line about a job carries its id, name and attempt', () => {
  const failed = lines.filter((l) => l.msg === 'job failed' || l.msg === 'result delivery failed');
  expect(failed.length).toBeGreaterThan(0);
  const ids = new Set(
    s.emu.calls
      .filter((c) => c.method === 'chat.update')
      .flatMap((c) => /\(job (j-[0-9a-f]{8})\)/.exec(String(c.args.text))?.[1] ?? []),
  );
  for (const l of failed) {
    expect(ids.has(String(l.jobId))).toBe(true);
    expect(l).toMatchObject({ job: 'test.sleep', attempt: expect.any(Number) });
  }
});
