/**
 * Block-aware section extraction (`config show <device> <section-regex>`). Pure.
 * A matching line is shown with all its children and with the header lines of every block it
 * sits in, so `ge-0/0/0` under `interfaces {` comes out as valid, readable Junos and
 * ` neighbor 10.0.0.2 password` comes out under its `router bgp 65000`.
 */

export type BlockStyle = 'indent' | 'braces';

function indentOf(line: string): number {
  const m = /^[ \t]*/.exec(line)![0];
  return m.replace(/\t/g, '        ').length;
}

interface Structure {
  parent: Int32Array;
  /** Last line index of the block opened by each line (itself when it opens none). */
  end: Int32Array;
  /** For braces: the closing line of the block a line opens, else -1. */
  close: Int32Array;
}

function structure(lines: readonly string[], style: BlockStyle): Structure {
  const n = lines.length;
  const parent = new Int32Array(n).fill(-1);
  const end = new Int32Array(n);
  const close = new Int32Array(n).fill(-1);
  for (let i = 0; i < n; i++) end[i] = i;
  const stack: number[] = [];
  if (style === 'braces') {
    for (let i = 0; i < n; i++) {
      const t = lines[i]!.replace(/\s*(?:##|\/\*).*$/, '').trim();
      if (t === '}' || (t.endsWith('}') && !t.includes('{'))) {
        const open = stack.pop();
        parent[i] = open === undefined ? -1 : (parent[open] ?? -1);
        if (open !== undefined) {
          end[open] = i;
          close[open] = i;
        }
        continue;
      }
      parent[i] = stack[stack.length - 1] ?? -1;
      if (t.endsWith('{')) stack.push(i);
    }
    // Unclosed blocks (a truncated config) run to the end.
    for (const open of stack) end[open] = n - 1;
    return { parent, end, close };
  }
  const depth: number[] = [];
  for (let i = 0; i < n; i++) {
    const line = lines[i]!;
    if (line.trim() === '') {
      // A blank line ends every block (NX-OS separates top-level blocks with one).
      stack.length = 0;
      depth.length = 0;
      continue;
    }
    const ind = indentOf(line);
    while (stack.length && depth[depth.length - 1]! >= ind) {
      stack.pop();
      depth.pop();
    }
    parent[i] = stack[stack.length - 1] ?? -1;
    for (const open of stack) end[open] = i;
    stack.push(i);
    depth.push(ind);
  }
  return { parent, end, close };
}

/**
 * Lines of `text` to show for the lines `match` selects. `match` is a predicate or the set of
 * 0-based line numbers that matched (computed elsewhere, e.g. by Postgres under a time limit).
 * Returns the selected lines in config order, with a `…` line between disjoint top-level regions.
 */
export function extractSections(
  text: string,
  match: ((line: string, index: number) => boolean) | ReadonlySet<number>,
  style: BlockStyle,
): { text: string; matches: number } {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const s = structure(lines, style);
  const keep = new Uint8Array(lines.length);
  const test = typeof match === 'function' ? match : (_: string, i: number) => match.has(i);
  let matches = 0;
  for (let i = 0; i < lines.length; i++) {
    if (!test(lines[i]!, i)) continue;
    matches++;
    if (keep[i]) continue;
    for (let j = i; j <= s.end[i]!; j++) keep[j] = 1;
    for (let p = s.parent[i]!; p >= 0; p = s.parent[p]!) {
      keep[p] = 1;
      if (s.close[p]! >= 0) keep[s.close[p]!] = 1;
    }
  }
  const closer = new Uint8Array(lines.length);
  for (const c of s.close) if (c >= 0) closer[c] = 1;
  const out: string[] = [];
  let gap = false;
  for (let i = 0; i < lines.length; i++) {
    if (!keep[i]) {
      gap = out.length > 0;
      continue;
    }
    // Mark elisions between top-level regions only; skipped siblings inside a block need no marker.
    if (gap && s.parent[i] === -1 && !closer[i]) out.push('…');
    gap = false;
    out.push(lines[i]!);
  }
  return { text: out.length ? `${out.join('\n')}\n` : '', matches };
}
