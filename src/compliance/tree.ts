import type { BlockStyle } from '../configs/section.js';

/**
 * A config as a list of paths: each line with the lines of every block it sits in
 * (`router bgp 65000` › `neighbor 10.0.0.2 remote-as 65001`; Junos `system` › `ntp` › `server 10.0.0.1`).
 * Comparing paths, not raw lines, makes indentation, Junos braces and semicolons irrelevant and
 * keeps a line under the wrong parent from counting as present. Pure.
 */
export interface ConfigNode {
  /** Trimmed, whitespace-collapsed text of each ancestor and then the line itself. */
  path: string[];
  /** `path` joined: the identity used for comparison (Junos: by words, so set and brace forms agree). */
  key: string;
  /** Opens a block (has children, or ends with `{` in Junos). */
  header: boolean;
}

export const SEP = '\u0000';

const clean = (s: string) => s.trim().replace(/\s+/g, ' ');

function indentOf(line: string): number {
  return /^[ \t]*/.exec(line)![0].replace(/\t/g, '        ').length;
}

/** Lines that carry no configuration: comment-only lines, `end`, blank lines. */
function isNoise(t: string, style: BlockStyle): boolean {
  if (t === '') return true;
  if (style === 'braces') return t.startsWith('#') || t.startsWith('/*');
  return t === '!' || t.startsWith('! ') || t.startsWith('!') || t === 'end';
}

export function parseConfig(text: string, style: BlockStyle): ConfigNode[] {
  const out: ConfigNode[] = [];
  const lines = text.split('\n');
  if (style === 'braces') {
    const stack: string[] = [];
    // Junos keys are the statement's words, whatever the nesting: `system { ntp { server x; } }` and
    // `set system ntp server x` are one statement, so a rule in either form matches a config in either.
    const node = (path: string[], header: boolean): ConfigNode => ({ path, key: path.join(' '), header });
    for (const raw of lines) {
      const t = clean(raw.replace(/\s*(?:##|\/\*).*$/, ''));
      if (isNoise(t, style)) continue;
      const set = stack.length === 0 ? /^set (.+)$/.exec(t) : null;
      if (set) {
        out.push(node([set[1]!], false));
        continue;
      }
      if (t === '}' || t === '};') {
        stack.pop();
        continue;
      }
      if (t.endsWith('{')) {
        const head = clean(t.slice(0, -1));
        out.push(node([...stack, head], true));
        stack.push(head);
        continue;
      }
      const leaf = t.endsWith(';') ? clean(t.slice(0, -1)) : t;
      out.push(node([...stack, leaf], false));
    }
    return out;
  }
  const stack: { text: string; indent: number; node: ConfigNode }[] = [];
  for (const raw of lines) {
    const t = clean(raw);
    if (isNoise(t, style)) {
      // A blank line ends every block (NX-OS separates top-level blocks with one).
      if (t === '') stack.length = 0;
      continue;
    }
    const ind = indentOf(raw);
    while (stack.length && stack[stack.length - 1]!.indent >= ind) stack.pop();
    const parent = stack[stack.length - 1];
    if (parent) parent.node.header = true;
    const path = [...stack.map((s) => s.text), t];
    const node: ConfigNode = { path, key: path.join(SEP), header: false };
    out.push(node);
    stack.push({ text: t, indent: ind, node });
  }
  return out;
}

/** Paths shown as config text: each block header once, children indented under it. */
export function showPaths(paths: readonly (readonly string[])[], style: BlockStyle): string[] {
  const out: string[] = [];
  let open: readonly string[] = [];
  const leaves = leafFlags(paths);
  paths.forEach((p, idx) => {
    let common = 0;
    while (common < open.length && common < p.length - 1 && open[common] === p[common]) common++;
    if (style === 'braces') {
      for (let d = open.length - 1; d >= common; d--) out.push(`${'    '.repeat(d)}}`);
      // A statement from a `set` line (one path element holding all its words): shown as the
      // engineer wrote it and would type it, not as a top-level `system ntp server x;`.
      if (p.length === 1 && leaves[idx]) {
        out.push(`set ${p[0]}`);
        open = [];
        return;
      }
      for (let d = common; d < p.length - 1; d++) out.push(`${'    '.repeat(d)}${p[d]} {`);
      const last = p[p.length - 1]!;
      if (leaves[idx]) {
        out.push(`${'    '.repeat(p.length - 1)}${last};`);
        open = p.slice(0, -1);
      } else {
        out.push(`${'    '.repeat(p.length - 1)}${last} {`);
        open = p;
      }
      return;
    }
    for (let d = common; d < p.length - 1; d++) out.push(`${' '.repeat(d)}${p[d]}`);
    out.push(`${' '.repeat(p.length - 1)}${p[p.length - 1]}`);
    open = p;
  });
  if (style === 'braces') for (let d = open.length - 1; d >= 0; d--) out.push(`${'    '.repeat(d)}}`);
  return out;
}

/** For each path: true when no other path in the list lies under it. */
export function leafFlags(paths: readonly (readonly string[])[]): boolean[] {
  const keys = new Set(paths.map((p) => p.join(SEP)));
  const prefixes = new Set<string>();
  for (const p of paths) for (let d = 1; d < p.length; d++) prefixes.add(p.slice(0, d).join(SEP));
  return paths.map((p) => {
    const k = p.join(SEP);
    return keys.has(k) && !prefixes.has(k);
  });
}
