import { describe, expect, it } from 'vitest';
import { userRegExp } from '../../src/bounded-regexp.js';
import { applyIosPipe } from '../../src/lab/fleet/terminal.js';

function timed(fn: () => void): number {
  const t = performance.now();
  fn();
  return performance.now() - t;
}

describe('regression: user regexes run on the event loop without a bound', () => {
  const line = `${'a'.repeat(40)}!`;
  const catastrophic = [
    '(a+)+$',
    '(a|aa)+$',
    '(a*)*b',
    '.*a.*a.*a.*a.*a.*a.*a.*aQ',
    '(.*a){16}Q',
    'a{1,16}a{1,16}a{1,16}Q',
  ];
  for (const p of catastrophic) {
    it(`${p} returns within milliseconds`, () => {
      const re = userRegExp(p);
      const ms = timed(() => {
        for (let i = 0; i < 20; i++) re.test(line);
      });
      expect(ms).toBeLessThan(200);
    });
  }

  it('refuses the constructs the linear engine cannot run, with a reason', () => {
    expect(() => userRegExp('(a+)\\1')).toThrow(/backreferences/);
    expect(() => userRegExp('(?=a)a')).toThrow(/lookarounds/);
    expect(() => userRegExp('a'.repeat(300))).toThrow(/longer than 256/);
    expect(() => userRegExp('(.*a){20}Q')).toThrow(/repetition counts above 16/);
    expect(() => userRegExp('a{1,200}')).toThrow(/repetition counts above 16/);
  });

  it('a simulated device `| include (a+)+$` answers in time (local mode runs the fleet in the bot)', () => {
    const text = Array.from({ length: 200 }, () => line).join('\n');
    let out: string | null = null;
    const ms = timed(() => {
      out = applyIosPipe(text, 'include (a+)+$');
    });
    expect(out).toBe('');
    expect(ms).toBeLessThan(500);
    expect(applyIosPipe('interface Gi1\n description x\n', 'include ^interface')).toBe('interface Gi1');
    // a backreference is matched as plain text, not run
    expect(applyIosPipe('a(b)\\1\nzz', 'include (b)\\1')).toBe('a(b)\\1');
  });
});
