import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  cleanText,
  commandOutput,
  PromptReader,
  promptPrefix,
  stripAnsi,
} from '../../../src/devices/transport/text.js';
import { getVendor } from '../../../src/devices/vendors/index.js';
import { generateRunningConfig } from '../../../src/lab/fleet/index.js';

const ios = getVendor('cisco_iosxe');

describe('stripAnsi / cleanText', () => {
  it('removes CSI, OSC and charset escapes, CRs and control characters', () => {
    const raw = '\x1b[?2004h\x1b]0;title\x07\x1b(B\x1b[1;32mcore1#\x1b[0m show ver\r\r\nline\x07two\r\n';
    expect(cleanText(raw)).toBe('core1# show ver\nlinetwo\n');
  });
  it('leaves text without escapes alone', () => {
    fc.assert(
      fc.property(
        fc.string().filter((s) => !s.includes('\x1b')),
        (s) => stripAnsi(s) === s,
      ),
    );
  });
});

describe('PromptReader', () => {
  it('reports a pager marker so the transport can answer it', () => {
    const r = new PromptReader({ prompt: ios.prompt, pager: ios.pager! });
    expect(r.push('line 1\r\nline 2\r\n --More-- ')).toBe('pager');
    expect(r.push('\b\b\b\b\b\b\b\b\b\b          \b\b\b\b\b\b\b\b\b\bline 3\r\ncore1#')).toBe('prompt');
  });
  it('needs the pinned hostname: an output line that looks like a prompt is not one', () => {
    const r = new PromptReader({ prompt: ios.prompt, pinnedPrefix: 'core1' });
    expect(r.push('banner text for other-box#')).toBeNull();
    expect(r.push('\r\ncore1(config-if)#')).toBe('prompt');
  });
  it('reports a prompt of another hostname as unpinned (the transport waits for quiet before believing it)', () => {
    const r = new PromptReader({ prompt: ios.prompt, pinnedPrefix: 'core1' });
    expect(r.push('rollback done\r\ncore2#')).toBe('unpinned');
  });
  it('reports an extra pattern (a password prompt)', () => {
    const r = new PromptReader({ prompt: ios.prompt, extra: [/^Password:\s*$/] });
    expect(r.push('enable\r\nPassword: ')).toEqual({ extra: 0 });
  });
  it('stays linear on a multi-megabyte config (prompt looked for on the tail only)', () => {
    const cfg = `${generateRunningConfig('cisco_iosxe', { lines: 40_000 }).replace(/\n/g, '\r\n')}\r\n`;
    const time = (text: string) => {
      const r = new PromptReader({ prompt: ios.prompt, pinnedPrefix: 'big1' });
      const t0 = performance.now();
      for (let i = 0; i < text.length; i += 4096) expect(r.push(text.slice(i, i + 4096))).toBeNull();
      expect(r.push('big1#')).toBe('prompt');
      expect(r.raw().length).toBe(text.length + 5);
      return performance.now() - t0;
    };
    const big = cfg.repeat(8);
    expect(cfg.length).toBeGreaterThan(1_000_000);
    time(cfg); // warm up
    // The fastest of five runs: a busy machine slows some runs, never all of them.
    const fastest = (text: string) => Math.min(...Array.from({ length: 5 }, () => time(text)));
    const small = fastest(cfg);
    const large = fastest(big);
    const took = `${small.toFixed(1)} ms for 1×, ${large.toFixed(1)} ms for 8×`;
    expect(large, took).toBeLessThan(6_000);
    // Eight times the input: linear work takes ~8x, quadratic matching would take ~64x. The margin
    // absorbs a busy machine and the collector's share of the larger run (4× once measured 10.4×
    // on a loaded CI machine, so the ratio is taken over a wider span than that noise).
    expect(large / small, took).toBeLessThan(24);
  });
});

describe('commandOutput', () => {
  it('drops the echo, the prompt and pager debris', () => {
    const raw =
      'show clock\r\n*10:00:00.000 UTC Wed Nov 25 2026\r\n --More-- \b\b\b\b\b\b\b\b\b\b          \b\b\b\b\b\b\b\b\b\bsecond\r\ncore1#';
    expect(commandOutput(raw, 'show clock', ios.pager)).toBe('*10:00:00.000 UTC Wed Nov 25 2026\nsecond');
  });
  it('drops Junos [edit] banners', () => {
    expect(
      commandOutput('set system host-name x\r\n\r\n[edit]\r\nnetops@r1# ', 'set system host-name x'),
    ).toBe('');
  });
});

describe('promptPrefix', () => {
  it.each([
    ['core1(config-if)#', 'core1'],
    ['netops@edge1> ', 'netops@edge1'],
    ['{master:0}netops@qfx1# ', 'netops@qfx1'],
    ['[netops]$ ', '[netops]'],
  ])('%s → %s', (line, want) => {
    expect(promptPrefix(line)).toBe(want);
  });
});
