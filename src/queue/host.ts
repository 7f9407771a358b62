import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { ErrorCode, isNetopsError, isTransient, NetopsError, userText } from '../errors.js';
import type { JobPoster, ProgressState } from '../chat/index.js';
import type { AuditLog } from '../storage/audit.js';
import { servicesFor, unmetNeeds } from './define.js';
import { envelopeSchema } from './envelope.js';
import { DEFAULT_QUEUE } from './producer.js';
import type { JobContext, JobDefinition, JobOrigin, JobResult, ServiceMap } from './types.js';

export interface JobHostOptions {
  connection: Redis;
  prefix: string;
  jobs: readonly JobDefinition[];
  /** Every service this role built, by key; each job gets the ones it `needs`. */
  services: object;
  /** How progress edits, results and `say` reach people (src/chat's createJobPoster in production). */
  poster: JobPoster;
  audit?: AuditLog;
  log: Logger;
  /** Jobs run at once per queue. */
  concurrency?: number;
  /** Per-queue concurrency overrides, e.g. { devices: 64 }. */
  queueConcurrency?: Record<string, number>;
  /** How long a job's lock lasts without renewal; a dead worker's job is retried after about this. */
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  /** Hook for metrics. */
  onFinished?(name: string, state: 'done' | 'failed', ms: number): void;
}

export interface JobHost {
  readonly workers: readonly Worker[];
  /** Stops taking work, waits up to graceMs for running jobs, then hands the rest back. */
  close(graceMs?: number): Promise<void>;
}

const seconds = (ms: number) => (ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`);

/** Key that makes result delivery happen once per job, whatever the retries and crashes. */
const resultKey = (prefix: string, jobId: string) => `${prefix}:netops:result-posted:${jobId}`;

/**
 * Runs jobs from their queues. Refuses to start when a registered job needs a service this role
 * did not build: better a worker that will not start than one that fails every such job later.
 */
export function createJobHost(options: JobHostOptions): JobHost {
  const { log, audit, poster } = options;
  const unmet = unmetNeeds(options.jobs, options.services);
  if (unmet.length) {
    throw new NetopsError(ErrorCode.CONFIG_INVALID, `job host cannot start: ${unmet.join('; ')}`, {
      context: { unmet },
    });
  }
  const defs = new Map(options.jobs.map((j) => [j.name, j] as const));
  const jobServices = new Map<string, ServiceMap>(
    options.jobs.map((j) => [j.name, Object.freeze(servicesFor(j, options.services))] as const),
  );
  const queueNames = [...new Set(options.jobs.map((j) => j.queue ?? DEFAULT_QUEUE))];
  const running = new Map<string, AbortController>();
  const redis = options.connection;

  const safely = async (what: string, fn: () => Promise<unknown>) => {
    try {
      await fn();
    } catch (err) {
      log.warn({ err, what }, 'side effect failed; the job goes on');
    }
  };

  const processor = async (job: Job): Promise<string> => {
    const jobId = job.id!;
    const attempt = job.attemptsMade + 1;
    const def = defs.get(job.name);
    const env = envelopeSchema.safeParse(job.data);
    const origin: JobOrigin | undefined = env.success ? env.data.origin : undefined;
    const started = Date.now();
    const jlog = log.child({ jobId, job: job.name, attempt });

    const edit = async (state: ProgressState, detail?: string) => {
      if (!origin?.messageTs) return;
      const what =
        def?.describe && parsedPayload !== undefined ? def.describe(parsedPayload) : `\`${job.name}\``;
      const messageTs = origin.messageTs;
      await safely('progress', () =>
        poster.progress(
          { ...origin, messageTs },
          {
            state,
            what,
            jobId,
            ...(origin.userId ? { userId: origin.userId } : {}),
            ...(detail ? { detail } : {}),
            // job.timestamp: when this job (or this run of a schedule) was added
            elapsedMs: Date.now() - (job.timestamp || started),
          },
        ),
      );
    };

    let parsedPayload: unknown;
    if (!env.success) {
      jlog.error({ issues: env.error.issues }, 'malformed job envelope');
      throw new UnrecoverableError(`malformed envelope for ${job.name}`);
    }
    if (!def) {
      // Enqueued by a newer bot than this worker, or a job type since removed: say so instead of
      // leaving the person looking at "queued" forever.
      jlog.error('no such job type in this worker');
      const sentence = new NetopsError(ErrorCode.JOB_UNKNOWN, `no job type ${job.name}`).toUserText();
      if (audit && origin?.auditId)
        await safely('audit', () => audit.jobFinished(jobId, 'failed', sentence, ErrorCode.JOB_UNKNOWN));
      await edit('failed', sentence);
      options.onFinished?.(job.name, 'failed', Date.now() - started);
      throw new UnrecoverableError(`no job type ${job.name}`);
    }
    const parsed = def.schema.safeParse(env.data.payload);
    if (!parsed.success) {
      jlog.error({ issues: parsed.error.issues }, 'job data failed validation');
      await edit('failed', 'The job carried invalid data (a bug, not your input); it was not run.');
      if (audit)
        await safely('audit', () =>
          audit.jobFinished(jobId, 'failed', 'invalid job data', ErrorCode.JOB_BAD_DATA),
        );
      throw new UnrecoverableError(`invalid data for ${job.name} (the issues are in the log)`);
    }
    parsedPayload = parsed.data;

    // A retry after the result already reached Slack (the worker died between posting and
    // completing): finish quietly instead of running and posting again.
    if (origin && (await redis.exists(resultKey(options.prefix, jobId)))) {
      jlog.info('result already delivered by an earlier attempt; completing');
      return 'already delivered';
    }

    // Only requests from people have an audit row; scheduled work is not audited per run.
    const audited = audit && origin?.auditId ? audit : undefined;
    await Promise.all([
      audited ? safely('audit', () => audited.jobStarted(jobId, attempt)) : undefined,
      edit('running', attempt > 1 ? `attempt ${attempt} of ${job.opts.attempts ?? 1}` : undefined),
    ]);

    const controller = new AbortController();
    running.set(jobId, controller);
    let timedOut = false;
    let timer: NodeJS.Timeout | undefined;
    // The job's own signal stops well-behaved work; the race stops waiting for work that ignores it.
    const deadline = new Promise<never>((_, reject) => {
      if (!def.timeoutMs) return;
      timer = setTimeout(() => {
        timedOut = true;
        const err = new NetopsError(ErrorCode.JOB_TIMEOUT, `${job.name} ran over ${def.timeoutMs} ms`, {
          context: { jobId, timeoutMs: def.timeoutMs },
        });
        controller.abort(err);
        reject(err);
      }, def.timeoutMs);
    });
    const ctx: JobContext = {
      jobId,
      attempt,
      ...(origin ? { origin } : {}),
      signal: controller.signal,
      services: jobServices.get(def.name)!,
      log: jlog,
      progress: (text) => edit('running', text),
      say: async (message) => {
        if (origin) await poster.say(origin, message);
      },
    };

    let result: JobResult;
    try {
      result = await Promise.race([def.process(parsed.data, ctx), deadline]);
    } catch (err) {
      const maxAttempts = job.opts.attempts ?? 1;
      const retry = isTransient(err) && attempt < maxAttempts && !controller.signal.aborted;
      jlog.warn({ err, retry }, 'job failed');
      if (retry) {
        await edit('retrying', `${userText(err)} Retrying (attempt ${attempt + 1} of ${maxAttempts}).`);
        throw err;
      }
      const code = timedOut ? ErrorCode.JOB_TIMEOUT : isNetopsError(err) ? err.code : ErrorCode.INTERNAL;
      const sentence = timedOut
        ? `The job was stopped after ${seconds(def.timeoutMs ?? 0)} without finishing. Try a narrower request, or try again later.`
        : userText(err);
      if (audited) await safely('audit', () => audited.jobFinished(jobId, 'failed', sentence, code));
      await edit('failed', sentence);
      options.onFinished?.(job.name, 'failed', Date.now() - started);
      throw new UnrecoverableError(sentence);
    } finally {
      clearTimeout(timer);
      running.delete(jobId);
    }

    if (origin) {
      const claimed = await redis.set(
        resultKey(options.prefix, jobId),
        String(Date.now()),
        'EX',
        7 * 86_400,
        'NX',
      );
      if (claimed) {
        try {
          await poster.result(origin, result);
        } catch (err) {
          await redis.del(resultKey(options.prefix, jobId));
          throw new NetopsError(ErrorCode.SLACK_API, `could not post the result: ${(err as Error).message}`, {
            cause: err,
            context: { jobId },
          });
        }
      }
    }
    // Audit before the final edit: whoever sees "done" in Slack finds the audit row complete.
    if (audited) {
      await safely('audit', () =>
        audited.jobFinished(jobId, result.ok === false ? 'failed' : 'done', result.summary, undefined, true),
      );
    }
    await edit(result.ok === false ? 'failed' : 'done', result.summary);
    options.onFinished?.(job.name, result.ok === false ? 'failed' : 'done', Date.now() - started);
    return result.summary;
  };

  const workers = queueNames.map((name) => {
    const w = new Worker(name, processor, {
      connection: redis,
      prefix: options.prefix,
      concurrency: options.queueConcurrency?.[name] ?? options.concurrency ?? 8,
      lockDuration: options.lockDurationMs ?? 30_000,
      stalledInterval: options.stalledIntervalMs ?? 30_000,
      maxStalledCount: 2,
    });
    w.on('error', (err) => log.error({ err, queue: name }, 'worker error'));
    return w;
  });

  return {
    workers,
    async close(graceMs = 25_000) {
      const graceful = Promise.all(workers.map((w) => w.close()));
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([
        graceful.then(() => false),
        new Promise<boolean>((r) => {
          timer = setTimeout(() => r(true), graceMs);
        }),
      ]);
      clearTimeout(timer);
      if (timedOut) {
        // Hand back: abort what still runs; its lock lapses and another worker retries it.
        log.warn({ running: [...running.keys()] }, 'grace period over; handing running jobs back');
        for (const c of running.values()) c.abort(new Error('worker shutting down'));
        await Promise.all(workers.map((w) => w.close(true)));
      }
    },
  };
}
