import type { WebClient } from '@slack/web-api';
import { ErrorCode, NetopsError } from '../errors.js';
import {
  capBlocks,
  clip,
  type Destination,
  type FileUpload,
  type Message,
  type Responder,
  SLACK_LIMITS,
} from '../chat/index.js';

function slackError(method: string, err: unknown): NetopsError {
  const code = (err as { data?: { error?: string } }).data?.error ?? (err as Error).message;
  return new NetopsError(ErrorCode.SLACK_API, `Slack ${method} failed: ${code}`, {
    cause: err,
    context: { method, slackError: code },
    userMessage: `Slack refused ${method} (${code}).`,
    hint:
      code === 'not_in_channel' || code === 'channel_not_found'
        ? 'Invite the bot to the channel: `/invite @netops`.'
        : undefined,
  });
}

// biome-ignore lint/suspicious/noExplicitAny: Block Kit types from @slack/types are too strict for our generic builders
type AnyBlocks = any[];

/**
 * The Responder over Slack's Web API. WebClient already queues calls and honours Retry-After on
 * HTTP 429 (it waits and retries), so rate limits slow us down instead of losing messages.
 */
export function createWebResponder(client: WebClient): Responder {
  const body = (m: Message) => ({
    text: clip(m.text, SLACK_LIMITS.messageText),
    ...(m.blocks ? { blocks: capBlocks(m.blocks) as AnyBlocks } : {}),
  });
  return {
    async post(dest, message) {
      try {
        const r = await client.chat.postMessage({
          channel: dest.channel,
          ...(dest.threadTs ? { thread_ts: dest.threadTs } : {}),
          ...body(message),
          unfurl_links: false,
          unfurl_media: false,
        });
        return { ts: r.ts! };
      } catch (err) {
        throw slackError('chat.postMessage', err);
      }
    },
    async update(dest: Destination & { ts: string }, message) {
      try {
        // Slack keeps a message's old blocks when an update sends text only; always replace them.
        await client.chat.update({ channel: dest.channel, ts: dest.ts, blocks: [], ...body(message) });
      } catch (err) {
        throw slackError('chat.update', err);
      }
    },
    async ephemeral(dest, user, message) {
      try {
        await client.chat.postEphemeral({
          channel: dest.channel,
          user,
          ...(dest.threadTs ? { thread_ts: dest.threadTs } : {}),
          ...body(message),
        });
      } catch (err) {
        throw slackError('chat.postEphemeral', err);
      }
    },
    async upload(dest, files: FileUpload[]) {
      if (!files.length) return;
      const comment = files.find((f) => f.initialComment)?.initialComment;
      try {
        await client.files.uploadV2({
          channel_id: dest.channel,
          ...(dest.threadTs ? { thread_ts: dest.threadTs } : {}),
          ...(comment ? { initial_comment: comment } : {}),
          file_uploads: files.map((f) => ({
            file: typeof f.content === 'string' ? Buffer.from(f.content, 'utf8') : f.content,
            filename: f.filename,
            title: f.title ?? f.filename,
            ...(f.altText ? { alt_text: f.altText } : {}),
          })),
        } as Parameters<WebClient['files']['uploadV2']>[0]);
      } catch (err) {
        throw slackError('files.uploadV2', err);
      }
    },
  };
}
