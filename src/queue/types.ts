import type { z } from 'zod';
import type { Logger } from 'pino';
import type { Pool } from 'pg';
import type { Config } from '../config.js';
import type { ConfigsSettings } from '../configs/settings.js';
import type { DeviceService } from '../devices/types.js';
import type { Inventory } from '../inventory/index.js';
import type { MonitoringService } from '../snmp/service.js';
import type { Destination, FileUpload, Message, Responder } from '../slack/types.js';
import type { ChartRenderer } from '../charts/index.js';

/** What a job hands back; the job host turns it into Slack messages (files when long). */
export interface JobResult {
  /** One line: shown in the edited progress message and in the audit row. */
  summary: string;
  /** Body posted in the channel/thread; sent as a file when it is long. */
  text?: string;
  /** Monospace output (device output, configs, diffs): posted as a code block or a file. */
  code?: { content: string; filename: string; language?: string };
  blocks?: unknown[];
  files?: FileUpload[];
  /** Set when a partial failure happened (e.g. 3 of 50 devices failed). */
  ok?: boolean;
}

/**
 * Services a job can use. Each module adds its service here as it lands; the composition root
 * (src/main.ts) fills them. Optional services are absent in roles/tests that do not need them.
 */
export interface JobServices {
  config: Config;
  pool: Pool;
  inventory: Inventory;
  responder: Responder;
  /** Enqueue follow-up jobs (fan-out, scheduled work). */
  enqueue: Enqueue;
  log: Logger;
  clock: () => Date;
  /** SSH access to devices (worker roles); see src/devices. */
  devices?: DeviceService;
  /** Config tracking settings (secret marker, retention); see src/configs. Defaults apply when absent. */
  configs?: ConfigsSettings;
  /** SNMP polling, metrics storage, inventory reconcile and discovery (worker roles); see src/snmp. */
  monitoring?: MonitoringService;
  /** Chart renderer (one canvas per size, reused); see src/charts. The graph job makes one when absent. */
  charts?: ChartRenderer;
  [extra: string]: unknown;
}

export interface JobContext {
  jobId: string;
  attempt: number;
  /** Where the request came from, if a person asked for it. */
  origin?: JobOrigin;
  signal: AbortSignal;
  services: JobServices;
  log: Logger;
  /** Edit the progress message with a short status line ("3/50 devices…"). */
  progress(text: string): Promise<void>;
  /** Post something in the origin channel/thread now (not the final result). */
  say(message: Message): Promise<void>;
}

export interface JobOrigin extends Destination {
  /** The progress message the worker edits. */
  messageTs?: string;
  userId?: string;
  /** Audit row id (jobs queued by older versions). */
  auditId?: string;
  /** The request has an audit row (keyed by job id) that the job host keeps up to date. */
  audited?: boolean;
  /** Reply privately instead of in the channel. */
  ephemeral?: boolean;
}

export interface JobDefinition<S extends z.ZodType = z.ZodType> {
  name: string;
  /** Queue this job runs on; defaults to 'default'. Device-heavy work uses 'devices'. */
  queue?: string;
  schema: S;
  attempts?: number;
  /** Exponential backoff base delay in ms. */
  backoffMs?: number;
  /** Aborts the job's signal after this long. */
  timeoutMs?: number;
  /** Short description for the progress message ("backup of core1"). */
  describe?(data: z.infer<S>): string;
  process(data: z.infer<S>, ctx: JobContext): Promise<JobResult>;
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

export type { Destination, Message };
