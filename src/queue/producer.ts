import { Queue } from 'bullmq';
import type { RedisClient, ReplicaConfirm } from '../redis.js';
import { ErrorCode, isNetopsError, NetopsError } from '../errors.js';
import { newJobId, type Envelope } from './envelope.js';
import type { Enqueue, JobDefinition } from './types.js';

export interface ProducerOptions {
  connection: RedisClient;
  prefix: string;
  jobs: readonly JobDefinition[];
  /**
   * Fail an enqueue after this long instead of hanging while Redis is away. A connection that is
   * reconnecting (Redis restarted a moment ago) is waited for within this time.
   */
  timeoutMs?: number;
  /** How long a command waits for a reconnecting Redis before it is refused. Default 3 s. */
  readyWaitMs?: number;
  /**
   * Jobs waiting in a queue beyond which a person's request (one with an origin) is refused with
   * a clear message instead of piling up behind the others; scheduled work is never refused.
   * Fan-out children are not counted: a person's request goes ahead of them.
   */
  maxDepth?: number;
  /**
   * A replica must have an enqueue before it is reported as queued (Sentinel; see ReplicaConfirm). Until then the
   * job is added again, by its id, on whichever master the connection now reaches; after
   * `confirmMs` (default 5 s) without a replica it stays queued on the master alone, logged.
   */
  replicas?: ReplicaConfirm;
  confirmMs?: number;
  onUnconfirmed?(jobId: string): void;
  /** A job whose add timed out (the person was told nothing started) landed late and was removed. */
  onWithdrawn?(jobId: string): void;
}

/** One wait per connection, however many enqueues are waiting on it (no listener per caller). */
const readyWaits = new WeakMap<RedisClient, Promise<void>>();

function readyWait(connection: RedisClient): Promise<void> {
  let wait = readyWaits.get(connection);
  if (!wait) {
    wait = new Promise<void>((resolve, reject) => {
      const settle = (err?: Error) => {
        connection.off('ready', onReady);
        connection.off('end', onEnd);
        readyWaits.delete(connection);
        if (err) reject(err);
        else resolve();
      };
      const onReady = () => settle();
      const onEnd = () => settle(new Error('Redis connection is closed'));
      connection.on('ready', onReady);
      connection.on('end', onEnd);
    });
    wait.catch(() => {}); // a caller may have stopped waiting; the rejection is theirs to see
    readyWaits.set(connection, wait);
  }
  return wait;
}

/** Resolves once the connection is ready, or rejects after ms (or at once if it was closed for good). */
export function whenReady(connection: RedisClient, ms: number): Promise<void> {
  if (connection.status === 'ready') return Promise.resolve();
  if (connection.status === 'end') return Promise.reject(new Error('Redis connection is closed'));
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    readyWait(connection),
    new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`Redis not reachable within ${ms} ms (connection ${connection.status})`)),
        ms,
      );
    }),
  ]).finally(() => clearTimeout(timer));
}

export interface Producer {
  enqueue: Enqueue;
  queue(name: string): Queue;
  close(): Promise<void>;
}

export const DEFAULT_QUEUE = 'default';

export function jobOptions(def: JobDefinition) {
  return {
    attempts: def.attempts ?? 3,
    backoff: { type: 'exponential', delay: def.backoffMs ?? 2_000 },
    removeOnComplete: { age: 86_400, count: 5_000 },
    removeOnFail: { age: 7 * 86_400 },
  };
}

export function createProducer(options: ProducerOptions): Producer {
  const defs = new Map(options.jobs.map((j) => [j.name, j] as const));
  const queues = new Map<string, Queue>();
  const timeoutMs = options.timeoutMs ?? 5_000;
  const readyWaitMs = Math.min(options.readyWaitMs ?? 3_000, timeoutMs);

  const queue = (name: string): Queue => {
    let q = queues.get(name);
    if (!q) {
      q = new Queue(name, { connection: options.connection, prefix: options.prefix });
      q.on('error', () => {}); // surfaced through the failing add() instead
      queues.set(name, q);
    }
    return q;
  };

  /** Until a replica has the job (see `replicas`): wait, and add it again where we now are. */
  const confirm = async (jobId: string, add: () => Promise<unknown>) => {
    const until = Date.now() + (options.confirmMs ?? 5_000);
    while (!(await options.replicas!.confirm(0))) {
      if (Date.now() > until) {
        options.onUnconfirmed?.(jobId);
        return;
      }
      await new Promise((r) => setTimeout(r, 100));
      try {
        await whenReady(options.connection, 1_000);
        await add();
      } catch {
        // still moving to the new master: try again
      }
    }
  };

  const enqueue: Enqueue = async (jobName, data, opts = {}) => {
    const def = defs.get(jobName);
    if (!def) throw new NetopsError(ErrorCode.JOB_UNKNOWN, `no job type ${jobName}`);
    // Validate before it ever reaches Redis: bad data is a bug in the caller, never worth a retry.
    const parsed = def.schema.safeParse(data);
    if (!parsed.success) {
      throw new NetopsError(ErrorCode.JOB_BAD_DATA, `bad data for ${jobName}: ${parsed.error.message}`, {
        context: { jobName },
      });
    }
    const jobId = opts.jobId ?? newJobId();
    const envelope: Envelope = {
      payload: parsed.data,
      enqueuedAt: Date.now(),
      ...(opts.origin ? { origin: opts.origin } : {}),
    };
    let timer: NodeJS.Timeout | undefined;
    const started = Date.now();
    try {
      // Reconnecting (Redis restarted a moment ago, or is away): wait for it within the timeout
      // rather than refusing a command that would go through a second later.
      await whenReady(options.connection, readyWaitMs);
      const queueName = def.queue ?? DEFAULT_QUEUE;
      if (options.maxDepth && opts.origin) {
        // What a person's job would wait behind: fan-out children (prioritised) are not counted,
        // since a job without a priority goes ahead of all of them (src/queue/fairness.ts).
        const waiting = await queue(queueName).getJobCountByTypes('waiting', 'delayed', 'waiting-children');
        if (waiting >= options.maxDepth) {
          throw new NetopsError(ErrorCode.QUEUE_FULL, `queue ${queueName} holds ${waiting} jobs`, {
            context: { jobId, queue: queueName, waiting, limit: options.maxDepth },
          });
        }
      }
      const left = Math.max(1, timeoutMs - (Date.now() - started));
      // Adding the same id again is a no-op in BullMQ: safe to repeat on a new master.
      const add = () =>
        queue(queueName).add(jobName, envelope, {
          ...jobOptions(def),
          jobId,
          ...(opts.delayMs ? { delay: opts.delayMs } : {}),
          ...(opts.priority ? { priority: opts.priority } : {}),
        });
      const adding = add();
      try {
        await Promise.race([
          adding,
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error(`enqueue timed out after ${timeoutMs} ms`)), left);
          }),
        ]);
      } catch (err) {
        // The person is told nothing was started, so an add that lands late (a slow or paused Redis,
        // a command resent after a reconnect) is taken back the moment it lands, before a worker
        // can take it.
        void adding
          .then(() => queue(queueName).remove(jobId))
          .then((removed) => {
            if (removed) options.onWithdrawn?.(jobId);
          })
          .catch(() => {});
        throw err;
      }
      if (options.replicas) await confirm(jobId, add);
    } catch (err) {
      if (isNetopsError(err)) throw err;
      throw new NetopsError(
        ErrorCode.QUEUE_UNAVAILABLE,
        `could not enqueue ${jobName}: ${(err as Error).message}`,
        {
          cause: err,
          context: { jobId },
          userMessage: 'The job queue (Redis) is not reachable, so nothing was started.',
          hint: 'Try again in a minute; if it persists, check Redis (REDIS_URL).',
        },
      );
    } finally {
      clearTimeout(timer);
    }
    return { jobId };
  };

  return {
    enqueue,
    queue,
    async close() {
      await Promise.all([...queues.values()].map((q) => q.close().catch(() => {})));
    },
  };
}
