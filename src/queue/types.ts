import type { Logger } from 'pino';
import type { z } from 'zod';
import type { Destination, JobOrigin, JobResult, Message } from '../chat/index.js';

/**
 * The services a job may name in `needs`, keyed by name. The queue knows none of them: the
 * service table (src/services/index.ts) says what each key is, the composition root builds them,
 * and a job sees exactly the keys it asked for.
 */
export type ServiceMap = Record<string, unknown>;

export interface JobContext<Svc = ServiceMap> {
  jobId: string;
  attempt: number;
  /** Where the request came from, if a person asked for it. */
  origin?: JobOrigin;
  signal: AbortSignal;
  /** Exactly the services the job declared in `needs`. */
  services: Svc;
  log: Logger;
  /** Edit the progress message with a short status line ("3/50 devices…"). */
  progress(text: string): Promise<void>;
  /** Post something in the origin channel/thread now (not the final result). */
  say(message: Message): Promise<void>;
}

export interface JobDefinition<S extends z.ZodType = z.ZodType, Svc = ServiceMap> {
  name: string;
  /** Queue this job runs on; defaults to 'default'. Device-heavy work uses 'devices'. */
  queue?: string;
  /** Service keys this job uses. The job host refuses to start when one is missing in its role. */
  needs: readonly string[];
  schema: S;
  attempts?: number;
  /** Exponential backoff base delay in ms. */
  backoffMs?: number;
  /** Aborts the job's signal after this long. */
  timeoutMs?: number;
  /** Short description for the progress message ("backup of core1"). */
  describe?(data: z.infer<S>): string;
  /**
   * The policy action this job performs (a name the composition root's policy knows; the queue
   * knows no policy). The worker decides it again on the requesting user before running anything
   * that changes a device or the inventory: a job in Redis proves nothing about who asked.
   */
  action?: string;
  /** When the action depends on the data or configuration (`discover` with autoAdd adds devices). */
  actionOf?(data: z.infer<S>, services: Svc): string;
  /** The devices the job touches, for that decision (device scopes). */
  devicesOf?(data: z.infer<S>, services: Svc): JobDevice[];
  process(data: z.infer<S>, ctx: JobContext<Svc>): Promise<JobResult>;
}

/** What a device scope is decided on, as plain data. */
export interface JobDevice {
  name: string;
  site?: string | undefined;
  role?: string | undefined;
  tags?: readonly string[] | undefined;
}

export interface EnqueueOptions {
  origin?: JobOrigin;
  jobId?: string;
  delayMs?: number;
  priority?: number;
}

export type Enqueue = (
  jobName: string,
  data: unknown,
  options?: EnqueueOptions,
) => Promise<{ jobId: string }>;

export type { Destination, JobOrigin, JobResult, Message };
