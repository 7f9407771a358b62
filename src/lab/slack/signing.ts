import { createHmac, timingSafeEqual } from 'node:crypto';

/** Headers Slack puts on every request it sends to an app. */
// A type alias, not an interface, so it can be passed straight to fetch() as headers.
export type SlackSignatureHeaders = {
  'x-slack-signature': string;
  'x-slack-request-timestamp': string;
};

/** Slack's v0 scheme: HMAC-SHA256 over `v0:<timestamp>:<raw body>` keyed by the app's signing secret. */
export function computeSlackSignature(signingSecret: string, timestampSec: number, rawBody: string): string {
  const hex = createHmac('sha256', signingSecret).update(`v0:${timestampSec}:${rawBody}`).digest('hex');
  return `v0=${hex}`;
}

export function signSlackRequest(
  signingSecret: string,
  rawBody: string,
  timestampSec: number = Math.floor(Date.now() / 1000),
): SlackSignatureHeaders {
  return {
    'x-slack-signature': computeSlackSignature(signingSecret, timestampSec, rawBody),
    'x-slack-request-timestamp': String(timestampSec),
  };
}

/**
 * The check a receiver makes: right signature, and a timestamp within five minutes of now
 * (Slack's replay window). Returns the reason when it fails so tests can say why.
 */
export function verifySlackSignature(
  signingSecret: string,
  headers: { signature?: string; timestamp?: string },
  rawBody: string,
  nowSec: number = Math.floor(Date.now() / 1000),
): { ok: true } | { ok: false; reason: 'missing' | 'stale' | 'mismatch' } {
  const { signature, timestamp } = headers;
  if (!signature || !timestamp) return { ok: false, reason: 'missing' };
  const ts = Number(timestamp);
  if (!Number.isInteger(ts) || Math.abs(nowSec - ts) > 300) return { ok: false, reason: 'stale' };
  const expected = Buffer.from(computeSlackSignature(signingSecret, ts, rawBody));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    return { ok: false, reason: 'mismatch' };
  }
  return { ok: true };
}
