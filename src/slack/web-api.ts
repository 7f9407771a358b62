import { LogLevel, type WebAPICallResult, WebClient } from '@slack/web-api';
import { ErrorCode, slackErrorCode } from '../errors.js';

/**
 * Calls to Slack's Web API with our own retry rules instead of WebClient's:
 *
 * - A 429 holds back only the calls it applies to. Slack limits chat.postMessage per channel and
 *   other methods per method, so a 429 delays later calls of that method (and channel), for the
 *   Retry-After it gave; WebClient would pause every call of the process instead.
 * - A 5xx, a timeout or a dropped connection is ambiguous: Slack may have done the work and lost
 *   only the answer (a post that is then made twice). A call that can look for its own effect
 *   (`recover`) does so before it is made again.
 * - Errors Slack answers with `ok: false` (channel_not_found, invalid_blocks, …) are final.
 */
export interface SlackCallerOptions {
  /** Tries for ambiguous failures (5xx, timeouts, network), the first included. Default 5. */
  attempts?: number;
  /** First backoff after an ambiguous failure; doubles up to maxBackoffMs. */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** Stop waiting out rate limits after this long in all for one call. Default 10 minutes. */
  rateLimitBudgetMs?: number;
  /** Telemetry hook: one call per 429, per ambiguous failure, and per duplicate avoided. */
  onEvent?(event: SlackCallEvent): void;
  sleep?(ms: number): Promise<void>;
}

export interface SlackCallEvent {
  method: string;
  /**
   * ratelimited: a 429; error: a 5xx, timeout or dropped connection; recovered: a failed post found
   * made after all; retry: the call sent again; refused: Slack said no for good (`error` names why).
   */
  kind: 'ratelimited' | 'error' | 'recovered' | 'retry' | 'refused';
  /** Retry-After in seconds for `ratelimited`. */
  retryAfterSec?: number;
  /** Slack's error name for `refused` (channel_not_found, invalid_auth, …). */
  error?: string;
}

export interface CallOptions {
  /** The channel the call is about: rate limits for chat.* and file sharing apply per channel. */
  channel?: string;
  /**
   * After an ambiguous failure: looks for the call's effect (the posted message, the shared file)
   * and returns a result standing for it, or undefined to make the call again.
   */
  recover?(): Promise<WebAPICallResult | undefined>;
  /** Awaited right before each send (the first and every retry), e.g. to record when it went out. */
  beforeSend?(): Promise<void>;
}

export interface SlackCaller {
  readonly client: WebClient;
  call(method: string, args: Record<string, unknown>, options?: CallOptions): Promise<WebAPICallResult>;
  /** How long calls under this method (and channel) are held back now, in ms (0 when free). */
  heldFor(method: string, channel?: string): number;
}

/** Methods Slack rate-limits per channel (chat.postMessage's 1 per second per channel, and kin). */
const PER_CHANNEL = new Set([
  'chat.postMessage',
  'chat.update',
  'chat.postEphemeral',
  'chat.delete',
  'files.completeUploadExternal',
  'conversations.history',
  'conversations.replies',
]);

interface SlackErrorShape {
  code?: string;
  retryAfter?: number;
  statusCode?: number;
  data?: { error?: string };
}

type Outcome = { kind: 'ratelimited'; retryAfterSec: number } | { kind: 'ambiguous' } | { kind: 'final' };

function classify(err: unknown): Outcome {
  const e = err as SlackErrorShape;
  switch (e.code) {
    case 'slack_webapi_rate_limited_error':
      return { kind: 'ratelimited', retryAfterSec: e.retryAfter ?? 1 };
    case 'slack_webapi_platform_error':
      if (e.data?.error === 'ratelimited') return { kind: 'ratelimited', retryAfterSec: 1 };
      // Failed on Slack's side (the error table says so): whether it did the work is unknown.
      return slackErrorCode(e.data?.error ?? '') === ErrorCode.SLACK_API
        ? { kind: 'ambiguous' }
        : { kind: 'final' };
    case 'slack_webapi_http_error':
      return (e.statusCode ?? 500) >= 500 ? { kind: 'ambiguous' } : { kind: 'final' };
    case 'slack_webapi_request_error':
      return { kind: 'ambiguous' };
    default:
      return { kind: 'final' };
  }
}

/**
 * A WebClient that leaves retries and rate limits to the caller above: no retries of its own
 * (they would repeat a post Slack already made) and 429s handed back instead of pausing its queue.
 */
export function createSlackClient(
  token: string | undefined,
  options: { apiUrl?: string; timeoutMs?: number } = {},
) {
  return new WebClient(token, {
    ...(options.apiUrl ? { slackApiUrl: options.apiUrl } : {}),
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    // Its warnings are about failures the caller above retries and counts; they are not news.
    logLevel: LogLevel.ERROR,
    // A call that hangs is treated as ambiguous and looked up, rather than waited on forever.
    timeout: options.timeoutMs ?? 20_000,
  });
}

export function createSlackCaller(client: WebClient, options: SlackCallerOptions = {}): SlackCaller {
  const attempts = options.attempts ?? 5;
  const backoffMs = options.backoffMs ?? 250;
  const maxBackoffMs = options.maxBackoffMs ?? 5_000;
  const budgetMs = options.rateLimitBudgetMs ?? 600_000;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  /** Rate-limit key → time (ms) before which no call under it is sent. */
  const heldUntil = new Map<string, number>();

  const keyOf = (method: string, channel?: string) =>
    PER_CHANNEL.has(method) && channel ? `${method} ${channel}` : method;

  const heldFor = (method: string, channel?: string) => {
    const key = keyOf(method, channel);
    const until = heldUntil.get(key) ?? 0;
    const left = until - Date.now();
    if (left <= 0 && until) heldUntil.delete(key);
    return Math.max(0, left);
  };

  async function call(method: string, args: Record<string, unknown>, opts: CallOptions = {}) {
    const key = keyOf(method, opts.channel);
    const started = Date.now();
    let failures = 0;
    for (let sent = 0; ; sent++) {
      if (sent > 0) options.onEvent?.({ method, kind: 'retry' });
      const wait = heldFor(method, opts.channel);
      if (wait > 0) await sleep(wait);
      // Outside the try: a send that cannot be recorded is not made (the hook's error is final).
      await opts.beforeSend?.();
      try {
        return await client.apiCall(method, args);
      } catch (err) {
        const outcome = classify(err);
        if (outcome.kind === 'final') {
          const e = err as SlackErrorShape;
          options.onEvent?.({
            method,
            kind: 'refused',
            error: e.data?.error ?? (e.statusCode ? `http_${e.statusCode}` : 'unknown'),
          });
          throw err;
        }
        if (outcome.kind === 'ratelimited') {
          options.onEvent?.({ method, kind: 'ratelimited', retryAfterSec: outcome.retryAfterSec });
          const until = Date.now() + outcome.retryAfterSec * 1000;
          heldUntil.set(key, Math.max(heldUntil.get(key) ?? 0, until));
          if (until - started > budgetMs) throw err;
          continue;
        }
        options.onEvent?.({ method, kind: 'error' });
        failures++;
        // Before anything else: did the failed call in fact happen?
        if (opts.recover) {
          const found = await opts.recover();
          if (found) {
            options.onEvent?.({ method, kind: 'recovered' });
            return found;
          }
        }
        if (failures >= attempts) throw err;
        await sleep(Math.min(backoffMs * 2 ** (failures - 1), maxBackoffMs));
      }
    }
  }

  return { client, call, heldFor };
}
