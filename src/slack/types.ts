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
