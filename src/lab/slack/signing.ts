import { signSlackRequest } from '../../slack/verify.js';

/** Headers Slack puts on every request it sends to an app. */
// A type alias, not an interface, so it can be passed straight to fetch() as headers.
export type SlackSignatureHeaders = {
  'x-slack-signature': string;
  'x-slack-request-timestamp': string;
};

/**
 * The headers for a request the emulator sends as Slack. The v0 scheme itself has one
 * implementation, shared with the bot's receiver (src/slack/verify.ts).
 */
export function slackSignatureHeaders(
  signingSecret: string,
  rawBody: string,
  timestampSec: number = Math.floor(Date.now() / 1000),
): SlackSignatureHeaders {
  return {
    'x-slack-signature': signSlackRequest(signingSecret, timestampSec, rawBody),
    'x-slack-request-timestamp': String(timestampSec),
  };
}
