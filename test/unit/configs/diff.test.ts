import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyUnifiedDiff, diffLines, splitLines, unifiedDiff } from '../../../src/configs/diff.js';

const side = (label: string, text: string) => ({ label, text });

describe('unifiedDiff', () => {
  it('prints hunks with context and counts', () => {
    const a = [
      'hostname r1',
      '!',
      'interface Gi1',
      ' description old',
      ' ip address 10.0.0.1 255.255.255.0',
      '!',
      'end',
      '',
    ].join('\n');
    const b = [
      'hostname r1',
      '!',
      'interface Gi1',
      ' description new',
      ' ip address 10.0.0.1 255.255.255.0',
      '!',
      'ntp server 1.1.1.1',
      'end',
      '',
    ].join('\n');
    const d = unifiedDiff(side('r1 v1', a), side('r1 v2', b), 1);
    expect(d.text).toBe(
      [
        '--- r1 v1',
        '+++ r1 v2',
        '@@ -3,5 +3,6 @@',
        ' interface Gi1',
        '- description old',
        '+ description new',
        '  ip address 10.0.0.1 255.255.255.0',
        ' !',
        '+ntp server 1.1.1.1',
        ' end',
        '',
      ].join('\n'),
    );
    expect(d).toMatchObject({ added: 2, removed: 1, hunks: 1 });
  });

  it('separates distant changes into hunks and is empty for equal texts', () => {
    const a = Array.from({ length: 40 }, (_, i) => `line ${i}`).join('\n');
    const b = a.replace('line 2\n', 'line two\n').replace('line 35', 'line thirty-five');
    expect(unifiedDiff(side('a', a), side('b', b)).hunks).toBe(2);
    expect(unifiedDiff(side('a', a), side('b', a)).text).toBe('');
  });

  it('handles empty sides with the unified zero-length convention', () => {
    expect(unifiedDiff(side('a', ''), side('b', 'x\n')).text).toBe('--- a\n+++ b\n@@ -0,0 +1,1 @@\n+x\n');
    expect(unifiedDiff(side('a', 'x\n'), side('b', '')).text).toBe('--- a\n+++ b\n@@ -1,1 +0,0 @@\n-x\n');
  });

  it('is minimal on a known case (Myers)', () => {
    const ops = diffLines(['a', 'b', 'c', 'a', 'b', 'b', 'a'], ['c', 'b', 'a', 'b', 'a', 'c']);
    expect(ops.filter((o) => o.op !== 'equal')).toHaveLength(5);
  });

  it('a huge rewrite beyond maxEdits still yields a correct diff', () => {
    const a = Array.from({ length: 3000 }, (_, i) => `a${i}`).join('\n');
    const b = Array.from({ length: 3000 }, (_, i) => `b${i}`).join('\n');
    const d = unifiedDiff(side('a', a), side('b', b), 3, { maxEdits: 100 });
    expect(applyUnifiedDiff(a, d.text)).toBe(b);
  });

  it('property: applying the diff to the old text gives the new text; ops preserve both sides', () => {
    const lines = fc.array(fc.constantFrom('a', 'b', 'c', ' d', '!', 'interface x', ''), { maxLength: 40 });
    fc.assert(
      fc.property(lines, lines, fc.nat(4), (x, y, ctx) => {
        const a = x.length ? `${x.join('\n')}\n` : '';
        const b = y.length ? `${y.join('\n')}\n` : '';
        const ops = diffLines(splitLines(a), splitLines(b));
        expect(ops.filter((o) => o.op !== 'insert').map((o) => o.line)).toEqual(splitLines(a));
        expect(ops.filter((o) => o.op !== 'delete').map((o) => o.line)).toEqual(splitLines(b));
        const d = unifiedDiff(side('a', a), side('b', b), ctx);
        expect(applyUnifiedDiff(a, d.text)).toBe(b);
        expect(d.text === '').toBe(a === b);
      }),
      { numRuns: 500 },
    );
  });

  it('is fast on a 20,000-line config with scattered changes', () => {
    const a = Array.from({ length: 20_000 }, (_, i) => `interface Gi${i}\n description port ${i}`).join('\n');
    const b = a.replace(/description port (\d*77)\n/g, 'description changed $1\n');
    const t0 = performance.now();
    const d = unifiedDiff(side('a', a), side('b', b));
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(d.removed).toBe(200);
    expect(d.added).toBe(200);
    expect(applyUnifiedDiff(a, d.text)).toBe(b);
  });
});

describe('diff beyond the edit budget', () => {
  it('anchors on unique lines instead of replacing everything', () => {
    const a = Array.from({ length: 3000 }, (_, i) => `interface Gi${i}\n description port ${i}`).join('\n');
    const b = a.replace(/description port (\d+)/g, (_, n) => `description port ${n} (renumbered)`);
    const d = unifiedDiff(side('a', a), side('b', b), 0, { maxEdits: 100 });
    // every description changed; every interface line stays equal
    expect(d.removed).toBe(3000);
    expect(d.added).toBe(3000);
    expect(applyUnifiedDiff(a, d.text)).toBe(b);
    expect(d.text).not.toMatch(/^-interface/m);
  });

  it('property: still exact with a tiny budget', () => {
    const lines = fc.array(fc.constantFrom('a', 'b', 'c', 'u1', 'u2', 'u3', 'u4', '!'), { maxLength: 40 });
    fc.assert(
      fc.property(lines, lines, (x, y) => {
        const a = x.length ? `${x.join('\n')}\n` : '';
        const b = y.length ? `${y.join('\n')}\n` : '';
        const ops = diffLines(splitLines(a), splitLines(b), { maxEdits: 2 });
        expect(ops.filter((o) => o.op !== 'insert').map((o) => o.line)).toEqual(splitLines(a));
        expect(ops.filter((o) => o.op !== 'delete').map((o) => o.line)).toEqual(splitLines(b));
        expect(applyUnifiedDiff(a, unifiedDiff(side('a', a), side('b', b), 2, { maxEdits: 2 }).text)).toBe(b);
      }),
      { numRuns: 500 },
    );
  });
});

describe('regression: diff RangeError on 150k lines and an empty diff for a trailing-newline change', () => {
  it('diffs 150,000 lines with nothing in common without RangeError', () => {
    const a = `${Array.from({ length: 150_000 }, (_, i) => `a ${i}`).join('\n')}\n`;
    const b = `${Array.from({ length: 150_000 }, (_, i) => `b ${i}`).join('\n')}\n`;
    const d = unifiedDiff(side('a', a), side('b', b), 0, { maxEdits: 50 });
    expect(d.removed).toBe(150_000);
    expect(d.added).toBe(150_000);
    expect(applyUnifiedDiff(a, d.text)).toBe(b);
  });

  it('a change that only adds or removes the final newline is a change', () => {
    const d = unifiedDiff(side('a', 'hostname r1\nend'), side('b', 'hostname r1\nend\n'));
    expect(d.text).toBe(
      '--- a\n+++ b\n@@ -1,2 +1,2 @@\n hostname r1\n-end\n\\ No newline at end of file\n+end\n',
    );
    expect(applyUnifiedDiff('hostname r1\nend', d.text)).toBe('hostname r1\nend\n');
    const back = unifiedDiff(side('b', 'hostname r1\nend\n'), side('a', 'hostname r1\nend'));
    expect(back.added + back.removed).toBe(2);
    expect(applyUnifiedDiff('hostname r1\nend\n', back.text)).toBe('hostname r1\nend');
  });

  it('property: exact with and without final newlines', () => {
    const lines = fc.array(fc.constantFrom('a', 'b', 'c', '!', ''), { minLength: 1, maxLength: 20 });
    fc.assert(
      fc.property(lines, fc.boolean(), lines, fc.boolean(), fc.nat(3), (x, xe, y, ye, ctx) => {
        const a = `${x.join('\n')}${xe ? '\n' : ''}`;
        const b = `${y.join('\n')}${ye ? '\n' : ''}`;
        const d = unifiedDiff(side('a', a), side('b', b), ctx);
        expect(d.text === '').toBe(a === b);
        if (a !== '' && b !== '') expect(applyUnifiedDiff(a, d.text)).toBe(b);
      }),
      { numRuns: 1000 },
    );
  });
});
