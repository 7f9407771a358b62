import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseSlackBody } from '../../../src/slack/receiver.js';
import { signSlackRequest, verifySlackSignature } from '../../../src/slack/verify.js';

const secret = 'test-secret';
const now = 1_700_000_000_000;
const ts = String(now / 1000);
const body = 'command=%2Fnet&text=help&user_id=U1&channel_id=C1';

describe('verifySlackSignature', () => {
  it('accepts what Slack signs (computed independently)', () => {
    const sig = `v0=${createHmac('sha256', secret).update(`v0:${ts}:${body}`).digest('hex')}`;
    expect(signSlackRequest(secret, ts, body)).toBe(sig);
    expect(verifySlackSignature(secret, { signature: sig, timestamp: ts }, body, now)).toEqual({ ok: true });
  });

  it('rejects a forged signature, a changed body, and a missing header', () => {
    const sig = signSlackRequest(secret, ts, body);
    expect(verifySlackSignature('other', { signature: sig, timestamp: ts }, body, now)).toMatchObject({
      ok: false,
      reason: 'bad-signature',
    });
    expect(verifySlackSignature(secret, { signature: sig, timestamp: ts }, `${body}x`, now)).toMatchObject({
      ok: false,
    });
    expect(verifySlackSignature(secret, { timestamp: ts }, body, now)).toMatchObject({
      ok: false,
      reason: 'missing',
    });
  });

  it('rejects requests older (or newer) than 5 minutes', () => {
    const old = String(now / 1000 - 301);
    expect(
      verifySlackSignature(
        secret,
        { signature: signSlackRequest(secret, old, body), timestamp: old },
        body,
        now,
      ),
    ).toMatchObject({
      ok: false,
      reason: 'stale',
    });
    const fresh = String(now / 1000 - 299);
    expect(
      verifySlackSignature(
        secret,
        { signature: signSlackRequest(secret, fresh, body), timestamp: fresh },
        body,
        now,
      ).ok,
    ).toBe(true);
  });
});

describe('parseSlackBody', () => {
  it('reads slash commands, interactions and events; refuses anything else', () => {
    expect(parseSlackBody(body, 'application/x-www-form-urlencoded')).toMatchObject({
      command: '/net',
      text: 'help',
    });
    expect(parseSlackBody(`payload=${encodeURIComponent('{"type":"block_actions"}')}`)).toMatchObject({
      type: 'block_actions',
    });
    expect(parseSlackBody('{"type":"event_callback"}', 'application/json')).toMatchObject({
      type: 'event_callback',
    });
    expect(parseSlackBody('{nope', 'application/json')).toBeNull();
    expect(parseSlackBody('[1,2]', 'application/json')).toBeNull();
    expect(parseSlackBody('payload=%7Bbroken')).toBeNull();
    expect(parseSlackBody('hello=world')).toBeNull();
    expect(parseSlackBody('command=net&user_id=U1&channel_id=C1')).toBeNull();
  });
});
