import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { RedisClient } from '../redis.js';
import type { Logger } from 'pino';
import type { ReplicaConfirm } from '../redis.js';
import { ErrorCode, isNetopsError, isTransient, NetopsError, userText } from '../errors.js';
import { type JobPoster, onceOnly, type ProgressState } from '../chat/index.js';
import type { AuditLog } from '../storage/audit.js';
import { servicesFor, unmetNeeds } from './define.js';
import { createDeliveryStore } from './delivery.js';
import { envelopeSchema } from './envelope.js';
import { DEFAULT_QUEUE } from './producer.js';
import type { JobContext, JobDefinition, JobDevice, JobOrigin, ServiceMap } from './types.js';

export interface JobHostOptions {
  connection: RedisClient;
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
  /**
   * How long a job's lock lasts without renewal (renewed every half of it while the job runs).
   * A dead worker's jobs are taken by another worker within lockDurationMs + stalledIntervalMs.
   */
  lockDurationMs?: number;
  /** How often each worker looks for jobs whose lock lapsed (one Redis script per queue). */
  stalledIntervalMs?: number;
  /** Times a job may lose its worker before it is failed instead of retried again. */
  maxStalledCount?: number;
  /** Confirms claims to post on a replica first (Sentinel); see JobLock. */
  replicas?: ReplicaConfirm;
  /**
   * The worker's own policy check, run before process() for jobs that declare an action; throws
   * (an error the user can read) to refuse. The composition root decides which actions need it.
   */
  authorize?(input: {
    jobName: string;
    action: string;
    devices: JobDevice[];
    origin?: JobOrigin;
  }): Promise<void>;
  /** Hook for metrics. */
  onFinished?(name: string, state: 'done' | 'failed', ms: number): void;
  /** An attempt failed and the job will be tried again (metrics). */
  onRetry?(name: string): void;
}

export interface JobHost {
  readonly workers: readonly Worker[];
  /** Stops taking work, waits up to graceMs for running jobs, then hands the rest back. */
  close(graceMs?: number): Promise<void>;
}

export const DEFAULT_LOCK_DURATION_MS = 15_000;
export const DEFAULT_STALLED_INTERVAL_MS = 5_000;

const seconds = (ms: number) => (ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`);

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

  const processor = async (job: Job, token?: string): Promise<string> => {
    const jobId = job.id!;
    const attempt = job.attemptsMade + 1;
    const def = defs.get(job.name);
    const env = envelopeSchema.safeParse(job.data);
    const origin: JobOrigin | undefined = env.success ? env.data.origin : undefined;
    const started = Date.now();
    const jlog = log.child({ jobId, job: job.name, attempt });

    /** Edits the progress message; `final` edits that fail make the job retry (they are safe to repeat). */
    const edit = async (state: ProgressState, detail?: string, final = false) => {
      if (!origin?.messageTs) return;
      const what =
        def?.describe && parsedPayload !== undefined ? def.describe(parsedPayload) : `\`${job.name}\``;
      const messageTs = origin.messageTs;
      const update = () =>
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
        );
      if (!final || attempt >= (job.opts.attempts ?? 1)) return safely('progress', update);
      try {
        await update();
      } catch (err) {
        // Slack refused it for good (channel gone, token revoked): retrying would only fail again.
        if (!isTransient(err)) {
          jlog.warn({ err }, 'could not finish the progress message; Slack refused it');
          return;
        }
        // Left "running", the message would tell the user the job never ended: try again later.
        throw new NetopsError(
          ErrorCode.SLACK_API,
          `could not finish the progress message: ${(err as Error).message}`,
          {
            cause: err,
            context: { jobId },
          },
        );
      }
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
      if (audit && (origin?.audited || origin?.auditId))
        await safely('audit', () => audit.jobFinished(jobId, 'failed', sentence, ErrorCode.JOB_UNKNOWN));
      await edit('failed', sentence);
      options.onFinished?.(job.name, 'failed', Date.now() - started);
      throw new UnrecoverableError(`no job type ${job.name}`);
    }
    const parsed = def.schema.safeParse(env.data.payload);
    if (!parsed.success) {
      jlog.error({ issues: parsed.error.issues }, 'job data failed validation');
      await edit('failed', 'The job carried invalid data (a bug, not your input); it was not run.');
      if (audit && (origin?.audited || origin?.auditId))
        await safely('audit', () =>
          audit.jobFinished(jobId, 'failed', 'invalid job data', ErrorCode.JOB_BAD_DATA),
        );
      throw new UnrecoverableError(`invalid data for ${job.name} (the issues are in the log)`);
    }
    parsedPayload = parsed.data;

    // Only requests from people have an audit row; scheduled work is not audited per run.
    const audited = audit && (origin?.audited || origin?.auditId) ? audit : undefined;
    const store = createDeliveryStore(
      redis,
      options.prefix,
      jobId,
      token
        ? {
            key: `${job.queueQualifiedName}:${jobId}:lock`,
            token,
            durationMs: options.lockDurationMs ?? DEFAULT_LOCK_DURATION_MS,
            ...(options.replicas ? { replicas: options.replicas } : {}),
          }
        : undefined,
    );
    const maxAttempts = job.opts.attempts ?? 1;

    /** Final failure: the audit row, then the progress message, then no more retries. */
    const fail = async (sentence: string, code: string): Promise<never> => {
      if (audited) await safely('audit', () => audited.jobFinished(jobId, 'failed', sentence, code));
      await edit('failed', sentence);
      options.onFinished?.(job.name, 'failed', Date.now() - started);
      throw new UnrecoverableError(sentence);
    };

    // An earlier attempt that finished the work but died before delivering it left its result:
    // deliver that one instead of doing the work again.
    let result = await store.result();
    if (result) jlog.info('work already done by an earlier attempt; delivering its result');
    else {
      await Promise.all([
        audited ? safely('audit', () => audited.jobStarted(jobId, attempt)) : undefined,
        edit('running', attempt > 1 ? `attempt ${attempt} of ${maxAttempts}` : undefined),
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
      let said = 0;
      const ctx: JobContext = {
        jobId,
        attempt,
        ...(origin ? { origin } : {}),
        signal: controller.signal,
        services: jobServices.get(def.name)!,
        log: jlog,
        progress: (text) => edit('running', text),
        say: async (message) => {
          if (!origin) return;
          // Numbered in the order the job says them, so a rerun after a crash skips what was said.
          await onceOnly(store.ledger, `say:${++said}`, async (prior) => {
            const { ts } = await poster.say(origin, message, {
              ...(prior.key ? { key: prior.key } : {}),
              ...(prior.maybePostedSince !== undefined ? { maybePostedSince: prior.maybePostedSince } : {}),
              ...(prior.maybePostedAt ? { maybePostedAt: prior.maybePostedAt } : {}),
              ...(prior.beforeSend ? { beforeSend: prior.beforeSend } : {}),
            });
            return ts;
          });
        },
      };

      try {
        if ((def.action || def.actionOf) && options.authorize) {
          const svc = jobServices.get(def.name)!;
          const action = def.actionOf?.(parsed.data, svc) ?? def.action!;
          const devices = def.devicesOf?.(parsed.data, svc) ?? [];
          await options.authorize({ jobName: job.name, action, devices, ...(origin ? { origin } : {}) });
        }
        result = await Promise.race([def.process(parsed.data, ctx), deadline]);
      } catch (err) {
        if (isNetopsError(err) && err.code === ErrorCode.JOB_LOCK_LOST) throw err;
        const retry = isTransient(err) && attempt < maxAttempts && !controller.signal.aborted;
        jlog.warn({ err, retry }, 'job failed');
        if (retry) {
          options.onRetry?.(job.name);
          await edit('retrying', `${userText(err)} Retrying (attempt ${attempt + 1} of ${maxAttempts}).`);
          throw err;
        }
        if (timedOut)
          return fail(
            `The job was stopped after ${seconds(def.timeoutMs ?? 0)} without finishing. Try a narrower request, or try again later.`,
            ErrorCode.JOB_TIMEOUT,
          );
        return fail(userText(err), isNetopsError(err) ? err.code : ErrorCode.INTERNAL);
      } finally {
        clearTimeout(timer);
        running.delete(jobId);
      }
      // Kept before posting: from here on a crash leads to delivery, never to a second run.
      if (origin) await store.saveResult(result);
    }

    if (origin) {
      try {
        await poster.result(origin, result, store.ledger);
      } catch (err) {
        // Another worker took the job over (this one stalled): it delivers; this one just stops.
        if (isNetopsError(err) && err.code === ErrorCode.JOB_LOCK_LOST) {
          jlog.warn('lost the job to another worker before posting; leaving delivery to it');
          throw err;
        }
        const sentence = `The job finished but its result could not be posted: ${userText(err)}`;
        jlog.warn({ err }, 'result delivery failed');
        if (isTransient(err) && attempt < maxAttempts) {
          options.onRetry?.(job.name);
          await edit('retrying', `${sentence} Retrying (attempt ${attempt + 1} of ${maxAttempts}).`);
          throw new NetopsError(ErrorCode.SLACK_API, `could not post the result: ${(err as Error).message}`, {
            cause: err,
            context: { jobId },
          });
        }
        return fail(sentence, isNetopsError(err) ? err.code : ErrorCode.SLACK_API);
      }
    }
    // Audit before the final edit: whoever sees "done" in Slack finds the audit row complete.
    // Both are safe to repeat, so a retry after a crash here simply does them again.
    if (audited) {
      await safely('audit', () =>
        audited.jobFinished(jobId, result.ok === false ? 'failed' : 'done', result.summary, undefined, true),
      );
    }
    await edit(result.ok === false ? 'failed' : 'done', result.summary, true);
    options.onFinished?.(job.name, result.ok === false ? 'failed' : 'done', Date.now() - started);
    return result.summary;
  };

  /**
   * A job whose worker died more than maxStalledCount times is failed by BullMQ without reaching
   * the processor: tell the person who asked, and close its audit row, here instead.
   */
  const onStalledOut = async (job: Job) => {
    // After a Redis failover the job's completion can be lost with the old master while its result
    // reached Slack: the delivery record says so, and the person keeps the "done" they saw.
    const delivered = await createDeliveryStore(redis, options.prefix, job.id!)
      .ledger.get('result')
      .catch(() => undefined);
    if (delivered?.state === 'done') {
      log.warn({ jobId: job.id, job: job.name }, 'stalled out after its result was delivered; left as done');
      return;
    }
    const env = envelopeSchema.safeParse(job.data);
    const origin = env.success ? env.data.origin : undefined;
    const def = defs.get(job.name);
    const payload = def && env.success ? def.schema.safeParse(env.data.payload) : undefined;
    const what = def?.describe && payload?.success ? def.describe(payload.data) : `\`${job.name}\``;
    const times = job.stalledCounter ?? 1;
    const sentence = `The worker running this job died ${times === 1 ? 'once' : `${times} times`} before it finished, so it was not tried again (this can be a job that crashes its worker). Check the worker logs for job ${job.id}.`;
    if (audit && (origin?.audited || origin?.auditId))
      await safely('audit', () => audit.jobFinished(job.id!, 'failed', sentence, ErrorCode.JOB_STALLED));
    if (origin?.messageTs) {
      const messageTs = origin.messageTs;
      await safely('progress', () =>
        poster.progress(
          { ...origin, messageTs },
          {
            state: 'failed',
            what,
            jobId: job.id!,
            ...(origin.userId ? { userId: origin.userId } : {}),
            detail: sentence,
            elapsedMs: Date.now() - job.timestamp,
          },
        ),
      );
    }
    options.onFinished?.(job.name, 'failed', Date.now() - job.timestamp);
  };

  const workers = queueNames.map((name) => {
    const w = new Worker(name, processor, {
      connection: redis,
      prefix: options.prefix,
      concurrency: options.queueConcurrency?.[name] ?? options.concurrency ?? 8,
      lockDuration: options.lockDurationMs ?? DEFAULT_LOCK_DURATION_MS,
      stalledInterval: options.stalledIntervalMs ?? DEFAULT_STALLED_INTERVAL_MS,
      maxStalledCount: options.maxStalledCount ?? 2,
    });
    w.on('error', (err) => log.error({ err, queue: name }, 'worker error'));
    w.on('failed', (job, err) => {
      if (job && /stalled more than allowable limit/.test(err.message)) void onStalledOut(job);
    });
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
