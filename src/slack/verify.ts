import { createHmac, timingSafeEqual } from 'node:crypto';

export type VerifyResult = { ok: true } | { ok: false; reason: 'missing' | 'stale' | 'bad-signature' };

/** Slack's v0 request signature: HMAC-SHA256 of `v0:<ts>:<raw body>` with the signing secret. */
export function signSlackRequest(secret: string, timestamp: number | string, rawBody: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${rawBody}`).digest('hex')}`;
}

/** Checks signature and freshness (Slack's guidance: reject requests older than 5 minutes). */
export function verifySlackSignature(
  secret: string,
  headers: { signature?: string | undefined; timestamp?: string | undefined },
  rawBody: string,
  nowMs = Date.now(),
  maxAgeMs = 5 * 60_000,
): VerifyResult {
  const { signature, timestamp } = headers;
  if (!signature || !timestamp || !/^\d+$/.test(timestamp)) return { ok: false, reason: 'missing' };
  if (Math.abs(nowMs - Number(timestamp) * 1000) > maxAgeMs) return { ok: false, reason: 'stale' };
  const expected = Buffer.from(signSlackRequest(secret, timestamp, rawBody));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given))
    return { ok: false, reason: 'bad-signature' };
  return { ok: true };
}
