import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { ErrorCode, isNetopsError, isTransient, NetopsError, userText } from '../errors.js';
import { deliverResult } from '../slack/deliver.js';
import { progressMessage, type ProgressState } from '../slack/progress.js';
import type { AuditLog } from '../storage/audit.js';
import { envelopeSchema } from './envelope.js';
import { DEFAULT_QUEUE } from './producer.js';
import type { JobContext, JobDefinition, JobOrigin, JobResult, JobServices } from './types.js';

export interface JobHostOptions {
  connection: Redis;
  prefix: string;
  jobs: readonly JobDefinition[];
  services: JobServices;
  audit?: AuditLog;
  log: Logger;
  /** Jobs run at once per queue. */
  concurrency?: number;
  /** Per-queue concurrency overrides, e.g. { devices: 64 }. */
  queueConcurrency?: Record<string, number>;
  /** How long a job's lock lasts without renewal; a dead worker's job is retried after about this. */
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  /**
   * The worker's own policy check, run before process() for jobs that declare an action; throws
   * (a NetopsError the user can read) to refuse. The composition root decides which actions need it.
   */
  authorize?(input: {
    jobName: string;
    action: NonNullable<Exclude<JobDefinition['action'], (...a: never[]) => unknown>>;
    devices: ReturnType<NonNullable<JobDefinition['devicesOf']>>;
    origin?: JobOrigin;
  }): Promise<void>;
  /** Hook for metrics. */
  onFinished?(name: string, state: 'done' | 'failed', ms: number): void;
}

export interface JobHost {
  readonly workers: readonly Worker[];
  /** Stops taking work, waits up to graceMs for running jobs, then hands the rest back. */
  close(graceMs?: number): Promise<void>;
}

/** Key that makes result delivery happen once per job, whatever the retries and crashes. */
const resultKey = (prefix: string, jobId: string) => `${prefix}:netops:result-posted:${jobId}`;

export function createJobHost(options: JobHostOptions): JobHost {
  const { services, log, audit } = options;
  const defs = new Map(options.jobs.map((j) => [j.name, j] as const));
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
      await safely('progress', () =>
        services.responder.update(
          {
            channel: origin.channel,
            ts: origin.messageTs!,
            ...(origin.threadTs ? { threadTs: origin.threadTs } : {}),
          },
          progressMessage({
            state,
            what,
            jobId,
            ...(origin.userId ? { userId: origin.userId } : {}),
            ...(detail ? { detail } : {}),
            // job.timestamp: when this job (or this run of a schedule) was added
            elapsedMs: Date.now() - (job.timestamp || started),
          }),
        ),
      );
    };

    let parsedPayload: unknown;
    if (!def || !env.success) {
      throw new UnrecoverableError(`no job type ${job.name} or malformed envelope`);
    }
    const parsed = def.schema.safeParse(env.data.payload);
    if (!parsed.success) {
      jlog.error({ issues: parsed.error.issues }, 'job data failed validation');
      await edit('failed', 'The job carried invalid data (a bug, not your input); it was not run.');
      if (audit)
        await safely('audit', () =>
          audit.jobFinished(jobId, 'failed', 'invalid job data', ErrorCode.JOB_BAD_DATA),
        );
      throw new UnrecoverableError(`invalid data for ${job.name}: ${parsed.error.message}`);
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
    const timer = def.timeoutMs
      ? setTimeout(() => controller.abort(new Error('job timed out')), def.timeoutMs)
      : undefined;
    const ctx: JobContext = {
      jobId,
      attempt,
      ...(origin ? { origin } : {}),
      signal: controller.signal,
      services,
      log: jlog,
      progress: (text) => edit('running', text),
      say: async (message) => {
        if (!origin) return;
        await services.responder.post(
          { channel: origin.channel, ...(origin.threadTs ? { threadTs: origin.threadTs } : {}) },
          message,
        );
      },
    };

    let result: JobResult;
    try {
      if (def.action && options.authorize) {
        const action = typeof def.action === 'function' ? def.action(parsed.data, services) : def.action;
        const devices = def.devicesOf?.(parsed.data, services) ?? [];
        await options.authorize({ jobName: job.name, action, devices, ...(origin ? { origin } : {}) });
      }
      result = await def.process(parsed.data, ctx);
    } catch (err) {
      const maxAttempts = job.opts.attempts ?? 1;
      const retry = isTransient(err) && attempt < maxAttempts && !controller.signal.aborted;
      jlog.warn({ err, retry }, 'job failed');
      if (retry) {
        await edit('retrying', `${userText(err)} Retrying (attempt ${attempt + 1} of ${maxAttempts}).`);
        throw err;
      }
      const code = isNetopsError(err) ? err.code : ErrorCode.INTERNAL;
      const sentence = controller.signal.aborted
        ? `The job was stopped after ${Math.round((def.timeoutMs ?? 0) / 1000)} s without finishing.`
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
          await deliverResult(services.responder, origin, result);
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
