import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addMessage,
  compareTs,
  createTsGenerator,
  createWorkspace,
  findMessage,
} from '../../../src/lab/slack/state.js';

describe('emulated workspace state', () => {
  it('ts values are well formed, unique and strictly increasing even when the clock stalls or steps back', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1_600_000_000_000, max: 1_800_000_000_000 }), { minLength: 2 }),
        (times) => {
          let i = 0;
          const next = createTsGenerator(() => times[Math.min(i++, times.length - 1)]!);
          const out = times.map(() => next());
          for (const ts of out) expect(ts).toMatch(/^\d{10}\.\d{6}$/);
          for (let k = 1; k < out.length; k++) expect(compareTs(out[k]!, out[k - 1]!)).toBe(1);
        },
      ),
    );
  });

  it('threads replies under their parent, re-pointing a reply-to-a-reply at the parent', () => {
    const ws = createWorkspace({
      teamId: 'T',
      teamDomain: 't',
      botUserId: 'UB',
      botId: 'B',
      appId: 'A',
      users: [],
      channels: [{ id: 'C1', name: 'one' }],
      usergroups: [],
      now: () => 1_700_000_000_000,
    });
    const c = ws.channels.get('C1')!;
    const base = { user: 'UB', bot: true, files: [], via: 'test' };
    const parent = addMessage(ws, c, { ...base, text: 'parent' }).message;
    const r1 = addMessage(ws, c, { ...base, text: 'r1', thread_ts: parent.ts }).message;
    const r2 = addMessage(ws, c, { ...base, text: 'r2', thread_ts: r1.ts });
    expect(r2.threadMissing).toBe(false);
    expect(r2.message.thread_ts).toBe(parent.ts);
    expect(parent.replies.map((r) => r.text)).toEqual(['r1', 'r2']);
    const lost = addMessage(ws, c, { ...base, text: 'lost', thread_ts: '1.000001' });
    expect(lost.threadMissing).toBe(true);
    expect(c.messages.map((m) => m.text)).toEqual(['parent', 'lost']);
    expect(findMessage(c, r1.ts)?.text).toBe('r1');
  });
});
