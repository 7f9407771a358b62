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

/**
 * The port everything that talks to Slack goes through. Jobs and commands see only this;
 * the Bolt/Web API implementation lives in src/slack/responder.ts, a recording fake in tests.
 */
export interface Responder {
  post(dest: Destination, message: Message): Promise<{ ts: string }>;
  update(dest: Destination & { ts: string }, message: Message): Promise<void>;
  ephemeral(dest: Destination, user: string, message: Message): Promise<void>;
  upload(dest: Destination, files: FileUpload[]): Promise<void>;
}
