/** Where a message goes: a channel, optionally a thread in it. */
export interface Destination {
  channel: string;
  threadTs?: string;
}

export interface Message {
  /** Fallback text; also what notifications show. */
  text: string;
  blocks?: unknown[];
}

export interface FileUpload {
  filename: string;
  content: Buffer | string;
  title?: string;
  /** Alt text for images (screen readers, and Slack shows it when the image cannot load). */
  altText?: string;
  /** Message posted with the file. */
  initialComment?: string;
}

export interface PostOptions {
  /**
   * Idempotency key, carried in the message's metadata. A keyed post that fails ambiguously (Slack
   * answered 5xx or not at all, maybe after posting) is looked up by its key before it is retried.
   */
  key?: string;
  /**
   * Set when an earlier attempt (perhaps in a process that died) may already have made this post,
   * started at this time (ms): the post is looked up by `key` first and made only if missing.
   */
  maybePostedSince?: number;
  /**
   * Set when an earlier attempt may already have made this post and recorded when it sent it (ms,
   * each try): the post is looked up by `key` only in a bounded window around each send (the
   * longest one call can take, plus clock skew), so a busy channel cannot push it out of reach.
   */
  maybePostedAt?: number[];
  /** Called (and awaited) right before each send of the post to Slack, e.g. to record when. */
  beforeSend?(): Promise<void>;
}

export interface UploadOptions {
  /** Called once the bytes are up, before the files are shared: what a retry needs to finish them. */
  onStaged?(fileIds: string[]): Promise<void>;
  /** File ids an earlier attempt uploaded: shares them if they are not yet, never uploads again. */
  staged?: string[];
}

/**
 * The port everything that talks to Slack goes through. Jobs and commands see only this;
 * the Bolt/Web API implementation lives in src/slack/responder.ts, a recording fake in tests.
 */
export interface Responder {
  post(dest: Destination, message: Message, options?: PostOptions): Promise<{ ts: string }>;
  update(dest: Destination & { ts: string }, message: Message): Promise<void>;
  ephemeral(dest: Destination, user: string, message: Message): Promise<void>;
  upload(dest: Destination, files: FileUpload[], options?: UploadOptions): Promise<void>;
}

/** Where a job's request came from, and what the job host needs to answer it there. */
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

/** What a job hands back; the poster turns it into messages (files when long). */
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

export type ProgressState = 'queued' | 'running' | 'retrying' | 'done' | 'failed';

export interface ProgressInfo {
  state: ProgressState;
  /** What is being done, e.g. "`devices core*`". */
  what: string;
  jobId: string;
  userId?: string;
  detail?: string;
  elapsedMs?: number;
}

/** What a delivery part's earlier attempts got to. */
export type PartRecord =
  | {
      state: 'started';
      at: number;
      fileIds?: string[];
      /**
       * When each try sent the post to Slack (ms, this side's clock): a post an attempt that died
       * may have made lies within a bounded window after one of these, which is all a retry reads.
       */
      sends?: number[];
    }
  | { state: 'done'; ts?: string };

/**
 * Remembers, per job, which parts of a delivery (the message, the files, each mid-job post) were
 * started and which reached Slack, so a retry in another process posts only what is missing.
 */
export interface DeliveryLedger {
  /** Idempotency key for a part, unique per job: carried in the message metadata. */
  key(part: string): string;
  get(part: string): Promise<PartRecord | undefined>;
  set(part: string, record: PartRecord): Promise<void>;
}

/**
 * How the job host talks back to people: edits of the one progress message, the final result,
 * and anything a job says on the way. Passed into the host by the composition root, so the
 * queue never knows how a message is drawn (src/chat/poster.ts draws Block Kit for Slack).
 */
export interface JobPoster {
  progress(origin: JobOrigin & { messageTs: string }, info: ProgressInfo): Promise<void>;
  /** With a ledger, a retry of the same job (after a crash anywhere in here) posts each part once. */
  result(origin: JobOrigin, result: JobResult, ledger?: DeliveryLedger): Promise<void>;
  say(origin: JobOrigin, message: Message, options?: PostOptions): Promise<{ ts: string }>;
}
