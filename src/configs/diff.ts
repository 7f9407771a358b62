/**
 * Line diff (Myers' O(ND) greedy algorithm) and unified-diff output. Pure.
 * Configs change a few lines at a time, so after trimming the common head and tail D is small and
 * this is linear in practice; a pathological pair (D beyond `maxEdits`) degrades to "replace the
 * middle", which is still a correct diff.
 */

export type DiffOp = { op: 'equal' | 'delete' | 'insert'; line: string };

export interface DiffOptions {
  /** Above this many edits the middle is reported as one replacement (bounds time and memory). */
  maxEdits?: number;
}

export function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

export function diffLines(a: readonly string[], b: readonly string[], options: DiffOptions = {}): DiffOp[] {
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (
    tail < a.length - head &&
    tail < b.length - head &&
    a[a.length - 1 - tail] === b[b.length - 1 - tail]
  )
    tail++;
  const out: DiffOp[] = [];
  for (let i = 0; i < head; i++) out.push({ op: 'equal', line: a[i]! });
  // Appended one by one: `push(...ops)` passes every op as an argument and throws RangeError once
  // a large middle (150k lines with nothing in common) exceeds the engine's argument limit.
  append(
    out,
    middle(a.slice(head, a.length - tail), b.slice(head, b.length - tail), options.maxEdits ?? 2_000),
  );
  for (let i = a.length - tail; i < a.length; i++) out.push({ op: 'equal', line: a[i]! });
  return out;
}

function append(out: DiffOp[], ops: readonly DiffOp[]): void {
  for (const o of ops) out.push(o);
}

/**
 * Myers within the edit budget; beyond it, patience-style anchoring: lines that occur exactly once on
 * each side, kept in order (longest increasing subsequence), split the problem into smaller ones.
 * Configs are full of unique lines (interface names, neighbours), so big rewrites still diff well.
 */
function middle(a: readonly string[], b: readonly string[], maxEdits: number): DiffOp[] {
  const direct = myers(a, b, maxEdits);
  if (direct) return direct;
  const anchors = uniqueAnchors(a, b);
  if (!anchors.length) {
    return [
      ...a.map((line): DiffOp => ({ op: 'delete', line })),
      ...b.map((line): DiffOp => ({ op: 'insert', line })),
    ];
  }
  const out: DiffOp[] = [];
  let ai = 0;
  let bi = 0;
  for (const [x, y] of [...anchors, [a.length, b.length] as const]) {
    append(out, middle(a.slice(ai, x), b.slice(bi, y), maxEdits));
    if (x < a.length) out.push({ op: 'equal', line: a[x]! });
    ai = x + 1;
    bi = y + 1;
  }
  return out;
}

/** Pairs (i in a, j in b) of lines unique on both sides, as a longest chain increasing in both. */
function uniqueAnchors(a: readonly string[], b: readonly string[]): Array<readonly [number, number]> {
  const count = (xs: readonly string[]) => {
    const m = new Map<string, number>();
    xs.forEach((l, i) => {
      m.set(l, m.has(l) ? -1 : i);
    });
    return m;
  };
  const ua = count(a);
  const ub = count(b);
  const pairs: Array<readonly [number, number]> = [];
  for (const [line, i] of ua) {
    const j = ub.get(line);
    if (i >= 0 && j !== undefined && j >= 0) pairs.push([i, j]);
  }
  pairs.sort((p, q) => p[0] - q[0]);
  // LIS on j (patience sorting), O(n log n).
  const tails: number[] = [];
  const prev = new Int32Array(pairs.length).fill(-1);
  pairs.forEach((p, k) => {
    let lo = 0;
    let hi = tails.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (pairs[tails[mid]!]![1] < p[1]) lo = mid + 1;
      else hi = mid;
    }
    if (lo > 0) prev[k] = tails[lo - 1]!;
    tails[lo] = k;
  });
  const chain: Array<readonly [number, number]> = [];
  for (let k = tails.length ? tails[tails.length - 1]! : -1; k >= 0; k = prev[k]!) chain.push(pairs[k]!);
  return chain.reverse();
}

function myers(a: readonly string[], b: readonly string[], maxEdits: number): DiffOp[] | undefined {
  const n = a.length;
  const m = b.length;
  if (n === 0) return b.map((line) => ({ op: 'insert', line }));
  if (m === 0) return a.map((line) => ({ op: 'delete', line }));
  // Intern lines so the inner loop compares numbers, not strings.
  const ids = new Map<string, number>();
  const intern = (l: string) => {
    let id = ids.get(l);
    if (id === undefined) {
      id = ids.size;
      ids.set(l, id);
    }
    return id;
  };
  const A = Int32Array.from(a, intern);
  const B = Int32Array.from(b, intern);
  const max = Math.min(n + m, maxEdits);
  const offset = max + 1;
  const v = new Int32Array(2 * max + 3);
  // trace[d] keeps only the diagonals round d can read (k in -d-1..d+1): O(D²) memory, not O(D·N).
  const trace: Int32Array[] = [];
  let found = -1;
  for (let d = 0; d <= max && found < 0; d++) {
    trace.push(v.slice(offset - d - 1, offset + d + 2));
    for (let k = -d; k <= d; k += 2) {
      let x =
        k === -d || (k !== d && v[offset + k - 1]! < v[offset + k + 1]!)
          ? v[offset + k + 1]!
          : v[offset + k - 1]! + 1;
      let y = x - k;
      while (x < n && y < m && A[x] === B[y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) {
        found = d;
        break;
      }
    }
  }
  if (found < 0) return undefined;
  // Walk the trace backwards from (n, m) to recover the edit script.
  const ops: DiffOp[] = [];
  let x = n;
  let y = m;
  const snakeBack = (toX: number, toY: number) => {
    while (x > toX && y > toY) {
      x--;
      y--;
      ops.push({ op: 'equal', line: a[x]! });
    }
  };
  for (let d = found; d > 0; d--) {
    const vd = trace[d]!;
    const at = (k: number) => vd[k + d + 1]!;
    const k = x - y;
    const prevK = k === -d || (k !== d && at(k - 1) < at(k + 1)) ? k + 1 : k - 1;
    const prevX = at(prevK);
    const prevY = prevX - prevK;
    snakeBack(prevX, prevY);
    if (x === prevX) {
      y--;
      ops.push({ op: 'insert', line: b[y]! });
    } else {
      x--;
      ops.push({ op: 'delete', line: a[x]! });
    }
  }
  snakeBack(0, 0);
  return ops.reverse();
}

export interface DiffSide {
  label: string;
  text: string;
}

export interface UnifiedDiff {
  text: string;
  added: number;
  removed: number;
  hunks: number;
}

/**
 * A last line without a newline compares unequal to the same line with one, as in GNU diff: a change
 * that only adds or removes the final newline is a change (it used to yield an empty diff).
 */
const NO_EOL = '\u0000no-eol';
const NO_EOL_NOTE = '\\ No newline at end of file';

function diffableLines(text: string): string[] {
  const lines = splitLines(text);
  if (lines.length && !text.endsWith('\n')) lines[lines.length - 1] += NO_EOL;
  return lines;
}

/**
 * Unified diff with `context` lines around each change. Empty `text` when the sides are equal.
 * The `---`/`+++` labels carry whatever the caller wants shown (device, version, time, author).
 */
export function unifiedDiff(
  from: DiffSide,
  to: DiffSide,
  context = 3,
  options: DiffOptions = {},
): UnifiedDiff {
  const ops = diffLines(diffableLines(from.text), diffableLines(to.text), options);
  const changed: number[] = [];
  ops.forEach((o, i) => {
    if (o.op !== 'equal') changed.push(i);
  });
  if (!changed.length) return { text: '', added: 0, removed: 0, hunks: 0 };
  // Group changes whose context windows touch into one hunk.
  const groups: Array<[number, number]> = [];
  for (const i of changed) {
    const last = groups[groups.length - 1];
    if (last && i - last[1] <= 2 * context + 1) last[1] = i;
    else groups.push([i, i]);
  }
  // Line numbers before each op index.
  const aLine = new Int32Array(ops.length + 1);
  const bLine = new Int32Array(ops.length + 1);
  ops.forEach((o, i) => {
    aLine[i + 1] = aLine[i]! + (o.op === 'insert' ? 0 : 1);
    bLine[i + 1] = bLine[i]! + (o.op === 'delete' ? 0 : 1);
  });
  const out = [`--- ${from.label}`, `+++ ${to.label}`];
  let added = 0;
  let removed = 0;
  for (const [first, last] of groups) {
    const start = Math.max(0, first - context);
    const end = Math.min(ops.length, last + context + 1);
    const aCount = aLine[end]! - aLine[start]!;
    const bCount = bLine[end]! - bLine[start]!;
    // Unified format: a zero-length range names the line before it.
    const aStart = aCount ? aLine[start]! + 1 : aLine[start]!;
    const bStart = bCount ? bLine[start]! + 1 : bLine[start]!;
    out.push(`@@ -${aStart},${aCount} +${bStart},${bCount} @@`);
    for (let i = start; i < end; i++) {
      const o = ops[i]!;
      const noEol = o.line.endsWith(NO_EOL);
      const line = noEol ? o.line.slice(0, -NO_EOL.length) : o.line;
      if (o.op === 'equal') out.push(` ${line}`);
      else if (o.op === 'delete') {
        out.push(`-${line}`);
        removed++;
      } else {
        out.push(`+${line}`);
        added++;
      }
      if (noEol) out.push(NO_EOL_NOTE);
    }
  }
  return { text: `${out.join('\n')}\n`, added, removed, hunks: groups.length };
}

/** Rebuilds the new text from the old one and a unified diff (used by tests to prove diffs exact). */
export function applyUnifiedDiff(oldText: string, diff: string): string {
  const a = splitLines(oldText);
  const out: string[] = [];
  let ai = 0;
  // Whether the new text ends without a newline: the old text's state, unless a hunk reaches the
  // end, in which case a note after a kept or added line says so (and its absence says it has one).
  let noEol = oldText !== '' && !oldText.endsWith('\n');
  const lines = splitLines(diff);
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    const h = /^@@ -(\d+),(\d+) \+\d+,\d+ @@$/.exec(l);
    if (!h) continue;
    const aStart = Number(h[2]) === 0 ? Number(h[1]) : Number(h[1]) - 1;
    while (ai < aStart) out.push(a[ai++]!);
    let prev = '';
    let newNoEol = false;
    for (i++; i < lines.length && !lines[i]!.startsWith('@@'); i++) {
      const body = lines[i]!;
      if (body === NO_EOL_NOTE) {
        if (prev !== '-') newNoEol = true;
        continue;
      }
      prev = body[0] ?? '';
      if (body.startsWith('+')) out.push(body.slice(1));
      else if (body.startsWith('-')) ai++;
      else out.push(a[ai++]!);
    }
    if (ai === a.length) noEol = newNoEol;
    i--;
  }
  while (ai < a.length) out.push(a[ai++]!);
  if (!out.length) return '';
  return noEol ? out.join('\n') : `${out.join('\n')}\n`;
}
