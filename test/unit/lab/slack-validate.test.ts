import { describe, expect, it } from 'vitest';
import { LIMITS, validateBlocks, validateMessage } from '../../../src/lab/slack/validate.js';

const section = (n: number) => ({ type: 'section', text: { type: 'mrkdwn', text: 'x'.repeat(n) } });

describe('message validation (Slack limits)', () => {
  it('accepts messages exactly at the limits and rejects one past them', () => {
    expect(validateMessage({ text: 'x'.repeat(LIMITS.messageText) })).toBeUndefined();
    expect(validateMessage({ text: 'x'.repeat(LIMITS.messageText + 1) })?.error).toBe('msg_too_long');
    expect(validateBlocks(Array(50).fill(section(3000)))).toBeUndefined();
    expect(validateBlocks(Array(51).fill({ type: 'divider' }))?.error).toBe('invalid_blocks');
    const long = validateBlocks([{ type: 'divider' }, section(3001)]);
    expect(long).toEqual({
      ok: false,
      error: 'invalid_blocks',
      errors: ['must be less than 3001 characters [json-pointer:/blocks/1/text/text]'],
    });
  });

  it('rejects malformed blocks the way Slack does', () => {
    expect(validateBlocks('not json')?.error).toBe('invalid_blocks_format');
    expect(validateBlocks([{ type: 'bogus' }])?.errors?.[0]).toContain('unsupported type');
    expect(validateBlocks([{ type: 'image', image_url: 'http://x/y.png' }])?.errors?.[0]).toContain(
      'alt_text',
    );
    expect(
      validateBlocks([{ type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } }])?.error,
    ).toBe('invalid_blocks');
    const fields = Array(11).fill({ type: 'mrkdwn', text: 'f' });
    expect(validateBlocks([{ type: 'section', fields }])?.errors?.[0]).toContain('/blocks/0/fields');
    expect(validateBlocks([{ type: 'actions', elements: [] }])?.error).toBe('invalid_blocks');
  });

  it('needs text or blocks', () => {
    expect(validateMessage({})?.error).toBe('no_text');
    expect(validateMessage({ blocks: [{ type: 'divider' }] })).toBeUndefined();
  });
});
