import type { WebAPICallResult, WebClient } from '@slack/web-api';
import { ErrorCode, isNetopsError, NetopsError, slackErrorCode } from '../errors.js';
import {
  capBlocks,
  clip,
  type Destination,
  type FileUpload,
  type Message,
  type PostOptions,
  type Responder,
  SLACK_LIMITS,
  type UploadOptions,
} from '../chat/index.js';
import { createSlackCaller, type SlackCaller, type SlackCallerOptions } from './web-api.js';

/**
 * A failed call as a NetopsError. What Slack answered decides whether a retry can help: a missing
 * channel or a revoked token fails at once with the table's sentence; a 5xx or a timeout is retried.
 */
function slackError(method: string, err: unknown): NetopsError {
  const e = err as { code?: string; data?: { error?: string } };
  const said = e.code === 'slack_webapi_platform_error' ? e.data?.error : undefined;
  const detail = said ?? (err as Error).message;
  const code = said ? slackErrorCode(said) : ErrorCode.SLACK_API;
  return new NetopsError(code, `Slack ${method} failed: ${detail}`, {
    cause: err,
    context: { method, slackError: detail },
    // The table's sentence says what a permanent refusal means; a transient one names the call.
    ...(code === ErrorCode.SLACK_API ? { userMessage: `Slack refused ${method} (${detail}).` } : {}),
  });
}

// biome-ignore lint/suspicious/noExplicitAny: Block Kit types from @slack/types are too strict for our generic builders
type AnyBlocks = any[];

/** The metadata event type that marks a keyed post, so a retry can find it. */
export const POST_EVENT_TYPE = 'netops_post';
/** Slack's clock and ours differ (NTP keeps both close); every lookup window is widened by this. */
const CLOCK_SKEW_MS = 10_000;
/** A send's post is nearly always this soon after it went out: that slice is read first. */
const FIRST_SLICE_MS = 3_000;
/** Pages of 200 messages read for one lookup at most (conversations.history is tier 3: ~50/min). */
const LOOKUP_PAGES = 25;

/** When a post may have been made: between `from` and `to` (ms, this side's clock). */
interface Window {
  from: number;
  to: number;
}

/** Sorted, overlapping windows joined, each cut into slices to read most-likely first. */
export function lookupSlices(windows: Window[], skewMs = CLOCK_SKEW_MS): Window[] {
  const merged: Window[] = [];
  for (const w of [...windows].sort((a, b) => a.from - b.from)) {
    const last = merged.at(-1);
    if (last && w.from - skewMs <= last.to + skewMs) last.to = Math.max(last.to, w.to);
    else merged.push({ ...w });
  }
  return merged.flatMap((w) => {
    const head = { from: w.from - skewMs, to: Math.min(w.to, w.from + FIRST_SLICE_MS) + skewMs };
    return head.to >= w.to + skewMs ? [head] : [head, { from: head.to, to: w.to + skewMs }];
  });
}

/** Lookup refusals that mean "cannot tell": the post is then made again (at least once, not at most). */
const UNABLE_TO_LOOK = new Set(['missing_scope', 'not_in_channel', 'channel_not_found', 'thread_not_found']);

interface HistoryMessage {
  ts?: string;
  metadata?: { event_type?: string; event_payload?: { key?: unknown } };
}

/**
 * The Responder over Slack's Web API. Calls go through a SlackCaller: a 429 holds back only its
 * method and channel, and a post that failed ambiguously is looked up by its key before it is
 * made again, so neither a rate limit nor a 500-after-commit loses or doubles a message.
 * Pass a WebClient from createSlackClient (no retries of its own); `caller` options tune retries.
 */
export function createWebResponder(
  client: WebClient,
  options: SlackCallerOptions & {
    caller?: SlackCaller;
    /** The longest one send can take before it is given up (the WebClient's timeout; 20 s). */
    sendTimeoutMs?: number;
    /** How far Slack's clock may be from ours (10 s). */
    clockSkewMs?: number;
  } = {},
): Responder {
  const caller = options.caller ?? createSlackCaller(client, options);
  const sendTimeoutMs = options.sendTimeoutMs ?? 20_000;
  const skewMs = options.clockSkewMs ?? CLOCK_SKEW_MS;
  const body = (m: Message) => ({
    text: clip(m.text, SLACK_LIMITS.messageText),
    ...(m.blocks ? { blocks: capBlocks(m.blocks) as AnyBlocks } : {}),
  });

  /**
   * The ts of our message carrying `key`, made within one of `windows`, if Slack has it. Each
   * window is read with `oldest` and `latest` (so messages posted since, however many, are never
   * paged through), the slice right after the send first.
   */
  async function findPost(dest: Destination, key: string, windows: Window[]): Promise<string | undefined> {
    let pages = 0;
    for (const slice of lookupSlices(windows, skewMs)) {
      let cursor: string | undefined;
      do {
        if (pages++ >= LOOKUP_PAGES) return undefined;
        const args = {
          channel: dest.channel,
          oldest: (slice.from / 1000).toFixed(6),
          latest: (slice.to / 1000).toFixed(6),
          inclusive: true,
          limit: 200,
          include_all_metadata: true,
          ...(dest.threadTs ? { ts: dest.threadTs } : {}),
          ...(cursor ? { cursor } : {}),
        };
        let r: WebAPICallResult & { messages?: HistoryMessage[] };
        try {
          r = await caller.call(dest.threadTs ? 'conversations.replies' : 'conversations.history', args, {
            channel: dest.channel,
          });
        } catch (err) {
          // An app installed without the history scopes cannot look: post again rather than lose it.
          if (UNABLE_TO_LOOK.has((err as { data?: { error?: string } }).data?.error ?? '')) return undefined;
          throw err;
        }
        const hit = r.messages?.find(
          (m) => m.metadata?.event_type === POST_EVENT_TYPE && m.metadata.event_payload?.key === key,
        );
        if (hit?.ts) return hit.ts;
        cursor = r.response_metadata?.next_cursor || undefined;
      } while (cursor);
    }
    return undefined;
  }

  /** Whether an uploaded file is shared in the channel (the last step of an upload happened). */
  async function isShared(fileId: string, channel: string): Promise<boolean> {
    const r = (await caller.call('files.info', { file: fileId })) as WebAPICallResult & {
      file?: {
        channels?: string[];
        groups?: string[];
        ims?: string[];
        shares?: { public?: Record<string, unknown>; private?: Record<string, unknown> };
      };
    };
    const f = r.file;
    if (!f) return false;
    return (
      [...(f.channels ?? []), ...(f.groups ?? []), ...(f.ims ?? [])].includes(channel) ||
      Boolean(f.shares?.public?.[channel] ?? f.shares?.private?.[channel])
    );
  }

  async function putBytes(url: string, bytes: Buffer): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        const res = await fetch(url, { method: 'POST', body: new Uint8Array(bytes) });
        if (res.ok) return;
        // The bytes go to a fresh upload URL each time: sending them twice only replaces them.
        if (res.status < 500 || attempt >= 4) throw new Error(`upload answered HTTP ${res.status}`);
      } catch (err) {
        if (attempt >= 4) throw err;
      }
      await new Promise((r) => setTimeout(r, 250 * 2 ** attempt));
    }
  }

  return {
    async post(dest, message, opts: PostOptions = {}) {
      const { key } = opts;
      // Where an earlier attempt's post can be: after each send it recorded, for as long as one
      // send can last; or, when only its start is known, anywhere since then.
      const earlier: Window[] =
        opts.maybePostedAt && opts.maybePostedAt.length > 0
          ? opts.maybePostedAt.map((at) => ({ from: at, to: at + sendTimeoutMs }))
          : opts.maybePostedSince !== undefined
            ? [{ from: opts.maybePostedSince, to: Date.now() }]
            : [];
      /** This call's own sends: a failed one is looked for between its start and now. */
      const sent: number[] = [];
      try {
        if (key && earlier.length) {
          const ts = await findPost(dest, key, earlier);
          if (ts) return { ts };
        }
        const r = await caller.call(
          'chat.postMessage',
          {
            channel: dest.channel,
            ...(dest.threadTs ? { thread_ts: dest.threadTs } : {}),
            ...body(message),
            unfurl_links: false,
            unfurl_media: false,
            ...(key ? { metadata: { event_type: POST_EVENT_TYPE, event_payload: { key } } } : {}),
          },
          {
            channel: dest.channel,
            beforeSend: async () => {
              await opts.beforeSend?.();
              sent.push(Date.now());
            },
            ...(key
              ? {
                  recover: async () => {
                    const now = Date.now();
                    const ts = await findPost(
                      dest,
                      key,
                      sent.map((at) => ({ from: at, to: now })),
                    );
                    return ts ? { ok: true, ts } : undefined;
                  },
                }
              : {}),
          },
        );
        return { ts: (r as { ts?: string }).ts as string };
      } catch (err) {
        // The caller's own refusal (beforeSend: this attempt lost its job) is not Slack's.
        if (isNetopsError(err)) throw err;
        throw slackError('chat.postMessage', err);
      }
    },
    async update(dest: Destination & { ts: string }, message) {
      try {
        // Slack keeps a message's old blocks when an update sends text only; always replace them.
        // An edit made twice reads the same, so it is simply retried.
        await caller.call(
          'chat.update',
          { channel: dest.channel, ts: dest.ts, blocks: [], ...body(message) },
          { channel: dest.channel },
        );
      } catch (err) {
        throw slackError('chat.update', err);
      }
    },
    async ephemeral(dest, user, message) {
      try {
        // Ephemeral messages cannot be looked up: after an ambiguous failure one may show twice.
        await caller.call(
          'chat.postEphemeral',
          {
            channel: dest.channel,
            user,
            ...(dest.threadTs ? { thread_ts: dest.threadTs } : {}),
            ...body(message),
          },
          { channel: dest.channel },
        );
      } catch (err) {
        throw slackError('chat.postEphemeral', err);
      }
    },
    async upload(dest, files: FileUpload[], opts: UploadOptions = {}) {
      if (!files.length) return;
      const comment = files.find((f) => f.initialComment)?.initialComment;
      let step = 'files.getUploadURLExternal';
      try {
        let ids = opts.staged?.length ? opts.staged : undefined;
        if (ids && (await isShared(ids[0]!, dest.channel))) return;
        if (!ids) {
          ids = [];
          for (const f of files) {
            const bytes = typeof f.content === 'string' ? Buffer.from(f.content, 'utf8') : f.content;
            step = 'files.getUploadURLExternal';
            const u = (await caller.call('files.getUploadURLExternal', {
              filename: f.filename,
              length: bytes.length,
              ...(f.altText ? { alt_text: f.altText } : {}),
            })) as WebAPICallResult & { upload_url: string; file_id: string };
            step = 'upload';
            await putBytes(u.upload_url, bytes);
            ids.push(u.file_id);
          }
          await opts.onStaged?.(ids);
        }
        step = 'files.completeUploadExternal';
        const staged = ids;
        try {
          await caller.call(
            'files.completeUploadExternal',
            {
              files: staged.map((id, i) => ({ id, title: files[i]?.title ?? files[i]?.filename ?? id })),
              channel_id: dest.channel,
              ...(dest.threadTs ? { thread_ts: dest.threadTs } : {}),
              ...(comment ? { initial_comment: comment } : {}),
            },
            {
              channel: dest.channel,
              recover: async () => ((await isShared(staged[0]!, dest.channel)) ? { ok: true } : undefined),
            },
          );
        } catch (err) {
          // Completed by an earlier try whose answer was lost: the files are there.
          if ((err as { data?: { error?: string } }).data?.error !== 'file_already_completed') throw err;
        }
      } catch (err) {
        throw slackError(step, err);
      }
    },
  };
}
