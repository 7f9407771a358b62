import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { JobOrigin, JobPoster, JobResult, Message, ProgressInfo } from '../../src/chat/index.js';
import { ErrorCode, NetopsError } from '../../src/errors.js';
import { silentLogger } from '../../src/log.js';
import {
  createJobHost,
  createProducer,
  defineJob,
  type JobDefinition,
  type JobHost,
  type Producer,
} from '../../src/queue/index.js';
import { dropPrefix, freshPrefix, redisConnection } from '../helpers/redis.js';

/** A poster that records what each job showed people, in order. */
class RecordingPoster implements JobPoster {
  readonly progressOf = new Map<string, ProgressInfo[]>();
  readonly results: Array<{ origin: JobOrigin; result: JobResult }> = [];
  readonly said: Message[] = [];
  async progress(_origin: JobOrigin & { messageTs: string }, info: ProgressInfo) {
    this.progressOf.set(info.jobId, [...(this.progressOf.get(info.jobId) ?? []), info]);
  }
  async result(origin: JobOrigin, result: JobResult) {
    this.results.push({ origin, result });
  }
  async say(_origin: JobOrigin, message: Message) {
    this.said.push(message);
    return { ts: String(this.said.length) };
  }
  states(jobId: string) {
    return (this.progressOf.get(jobId) ?? []).map((p) => p.state);
  }
  final(jobId: string) {
    return (this.progressOf.get(jobId) ?? []).filter((p) => p.state === 'done' || p.state === 'failed');
  }
}

const origin = { channel: 'C1', messageTs: '1700000000.000100', userId: 'U1' };

describe('job host decisions (real Redis)', () => {
  let redis: Redis;
  let prefix: string;
  let producer: Producer | undefined;
  let host: JobHost | undefined;
  let poster: RecordingPoster;
  const attemptsAt = new Map<string, number[]>();

  beforeEach(() => {
    redis = redisConnection();
    prefix = freshPrefix('host');
    poster = new RecordingPoster();
    attemptsAt.clear();
  });
  afterEach(async () => {
    await host?.close(1_000);
    await producer?.close();
    host = undefined;
    producer = undefined;
    await redis.quit();
    await dropPrefix(prefix);
  });

  const mark = (jobId: string) => attemptsAt.set(jobId, [...(attemptsAt.get(jobId) ?? []), Date.now()]);

  const flaky = defineJob({
    name: 't.flaky',
    needs: [],
    schema: z.object({ failures: z.number().int() }).strict(),
    attempts: 3,
    backoffMs: 300,
    async process(data, ctx) {
      mark(ctx.jobId);
      if (ctx.attempt <= data.failures)
        throw new NetopsError(ErrorCode.DEVICE_TIMEOUT, 'simulated timeout', { context: { device: 'r1' } });
      return { summary: `ok on attempt ${ctx.attempt}`, text: 'the output' };
    },
  });
  const broken = defineJob({
    name: 't.broken',
    needs: [],
    schema: z.object({ code: z.string() }).strict(),
    attempts: 3,
    backoffMs: 100,
    async process(data, ctx) {
      mark(ctx.jobId);
      if (data.code === 'disabled')
        throw new NetopsError(ErrorCode.DEVICE_DISABLED, 'r1 is disabled', { context: { device: 'r1' } });
      if (data.code === 'plain') throw new Error('TypeError-ish developer detail: x is undefined');
      throw new NetopsError(ErrorCode.INTERNAL, 'snmp.discover needs JobServices.monitoring');
    },
  });
  const slow = defineJob({
    name: 't.slow',
    needs: [],
    schema: z.object({ ignoreSignal: z.boolean() }).strict(),
    attempts: 3,
    timeoutMs: 400,
    async process(data, ctx) {
      mark(ctx.jobId);
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(resolve, 5_000);
        if (!data.ignoreSignal)
          ctx.signal.addEventListener('abort', () => {
            clearTimeout(t);
            reject(ctx.signal.reason);
          });
      });
      return { summary: 'finished late' };
    },
  });
  const jobs = [flaky, broken, slow] as JobDefinition[];

  function start() {
    producer = createProducer({ connection: redis, prefix, jobs });
    host = createJobHost({ connection: redis, prefix, jobs, services: {}, poster, log: silentLogger });
  }

  async function settled(jobId: string, queue = 'default') {
    const q = new Queue(queue, { connection: redis, prefix });
    try {
      const deadline = Date.now() + 15_000;
      while (Date.now() < deadline) {
        const job = await q.getJob(jobId);
        const state = await job?.getState();
        if (state === 'completed' || state === 'failed') return job!;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`job ${jobId} did not settle`);
    } finally {
      await q.close();
    }
  }

  it('retries a transient error with exponential backoff, then posts one result and one final edit', async () => {
    start();
    const { jobId } = await producer!.enqueue('t.flaky', { failures: 2 }, { origin });
    const job = await settled(jobId);
    expect(job.attemptsStarted).toBe(3);
    const at = attemptsAt.get(jobId)!;
    expect(at).toHaveLength(3);
    // BullMQ's exponential backoff: base, then twice the base
    expect(at[1]! - at[0]!).toBeGreaterThanOrEqual(280);
    expect(at[2]! - at[1]!).toBeGreaterThanOrEqual(580);
    expect(poster.states(jobId)).toEqual(['running', 'retrying', 'running', 'retrying', 'running', 'done']);
    expect(poster.progressOf.get(jobId)![1]!.detail).toContain('`r1` did not answer in time.');
    expect(poster.results).toHaveLength(1);
    expect(poster.final(jobId)).toHaveLength(1);
  });

  it('does not retry a disabled device, internal errors or plain exceptions, and shows no developer text', async () => {
    start();
    const ids = await Promise.all(
      ['disabled', 'internal', 'plain'].map(
        async (code) => (await producer!.enqueue('t.broken', { code }, { origin })).jobId,
      ),
    );
    for (const id of ids) {
      const job = await settled(id);
      expect(job.attemptsStarted).toBe(1);
      expect(attemptsAt.get(id)).toHaveLength(1);
      expect(poster.final(id)).toHaveLength(1);
      expect(poster.final(id)[0]!.state).toBe('failed');
    }
    const [disabled, internal, plain] = ids.map((id) => poster.final(id)[0]!.detail!);
    expect(disabled).toBe(
      '`r1` is disabled in the inventory. Set `enabled: true` for it in netops.yaml to use it.',
    );
    expect(internal).not.toContain('JobServices');
    expect(internal).toContain('NETOPS_INTERNAL');
    expect(plain).not.toContain('undefined');
    expect(poster.results).toHaveLength(0);
  });

  it('refuses bad data without running the job or retrying it', async () => {
    start();
    // Straight onto the queue, as an older or newer bot might: the producer would have refused it.
    const q = new Queue('default', { connection: redis, prefix });
    await q.add(
      't.flaky',
      { payload: { failures: 'many' }, origin, enqueuedAt: Date.now() },
      { jobId: 'j-bad', attempts: 3 },
    );
    await q.close();
    const job = await settled('j-bad');
    expect(job.attemptsStarted).toBe(1);
    expect(await job.getState()).toBe('failed');
    expect(attemptsAt.get('j-bad')).toBeUndefined();
    expect(poster.final('j-bad')).toEqual([
      expect.objectContaining({ state: 'failed', detail: expect.stringContaining('invalid data') }),
    ]);
  });

  it('fails a job the worker does not know, editing its progress message with a clear sentence', async () => {
    start();
    const q = new Queue('default', { connection: redis, prefix });
    await q.add(
      't.from-the-future',
      { payload: {}, origin, enqueuedAt: Date.now() },
      { jobId: 'j-unknown', attempts: 3 },
    );
    await q.close();
    const job = await settled('j-unknown');
    expect(job.attemptsStarted).toBe(1);
    const final = poster.final('j-unknown');
    expect(final).toHaveLength(1);
    expect(final[0]!.state).toBe('failed');
    expect(final[0]!.detail).toMatch(/^No worker here knows this kind of job/);
  });

  it('times out a job, whether or not it listens to its signal, without retrying', async () => {
    start();
    const polite = await producer!.enqueue('t.slow', { ignoreSignal: false }, { origin });
    const deaf = await producer!.enqueue('t.slow', { ignoreSignal: true }, { origin });
    for (const { jobId } of [polite, deaf]) {
      const t0 = Date.now();
      const job = await settled(jobId);
      expect(Date.now() - t0).toBeLessThan(4_000);
      expect(job.attemptsStarted).toBe(1);
      const final = poster.final(jobId);
      expect(final).toHaveLength(1);
      expect(final[0]!.detail).toMatch(/stopped after 0\.4 s/);
    }
  });

  it('refuses to start when a registered job needs a service this role did not build', () => {
    const needy = defineJob({
      name: 't.needy',
      needs: ['devices', 'clock'],
      schema: z.object({}),
      async process() {
        return { summary: 'never' };
      },
    });
    expect(() =>
      createJobHost({
        connection: redis,
        prefix,
        jobs: [needy as JobDefinition],
        services: { clock: () => new Date() },
        poster,
        log: silentLogger,
      }),
    ).toThrow(/t\.needy needs devices/);
  });
});
