import { describe, expect, it } from 'vitest';
import { ERRORS, ErrorCode, isTransient, NetopsError, slackErrorCode, userText } from '../../src/errors.js';

const DEVELOPER = 'needs JobServices.monitoring at /etc/netops/key.pem: ZodError [{"code":"invalid_type"}]';

describe('error table', () => {
  const codes = Object.values(ErrorCode);

  it('has one row per code, and no row without a code', () => {
    expect(Object.keys(ERRORS).sort()).toEqual([...codes].sort());
  });

  it.each(codes)('%s: a person sees a sentence and a next step, never the developer text', (code) => {
    for (const context of [{}, { device: 'core1' }]) {
      const text = new NetopsError(code, DEVELOPER, { context }).toUserText();
      expect(text).not.toContain('JobServices');
      expect(text).not.toContain('key.pem');
      expect(text).not.toContain('Zod');
      expect(text).not.toMatch(/undefined|\[object/);
      expect(text).toMatch(/^[`A-Z].*[.)]$/);
      expect(ERRORS[code].hint ?? '').not.toContain(DEVELOPER);
    }
  });

  it('names the device when the error carries one', () => {
    expect(new NetopsError(ErrorCode.DEVICE_TIMEOUT, 'x', { context: { device: 'core1' } }).userMessage).toBe(
      '`core1` did not answer in time.',
    );
  });

  it('retries only what a retry can fix; a disabled device is not one of them', () => {
    const transient = codes.filter((c) => new NetopsError(c, 'x').transient).sort();
    expect(transient).toEqual(
      [
        ErrorCode.DB_UNAVAILABLE,
        ErrorCode.DEVICE_BUSY,
        ErrorCode.DEVICE_TIMEOUT,
        ErrorCode.DEVICE_UNREACHABLE,
        ErrorCode.QUEUE_UNAVAILABLE,
        ErrorCode.SLACK_API,
        ErrorCode.SNMP_TIMEOUT,
      ].sort(),
    );
    expect(isTransient(new NetopsError(ErrorCode.DEVICE_DISABLED, 'x'))).toBe(false);
  });

  it('a Slack refusal a retry cannot fix is permanent; a failure on Slack’s side is retried', () => {
    for (const e of ['channel_not_found', 'not_in_channel', 'is_archived'])
      expect(slackErrorCode(e)).toBe(ErrorCode.SLACK_CHANNEL);
    for (const e of ['invalid_auth', 'not_authed', 'token_revoked', 'account_inactive', 'missing_scope'])
      expect(slackErrorCode(e)).toBe(ErrorCode.SLACK_AUTH);
    for (const e of ['internal_error', 'fatal_error', 'service_unavailable', 'request_timeout'])
      expect(slackErrorCode(e)).toBe(ErrorCode.SLACK_API);
    // An error name Slack adds later is a refusal of the call, not a reason to retry forever.
    expect(slackErrorCode('invalid_blocks')).toBe(ErrorCode.SLACK_REJECTED);
    expect(slackErrorCode('some_new_error')).toBe(ErrorCode.SLACK_REJECTED);
    for (const e of ['channel_not_found', 'invalid_auth', 'invalid_blocks'])
      expect(isTransient(new NetopsError(slackErrorCode(e), 'x'))).toBe(false);
  });

  it("keeps the thrower's own sentence, and its own hint only", () => {
    const e = new NetopsError(ErrorCode.BAD_ARGS, 'dev', { userMessage: 'Pick one device.' });
    expect(e.toUserText()).toBe('Pick one device.');
    expect(new NetopsError(ErrorCode.BAD_ARGS, 'dev', { userMessage: 'A.', hint: 'B.' }).toUserText()).toBe(
      'A. B.',
    );
  });

  it('shows a generic sentence naming the code for anything that is not a NetopsError', () => {
    expect(userText(new TypeError(DEVELOPER))).toBe(
      'Something went wrong inside netops-bot (NETOPS_INTERNAL). The details are in the worker log.',
    );
  });
});
