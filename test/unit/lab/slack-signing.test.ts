import { createHmac } from 'node:crypto';
import { isValidSlackRequest } from '@slack/bolt';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { slackSignatureHeaders } from '../../../src/lab/slack/signing.js';
import { verifySlackSignature } from '../../../src/slack/verify.js';

describe('slack request signing', () => {
  it('matches an independent HMAC and Bolt’s own verifier for any body and secret', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1 }),
        fc.string(),
        fc.integer({ min: 1e9, max: 2e9 }),
        (secret, body, ts) => {
          const h = slackSignatureHeaders(secret, body, ts);
          const hex = createHmac('sha256', secret).update(`v0:${ts}:${body}`).digest('hex');
          expect(h['x-slack-signature']).toBe(`v0=${hex}`);
          expect(h['x-slack-request-timestamp']).toBe(String(ts));
          expect(
            isValidSlackRequest({
              signingSecret: secret,
              body,
              headers: { 'x-slack-signature': h['x-slack-signature'], 'x-slack-request-timestamp': ts },
              nowMilliseconds: ts * 1000,
            }),
          ).toBe(true);
        },
      ),
    );
  });

  it('the bot’s verifier accepts the emulator’s headers and rejects a changed body, a wrong secret, a stale timestamp and missing headers', () => {
    const now = 1_700_000_000;
    const h = slackSignatureHeaders('s', 'a=1', now);
    const hdr = { signature: h['x-slack-signature'], timestamp: h['x-slack-request-timestamp'] };
    const ms = now * 1000;
    expect(verifySlackSignature('s', hdr, 'a=1', ms)).toEqual({ ok: true });
    expect(verifySlackSignature('s', hdr, 'a=2', ms)).toEqual({ ok: false, reason: 'bad-signature' });
    expect(verifySlackSignature('t', hdr, 'a=1', ms)).toEqual({ ok: false, reason: 'bad-signature' });
    expect(verifySlackSignature('s', hdr, 'a=1', ms + 301_000)).toEqual({ ok: false, reason: 'stale' });
    expect(verifySlackSignature('s', { timestamp: hdr.timestamp }, 'a=1', ms)).toEqual({
      ok: false,
      reason: 'missing',
    });
  });
});
