import { describe, expect, it } from 'vitest';
import { blocksToText } from '../../../src/lab/console.js';

describe('blocksToText (the terminal console)', () => {
  it('prints an actions block as one line of its button labels, never "[object Object]"', () => {
    const text = blocksToText(
      [
        { type: 'section', text: { type: 'mrkdwn', text: ':rotating_light: *core1*: 1 anomaly now' } },
        { type: 'context', elements: [{ type: 'mrkdwn', text: '<@U1> marked this expected' }] },
        {
          type: 'actions',
          elements: [
            { type: 'button', action_id: 'a', text: { type: 'plain_text', text: 'Expected: mute 4 h' } },
            {
              type: 'button',
              action_id: 'b',
              style: 'danger',
              text: { type: 'plain_text', text: 'Real problem' },
            },
          ],
        },
      ],
      'fallback',
    );
    expect(text).toBe(
      ':rotating_light: *core1*: 1 anomaly now\n<@U1> marked this expected\n[Expected: mute 4 h] [Real problem]',
    );
    expect(text).not.toContain('[object Object]');
  });

  it('keeps the fallback when there are no blocks, and skips elements without text', () => {
    expect(blocksToText(undefined, 'plain')).toBe('plain');
    expect(blocksToText([{ type: 'context', elements: [{ type: 'image', alt_text: 'x' }] }], 'plain')).toBe(
      'plain',
    );
  });
});
