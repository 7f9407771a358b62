import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import type { RedisClient } from '../redis.js';
import type { Envelope } from './envelope.js';
import { DEFAULT_QUEUE, jobOptions } from './producer.js';
import type { JobDefinition } from './types.js';

/** One repeating job the inventory wants. `id` is stable per device and purpose (`poll:core1`). */
export interface DesiredSchedule {
  id: string;
  jobName: string;
  data: unknown;
  every: number;
  /** Phase within the period, so a fleet is not polled in one burst. */
  offsetMs?: number;
}

export interface ScheduleInfo {
  id: string;
  queue: string;
  jobName: string;
  every?: number;
  offsetMs?: number;
  data: unknown;
  next?: number;
}

export interface ReconcileSchedulesResult {
  added: string[];
  updated: string[];
  removed: string[];
  unchanged: number;
}

export interface Scheduler {
  /** Adds, updates and removes managed schedulers so that exactly `desired` exist. */
  reconcile(desired: readonly DesiredSchedule[]): Promise<ReconcileSchedulesResult>;
  list(): Promise<ScheduleInfo[]>;
  close(): Promise<void>;
}

export interface SchedulerOptions {
  connection: RedisClient;
  prefix: string;
  /** Job definitions: which queue each job runs on and its retry options. */
  jobs: readonly JobDefinition[];
  /**
   * Ids this scheduler owns. Schedulers outside them (someone else's) are never removed.
   * Defaults to `poll:`, `config.backup:` and `maint:` ids.
   */
  owns?: (id: string) => boolean;
  /** How long the reconcile lock lasts if its holder dies (renewed while it runs). Default 30 s. */
  lockMs?: number;
}

const DEFAULT_OWNED = /^(poll|config\.backup|maint):/;

/**
 * A BullMQ job-scheduler reconciler. Desired state in, minimal changes out: a scheduler whose
 * job, data, interval and phase already match is left alone (upserting it would reset its next run).
 */
export function createScheduler(options: SchedulerOptions): Scheduler {
  const defs = new Map(options.jobs.map((j) => [j.name, j] as const));
  const owns = options.owns ?? ((id: string) => DEFAULT_OWNED.test(id));
  const queues = new Map<string, Queue>();
  const queue = (name: string) => {
    let q = queues.get(name);
    if (!q) {
      q = new Queue(name, { connection: options.connection, prefix: options.prefix });
      q.on('error', () => {});
      queues.set(name, q);
    }
    return q;
  };
  const queueOf = (jobName: string) => defs.get(jobName)?.queue ?? DEFAULT_QUEUE;
  const allQueues = () => [...new Set([...options.jobs.map((j) => j.queue ?? DEFAULT_QUEUE), DEFAULT_QUEUE])];

  async function list(): Promise<ScheduleInfo[]> {
    const out: ScheduleInfo[] = [];
    for (const name of allQueues()) {
      const all = await queue(name).getJobSchedulers(0, -1, true);
      for (const s of all) {
        const id = s.key ?? s.id;
        if (!id) continue;
        const env = s.template?.data as Envelope | undefined;
        out.push({
          id,
          queue: name,
          jobName: s.name,
          ...(s.every !== undefined ? { every: Number(s.every) } : {}),
          ...(s.offset !== undefined ? { offsetMs: Number(s.offset) } : {}),
          data: env?.payload,
          ...(s.next !== undefined ? { next: Number(s.next) } : {}),
        });
      }
    }
    return out;
  }

  /**
   * Workers reconcile the same inventory, and they start together (a deploy, a host reboot).
   * Without a lock two of them can both see a schedule missing and both upsert it, the second
   * moving the first one's next run. Held in Redis beside the queues (one key under the prefix,
   * so it lives in the queues' slot on a Cluster), renewed while held, and let go by its owner only.
   */
  const lockKey = `${options.prefix}:netops:schedules:lock`;
  const lockMs = options.lockMs ?? 30_000;
  const RELEASE =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";
  const RENEW =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0";
  async function locked<T>(fn: () => Promise<T>): Promise<T> {
    const token = randomBytes(8).toString('hex');
    for (;;) {
      if (await options.connection.set(lockKey, token, 'PX', lockMs, 'NX')) break;
      await new Promise((r) => setTimeout(r, 50 + Math.random() * 100));
    }
    const renew = setInterval(() => {
      options.connection.eval(RENEW, 1, lockKey, token, lockMs).catch(() => {});
    }, lockMs / 3);
    try {
      return await fn();
    } finally {
      clearInterval(renew);
      await options.connection.eval(RELEASE, 1, lockKey, token).catch(() => {});
    }
  }

  return {
    list,
    reconcile: (desired) => locked(() => reconcileNow(desired)),
    async close() {
      await Promise.all([...queues.values()].map((q) => q.close()));
      queues.clear();
    },
  };

  async function reconcileNow(desired: readonly DesiredSchedule[]): Promise<ReconcileSchedulesResult> {
    const result: ReconcileSchedulesResult = { added: [], updated: [], removed: [], unchanged: 0 };
    const current = new Map((await list()).filter((s) => owns(s.id)).map((s) => [s.id, s] as const));
    const wanted = new Map(desired.map((d) => [d.id, d] as const));
    for (const d of wanted.values()) {
      const def = defs.get(d.jobName);
      const parsed = def ? def.schema.parse(d.data) : d.data;
      const q = queueOf(d.jobName);
      const have = current.get(d.id);
      const offset = d.offsetMs ? d.offsetMs % d.every : 0;
      const same =
        have &&
        have.queue === q &&
        have.jobName === d.jobName &&
        have.every === d.every &&
        // without an explicit phase BullMQ picks its own; only a phase we asked for is compared
        (offset === 0 || (have.offsetMs ?? 0) === offset) &&
        JSON.stringify(have.data) === JSON.stringify(parsed);
      if (same) {
        result.unchanged++;
        continue;
      }
      // Moving queues means a new scheduler on the new queue and none on the old.
      if (have && have.queue !== q) await queue(have.queue).removeJobScheduler(d.id);
      const envelope: Envelope = { payload: parsed, enqueuedAt: Date.now() };
      const base = def ? jobOptions(def) : {};
      await queue(q).upsertJobScheduler(
        d.id,
        { every: d.every, ...(offset ? { offset } : {}) },
        { name: d.jobName, data: envelope, opts: base as Record<string, unknown> },
      );
      (have ? result.updated : result.added).push(d.id);
    }
    for (const [id, s] of current) {
      if (wanted.has(id)) continue;
      await queue(s.queue).removeJobScheduler(id);
      result.removed.push(id);
    }
    return result;
  }
}
