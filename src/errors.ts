/**
 * One table of error codes. Every error the product raises on purpose is a NetopsError with one of
 * these codes; `userMessage` is what a person in chat sees (a sentence and what to do next; the
 * ERRORS table below gives every code a default), `context` and `cause` are what the logs keep.
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
  /** Slack failed on its side (5xx, timeout, rate limit outlasting its budget): retried. */
  SLACK_API: 'NETOPS_SLACK_API',
  /** The channel does not exist, is archived, or the bot is not in it: a retry cannot fix it. */
  SLACK_CHANNEL: 'NETOPS_SLACK_CHANNEL',
  /** Slack refused the bot's token (invalid, revoked, missing a scope): a retry cannot fix it. */
  SLACK_AUTH: 'NETOPS_SLACK_AUTH',
  /** Slack refused the call itself (invalid blocks, message gone, …): a retry cannot fix it. */
  SLACK_REJECTED: 'NETOPS_SLACK_REJECTED',
  // queue
  JOB_BAD_DATA: 'NETOPS_JOB_BAD_DATA',
  JOB_UNKNOWN: 'NETOPS_JOB_UNKNOWN',
  JOB_TIMEOUT: 'NETOPS_JOB_TIMEOUT',
  QUEUE_UNAVAILABLE: 'NETOPS_QUEUE_UNAVAILABLE',
  /** The queue holds limits.queueDepth jobs already: a person's request is refused, not piled on. */
  QUEUE_FULL: 'NETOPS_QUEUE_FULL',
  /** A person sent more than limits.commandsPerMinute commands in a minute. */
  RATE_LIMITED: 'NETOPS_RATE_LIMITED',
  /** The job's worker died more times than maxStalledCount allows; not retried again. */
  JOB_STALLED: 'NETOPS_JOB_STALLED',
  /** This attempt's lock lapsed and another worker has the job: this one stops without posting. */
  JOB_LOCK_LOST: 'NETOPS_JOB_LOCK_LOST',
  // storage
  DB_UNAVAILABLE: 'NETOPS_DB_UNAVAILABLE',
  MIGRATION_FAILED: 'NETOPS_MIGRATION_FAILED',
  NOT_FOUND: 'NETOPS_NOT_FOUND',
  // devices
  DEVICE_UNREACHABLE: 'NETOPS_DEVICE_UNREACHABLE',
  DEVICE_DISABLED: 'NETOPS_DEVICE_DISABLED',
  DEVICE_TIMEOUT: 'NETOPS_DEVICE_TIMEOUT',
  /** Every SSH session limits.sessionsPerDevice allows (across all workers) stayed in use. */
  DEVICE_BUSY: 'NETOPS_DEVICE_BUSY',
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

/** How one code reads to a person, and whether a retry can fix it. */
export interface ErrorInfo {
  /** The sentence a person sees when the thrower gave none; may use the error's context. */
  user(context: ErrorContext): string;
  /** What the person can do next. */
  hint?: string;
  /** A retry can fix it (network blips, a busy device); everything else fails at once. */
  transient: boolean;
}

const dev = (c: ErrorContext, fallback = 'The device') =>
  typeof c.device === 'string' ? `\`${c.device}\`` : fallback;

/**
 * One row per code. Developer text (the Error's message) never reaches chat: a throw without its
 * own `userMessage` shows this sentence, and the message stays in the logs.
 */
export const ERRORS: { readonly [K in ErrorCode]: ErrorInfo } = {
  NETOPS_CONFIG_INVALID: {
    user: () => 'The netops-bot configuration is invalid.',
    hint: 'The problems are listed in the log; fix netops.yaml or the environment and restart.',
    transient: false,
  },
  NETOPS_BAD_ARGS: {
    user: () => 'That request has an argument netops-bot cannot use.',
    hint: 'See `help <command>` for the arguments it takes.',
    transient: false,
  },
  NETOPS_UNKNOWN_COMMAND: {
    user: () => 'There is no such command.',
    hint: 'Try `help` for the list.',
    transient: false,
  },
  NETOPS_UNKNOWN_DEVICE: {
    user: (c) => `${dev(c, 'That device')} is not in the inventory.`,
    hint: 'Try `devices` to list what is there.',
    transient: false,
  },
  NETOPS_FORBIDDEN: {
    user: () => 'You are not allowed to do that here.',
    hint: 'Ask a netops admin if you need it.',
    transient: false,
  },
  NETOPS_COMMAND_NOT_ALLOWED: {
    user: () => 'That device command is not on the read-only list.',
    hint: 'Only show-style commands run from chat.',
    transient: false,
  },
  NETOPS_SLACK_BAD_SIGNATURE: {
    user: () => 'The request did not carry a valid Slack signature.',
    transient: false,
  },
  NETOPS_SLACK_STALE_REQUEST: {
    user: () => 'The request was too old to be trusted.',
    transient: false,
  },
  NETOPS_SLACK_BAD_REQUEST: {
    user: () => 'Slack sent a request netops-bot could not read.',
    transient: false,
  },
  NETOPS_SLACK_API: {
    user: () => 'Slack did not accept a message from netops-bot.',
    hint: 'It is retried; if it keeps failing, check the bot token and that the bot is in the channel.',
    transient: true,
  },
  NETOPS_SLACK_CHANNEL: {
    user: () =>
      'Slack will not let netops-bot post in that channel: it does not exist, is archived, or the bot is not a member.',
    hint: 'Invite the bot (`/invite @netops`) or fix the channel in netops.yaml, then ask again.',
    transient: false,
  },
  NETOPS_SLACK_AUTH: {
    user: () => 'Slack refused netops-bot’s token (invalid, revoked, or missing a permission).',
    hint: 'A Slack admin needs to check SLACK_BOT_TOKEN and the app’s scopes (reinstall the app if they changed).',
    transient: false,
  },
  NETOPS_SLACK_REJECTED: {
    user: () => 'Slack refused a message from netops-bot.',
    hint: 'The reason is in the worker log; please report it to the netops-bot maintainers.',
    transient: false,
  },
  NETOPS_JOB_BAD_DATA: {
    user: () => 'The job carried invalid data (a bug, not your input); it was not run.',
    hint: 'Please report it to the netops-bot maintainers.',
    transient: false,
  },
  NETOPS_JOB_UNKNOWN: {
    user: () => 'No worker here knows this kind of job, so it was not run.',
    hint: 'The bot and the workers may be on different versions: update the workers, then ask again.',
    transient: false,
  },
  NETOPS_JOB_STALLED: {
    user: () =>
      'The worker running this job stopped repeatedly before it finished, so it was not tried again.',
    hint: 'Check the workers (memory, restarts), then ask again.',
    transient: false,
  },
  NETOPS_JOB_LOCK_LOST: {
    user: () => 'The worker lost this job to another worker, which carries it on.',
    hint: 'Nothing to do: the result comes from the other worker.',
    transient: false,
  },
  NETOPS_JOB_TIMEOUT: {
    user: () => 'The job was stopped because it ran too long.',
    hint: 'Try a narrower request, or try again later.',
    transient: false,
  },
  NETOPS_QUEUE_UNAVAILABLE: {
    user: () => 'The job queue (Redis) is not reachable, so nothing was started.',
    hint: 'Try again in a minute; if it persists, check Redis (REDIS_URL).',
    transient: true,
  },
  NETOPS_QUEUE_FULL: {
    user: (c) =>
      `The ${c.queue ? `\`${String(c.queue)}\` ` : ''}job queue is full, so this request was not queued.`,
    hint: 'Try again in a few minutes; if it stays full, add workers or raise limits.queueDepth.',
    transient: false,
  },
  NETOPS_RATE_LIMITED: {
    user: (c) =>
      `You have sent more than ${String(c.limit ?? 'the allowed number of')} commands this minute.`,
    hint: 'Wait a moment and try again.',
    transient: false,
  },
  NETOPS_DB_UNAVAILABLE: {
    user: () => 'The database is not reachable right now.',
    hint: 'Try again in a minute; if it persists, check PostgreSQL (DATABASE_URL).',
    transient: true,
  },
  NETOPS_MIGRATION_FAILED: {
    user: () => 'The database schema could not be brought up to date.',
    hint: 'See the log of `netops-bot migrate`.',
    transient: false,
  },
  NETOPS_NOT_FOUND: {
    user: () => 'Nothing was found for that.',
    transient: false,
  },
  NETOPS_DEVICE_UNREACHABLE: {
    user: (c) => `${dev(c)} could not be reached.`,
    hint: 'Check that it is up and reachable from the worker; it is retried a few times.',
    transient: true,
  },
  NETOPS_DEVICE_DISABLED: {
    user: (c) => `${dev(c)} is disabled in the inventory.`,
    hint: 'Set `enabled: true` for it in netops.yaml to use it.',
    transient: false,
  },
  NETOPS_DEVICE_TIMEOUT: {
    user: (c) => `${dev(c)} did not answer in time.`,
    hint: 'It may be busy; it is retried a few times.',
    transient: true,
  },
  NETOPS_DEVICE_BUSY: {
    user: (c) =>
      `${dev(c)} already has as many SSH sessions from netops-bot as limits.sessionsPerDevice allows, and none came free in time.`,
    hint: 'Other jobs are using the device; it is retried a few times.',
    transient: true,
  },
  NETOPS_AUTH_DENIED: {
    user: (c) => `${dev(c)} refused the login.`,
    hint: 'Check the credential it uses in netops.yaml and its secret on the worker.',
    transient: false,
  },
  NETOPS_HOST_KEY_MISMATCH: {
    user: (c) =>
      `${dev(c)} presented a different SSH host key than the one on record, so netops-bot did not log in.`,
    hint: 'If the device was replaced, remove its entry from the known-hosts file; otherwise treat it as an incident.',
    transient: false,
  },
  NETOPS_CREDENTIAL_MISSING: {
    user: (c) => `The credential for ${dev(c, 'this device')} is not configured on the worker.`,
    hint: 'Set its NETOPS_CRED_<NAME>_… variables or an entry in the credentials file.',
    transient: false,
  },
  NETOPS_DEVICE_COMMAND_FAILED: {
    user: (c) => `${dev(c)} rejected the command.`,
    hint: 'Check the command syntax for this platform.',
    transient: false,
  },
  NETOPS_DEVICE_PROTOCOL: {
    user: (c) => `The session with ${dev(c, 'the device')} did not behave as expected.`,
    hint: 'Details are in the worker log.',
    transient: false,
  },
  NETOPS_SNMP_TIMEOUT: {
    user: (c) => `${dev(c)} did not answer SNMP in time.`,
    hint: 'Check its SNMP settings and that UDP/161 is reachable from the worker.',
    transient: true,
  },
  NETOPS_SNMP_ERROR: {
    user: (c) => `${dev(c)} answered SNMP with an error.`,
    hint: 'Check the SNMP credential and view on the device.',
    transient: false,
  },
  NETOPS_INTERNAL: {
    user: () => 'Something went wrong inside netops-bot (NETOPS_INTERNAL).',
    hint: 'The details are in the worker log.',
    transient: false,
  },
};

/**
 * What each error Slack answers with (`ok: false`, `error: <name>`) means for us. The server-side
 * ones leave it unknown whether Slack did the work: they are retried (and a post looked up first).
 * Everything else is final; a name not listed here is taken as a refusal of the call itself.
 */
const SLACK_ERROR_CODES: Readonly<Record<string, ErrorCode>> = {
  internal_error: ErrorCode.SLACK_API,
  fatal_error: ErrorCode.SLACK_API,
  service_unavailable: ErrorCode.SLACK_API,
  request_timeout: ErrorCode.SLACK_API,
  ratelimited: ErrorCode.SLACK_API,
  channel_not_found: ErrorCode.SLACK_CHANNEL,
  not_in_channel: ErrorCode.SLACK_CHANNEL,
  is_archived: ErrorCode.SLACK_CHANNEL,
  channel_is_archived: ErrorCode.SLACK_CHANNEL,
  restricted_action: ErrorCode.SLACK_CHANNEL,
  invalid_auth: ErrorCode.SLACK_AUTH,
  not_authed: ErrorCode.SLACK_AUTH,
  account_inactive: ErrorCode.SLACK_AUTH,
  token_revoked: ErrorCode.SLACK_AUTH,
  token_expired: ErrorCode.SLACK_AUTH,
  missing_scope: ErrorCode.SLACK_AUTH,
  no_permission: ErrorCode.SLACK_AUTH,
  not_allowed_token_type: ErrorCode.SLACK_AUTH,
  ekm_access_denied: ErrorCode.SLACK_AUTH,
};

/** The code for an error Slack answered with (`channel_not_found` → NETOPS_SLACK_CHANNEL). */
export function slackErrorCode(slackError: string): ErrorCode {
  return SLACK_ERROR_CODES[slackError] ?? ErrorCode.SLACK_REJECTED;
}

export interface NetopsErrorOptions {
  context?: ErrorContext;
  cause?: unknown;
  /** Sentence shown in chat; defaults to the code's sentence in ERRORS, never to the message. */
  userMessage?: string;
  /** What the user can do next; defaults to the code's hint (only when userMessage is defaulted too). */
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
    const info = ERRORS[code];
    this.userMessage = options.userMessage ?? info.user(this.context);
    // A thrower's own sentence may not fit the table's generic hint, so the hint follows the sentence.
    const hint = options.hint ?? (options.userMessage === undefined ? info.hint : undefined);
    if (hint !== undefined) this.hint = hint;
  }

  get transient(): boolean {
    return ERRORS[this.code].transient;
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
  const internal = ERRORS[ErrorCode.INTERNAL];
  return `${internal.user({})} ${internal.hint}`;
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
