import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileGlob, createInventory, MAX_GLOB_LENGTH, matchGlob } from '../../../src/inventory/index.js';
import type { Device } from '../../../src/config.js';

function device(name: string): Device {
  return {
    name,
    vendor: 'cisco_iosxe',
    host: '10.0.0.1',
    port: 22,
    credential: 'x',
    tags: [],
    enabled: true,
  } as unknown as Device;
}

/** Reference semantics for small inputs only: the old RegExp translation (fine when short). */
function reference(glob: string, text: string): boolean {
  let re = '';
  for (const c of glob) {
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else re += c.replace(/[.+^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 'is').test(text);
}

function timed(fn: () => void): number {
  const t = performance.now();
  fn();
  return performance.now() - t;
}

describe('regression: glob DoS (a run of stars froze the bot)', () => {
  const names = ['core1-ams', 'core2-ams', 'edge1-fra', 'leaf1-ams', 'x'.repeat(200)];
  const pathological = [
    `${'*'.repeat(16)}Q`,
    `${'*'.repeat(32)}Q`,
    `${'*'.repeat(MAX_GLOB_LENGTH - 1)}Q`,
    `${'*a'.repeat(60)}Q`,
    `${'?*'.repeat(60)}Q`,
    `${'a*'.repeat(63)}`,
    `${'*[a-z]'.repeat(16)}Q`,
    `${'*?'.repeat(63)}`,
  ];

  for (const p of pathological) {
    it(`returns within milliseconds for ${JSON.stringify(p.slice(0, 24))}… (${p.length} chars)`, () => {
      const inv = createInventory(names.map(device));
      const ms = timed(() => {
        for (let i = 0; i < 10; i++) {
          for (const n of names) matchGlob(p, n);
          try {
            inv.resolve(p);
          } catch {
            // "no device matches" is the expected answer for most of these
          }
          inv.match({ pattern: p });
        }
      });
      expect(ms).toBeLessThan(250); // ten rounds over five names; the old RegExp took minutes for one
    });
  }

  it('against a long name that almost matches', () => {
    const name = `${'a'.repeat(250)}b`;
    const ms = timed(() => expect(matchGlob(`${'*a'.repeat(63)}c`, name)).toBe(false));
    expect(ms).toBeLessThan(50);
  });

  it('refuses a glob longer than the cap with a clear message', () => {
    expect(() => compileGlob('*'.repeat(MAX_GLOB_LENGTH + 1))).toThrow(/longer than 128 characters/);
    try {
      compileGlob('a'.repeat(500));
    } catch (e) {
      expect((e as { userMessage?: string }).userMessage).toMatch(/not a usable name pattern/);
      expect((e as { code?: string }).code).toBe('NETOPS_BAD_ARGS');
    }
  });

  it('refuses too many [...] sets', () => {
    expect(() => compileGlob('[a]'.repeat(17))).toThrow(/more than 16/);
  });
});

describe('regression: devices [z-a] surfaced a raw RegExp syntax error', () => {
  it('says the range runs backwards', () => {
    const inv = createInventory([device('core1-ams')]);
    let err: unknown;
    try {
      inv.match({ pattern: '[z-a]' });
    } catch (e) {
      err = e;
    }
    expect((err as { userMessage: string }).userMessage).toBe(
      '`[z-a]` is not a usable name pattern: the range `z-a` runs backwards (write `a-z`).',
    );
    expect(String((err as Error).message)).not.toMatch(/Invalid regular expression/);
  });
});

describe('glob semantics', () => {
  it('matches like a shell glob, case-insensitively', () => {
    expect(matchGlob('core*', 'CORE1-ams')).toBe(true);
    expect(matchGlob('core?-ams', 'core1-ams')).toBe(true);
    expect(matchGlob('core?-ams', 'core12-ams')).toBe(false);
    expect(matchGlob('edge[12]-*', 'edge2-fra')).toBe(true);
    expect(matchGlob('edge[!12]-*', 'edge2-fra')).toBe(false);
    expect(matchGlob('edge[!12]-*', 'edge3-fra')).toBe(true);
    expect(matchGlob('[A-C]ore*', 'core1')).toBe(true);
    expect(matchGlob('Gi1/0/*', 'GigabitEthernet1/0/1')).toBe(false);
    expect(matchGlob('Gi*1/0/1', 'GigabitEthernet1/0/1')).toBe(true);
    expect(matchGlob('a[b', 'a[b')).toBe(true);
    expect(matchGlob('***', '')).toBe(true);
    expect(matchGlob('?', '')).toBe(false);
  });

  it('agrees with the RegExp translation on short globs (property)', () => {
    const ch = fc.constantFrom('a', 'b', '-', '1', '*', '?', 'A');
    fc.assert(
      fc.property(
        fc.array(ch, { maxLength: 8 }),
        fc.array(fc.constantFrom('a', 'b', '-', '1', 'A'), { maxLength: 10 }),
        (g, t) => {
          const glob = g.join('');
          const text = t.join('');
          expect(matchGlob(glob, text)).toBe(reference(glob, text));
        },
      ),
      { numRuns: 2000 },
    );
  });
});
