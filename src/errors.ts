/**
 * One table of error codes. Every error the product raises on purpose is a NetopsError with one of
 * these codes; `userMessage` is what a person in Slack sees (a sentence and what to do next),
 * `context` and `cause` are what the logs keep.
 */
export const ErrorCode = {
  // configuration and input
  CONFIG_INVALID: 'NETOPS_CONFIG_INVALID',
  BAD_ARGS: 'NETOPS_BAD_ARGS',
  UNKNOWN_COMMAND: 'NETOPS_UNKNOWN_COMMAND',
  UNKNOWN_DEVICE: 'NETOPS_UNKNOWN_DEVICE',
  FORBIDDEN: 'NETOPS_FORBIDDEN',
  COMMAND_NOT_ALLOWED: 'NETOPS_COMMAND_NOT_ALLOWED',
  // Slack transport
  SLACK_BAD_SIGNATURE: 'NETOPS_SLACK_BAD_SIGNATURE',
  SLACK_STALE_REQUEST: 'NETOPS_SLACK_STALE_REQUEST',
  SLACK_BAD_REQUEST: 'NETOPS_SLACK_BAD_REQUEST',
  SLACK_API: 'NETOPS_SLACK_API',
  // queue
  JOB_BAD_DATA: 'NETOPS_JOB_BAD_DATA',
  JOB_UNKNOWN: 'NETOPS_JOB_UNKNOWN',
  QUEUE_UNAVAILABLE: 'NETOPS_QUEUE_UNAVAILABLE',
  /** The job's worker died more times than maxStalledCount allows; not retried again. */
  JOB_STALLED: 'NETOPS_JOB_STALLED',
  // storage
  DB_UNAVAILABLE: 'NETOPS_DB_UNAVAILABLE',
  MIGRATION_FAILED: 'NETOPS_MIGRATION_FAILED',
  NOT_FOUND: 'NETOPS_NOT_FOUND',
  // devices
  DEVICE_UNREACHABLE: 'NETOPS_DEVICE_UNREACHABLE',
  DEVICE_TIMEOUT: 'NETOPS_DEVICE_TIMEOUT',
  AUTH_DENIED: 'NETOPS_AUTH_DENIED',
  HOST_KEY_MISMATCH: 'NETOPS_HOST_KEY_MISMATCH',
  CREDENTIAL_MISSING: 'NETOPS_CREDENTIAL_MISSING',
  DEVICE_COMMAND_FAILED: 'NETOPS_DEVICE_COMMAND_FAILED',
  DEVICE_PROTOCOL: 'NETOPS_DEVICE_PROTOCOL',
  // snmp
  SNMP_TIMEOUT: 'NETOPS_SNMP_TIMEOUT',
  SNMP_ERROR: 'NETOPS_SNMP_ERROR',
  // everything else
  INTERNAL: 'NETOPS_INTERNAL',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export interface ErrorContext {
  device?: string;
  command?: string;
  jobId?: string;
  [key: string]: unknown;
}

/** Codes that a retry can fix (network blips, a busy device). Everything else fails at once. */
const TRANSIENT: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  ErrorCode.DEVICE_UNREACHABLE,
  ErrorCode.DEVICE_TIMEOUT,
  ErrorCode.QUEUE_UNAVAILABLE,
  ErrorCode.DB_UNAVAILABLE,
  ErrorCode.SLACK_API,
  ErrorCode.SNMP_TIMEOUT,
]);

export interface NetopsErrorOptions {
  context?: ErrorContext;
  cause?: unknown;
  /** Sentence shown in Slack; defaults to the message. */
  userMessage?: string;
  /** What the user can do next. */
  hint?: string;
}

export class NetopsError extends Error {
  readonly code: ErrorCode;
  readonly context: ErrorContext;
  readonly userMessage: string;
  readonly hint?: string;

  constructor(code: ErrorCode, message: string, options: NetopsErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'NetopsError';
    this.code = code;
    this.context = options.context ?? {};
    this.userMessage = options.userMessage ?? message;
    if (options.hint !== undefined) this.hint = options.hint;
  }

  get transient(): boolean {
    return TRANSIENT.has(this.code);
  }

  /** One line for Slack: the sentence plus the hint. Never a stack trace. */
  toUserText(): string {
    return this.hint ? `${this.userMessage} ${this.hint}` : this.userMessage;
  }
}

export function isNetopsError(err: unknown): err is NetopsError {
  return err instanceof NetopsError;
}

/** What a user sees for any error: a NetopsError's sentence, or a generic line that names the code. */
export function userText(err: unknown): string {
  if (isNetopsError(err)) return err.toUserText();
  return 'Something went wrong inside netops-bot (NETOPS_INTERNAL). The details are in the worker log.';
}

/** Lets callers throw for a known-transient condition without picking a code. */
export function isTransient(err: unknown): boolean {
  if (isNetopsError(err)) return err.transient;
  const code = (err as { code?: unknown } | null)?.code;
  return (
    typeof code === 'string' &&
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', '57P01'].includes(
      code,
    )
  );
}
