import { describe, expect, it } from 'vitest';
import { deliverResult } from '../../../src/chat/index.js';
import { capBlocks, sections } from '../../../src/chat/index.js';
import { codeBlock } from '../../../src/chat/index.js';
import type { Responder } from '../../../src/chat/index.js';

function recorder() {
  const calls: { kind: string; args: unknown[] }[] = [];
  const r: Responder = {
    post: async (...args) => {
      calls.push({ kind: 'post', args });
      return { ts: '1.1' };
    },
    update: async (...args) => void calls.push({ kind: 'update', args }),
    ephemeral: async (...args) => void calls.push({ kind: 'ephemeral', args }),
    upload: async (...args) => void calls.push({ kind: 'upload', args }),
  };
  return { r, calls };
}

describe('Slack limits', () => {
  it('never builds a section over 3000 characters or a message over 50 blocks', () => {
    const blocks = sections('x'.repeat(10_000));
    for (const b of blocks)
      expect((b as { text: { text: string } }).text.text.length).toBeLessThanOrEqual(3000);
    expect(capBlocks(Array.from({ length: 80 }, () => ({}))).length).toBe(50);
  });

  it('keeps device output from closing the code block', () => {
    expect(codeBlock('a ``` b <x>')).not.toMatch(/a ``` b/);
    expect(codeBlock('<x>')).toContain('&lt;x&gt;');
  });
});

describe('deliverResult', () => {
  it('posts short code inline in the origin thread', async () => {
    const { r, calls } = recorder();
    await deliverResult(
      r,
      { channel: 'C1', threadTs: '9.9' },
      { summary: 'ok', code: { content: 'line', filename: 'x.txt' } },
    );
    expect(calls).toHaveLength(1);
    expect(calls[0]?.kind).toBe('post');
    expect(calls[0]?.args[0]).toEqual({ channel: 'C1', threadTs: '9.9' });
  });

  it('uploads long output as a file instead of a wall of text', async () => {
    const { r, calls } = recorder();
    const content = Array.from({ length: 500 }, (_, i) => `line ${i}`).join('\n');
    await deliverResult(
      r,
      { channel: 'C1' },
      { summary: '500 lines', code: { content, filename: 'out.txt' } },
    );
    const upload = calls.find((c) => c.kind === 'upload');
    expect(upload?.args[1]).toEqual([expect.objectContaining({ filename: 'out.txt', content })]);
  });
});
