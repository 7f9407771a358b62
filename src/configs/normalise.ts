import type { SecretBlockRule, SecretRule, VendorConfigRules } from '../devices/index.js';

export type { SecretBlockRule };

/** A vendor's rules plus what configs/ adds for every vendor (see rules.ts). */
export type ConfigRules = VendorConfigRules;

export interface NormaliseOptions {
  /** What a secret becomes. Must not contain whitespace (it has to survive a second pass intact). */
  secretMarker?: string;
}

export const DEFAULT_SECRET_MARKER = '<removed>';

interface CompiledSecret {
  re: RegExp;
  group: number;
}

const compiled = new WeakMap<SecretRule, CompiledSecret>();

function compile(rule: SecretRule): CompiledSecret {
  let c = compiled.get(rule);
  if (!c) {
    // `d` gives group offsets, `g` catches every occurrence on a line (e.g. SNMPv3 auth and priv keys).
    const flags = new Set(`${rule.pattern.flags}dg`.replace(/[ym]/g, ''));
    c = { re: new RegExp(rule.pattern.source, [...flags].join('')), group: rule.group ?? 1 };
    compiled.set(rule, c);
  }
  return c;
}

function testLine(re: RegExp, line: string): boolean {
  re.lastIndex = 0;
  return re.test(line);
}

interface SecretScreen {
  /** One alternation of every flag-less rule: most lines match none, and one test rules them all out. */
  any?: RegExp;
  /** Rules with flags of their own (e.g. `i`) that cannot join the alternation. */
  always: SecretRule[];
}

const screens = new WeakMap<readonly SecretRule[], SecretScreen>();

function screenFor(rules: readonly SecretRule[]): SecretScreen {
  let s = screens.get(rules);
  if (!s) {
    const plain = rules.filter((r) => r.pattern.flags.replace(/[gdym]/g, '') === '');
    s = {
      ...(plain.length ? { any: new RegExp(plain.map((r) => `(?:${r.pattern.source})`).join('|')) } : {}),
      always: rules.filter((r) => !plain.includes(r)),
    };
    screens.set(rules, s);
  }
  return s;
}

/** Replaces each secret span on one line with the marker; spans already holding the marker stay. */
export function maskLine(line: string, rules: readonly SecretRule[], marker: string): string {
  const screen = screenFor(rules);
  const candidates = screen.any && !screen.any.test(line) ? screen.always : rules;
  let out = line;
  for (const rule of candidates) {
    const { re, group } = compile(rule);
    re.lastIndex = 0;
    const spans: Array<[number, number]> = [];
    for (const m of out.matchAll(re)) {
      const span = m.indices?.[group];
      if (!span || span[1] <= span[0]) continue;
      const value = out.slice(span[0], span[1]);
      if (value === marker) continue;
      spans.push([span[0], span[1]]);
    }
    for (let i = spans.length - 1; i >= 0; i--) {
      const [a, b] = spans[i]!;
      out = out.slice(0, a) + marker + out.slice(b);
    }
  }
  return out;
}

/**
 * A raw running config → the text that is stored, diffed and shown. Pure.
 * - line endings become \n, trailing whitespace goes, leading/trailing blank lines go;
 * - volatile lines (timestamps, byte counts, clock drift) are dropped so they never make a version;
 * - secrets become the marker before anything else sees the text.
 * Idempotent: normalise(normalise(x)) === normalise(x).
 */
export function normalise(text: string, rules: ConfigRules, options: NormaliseOptions = {}): string {
  const marker = options.secretMarker ?? DEFAULT_SECRET_MARKER;
  if (!marker || /\s/.test(marker))
    throw new Error('secret marker must be non-empty and contain no whitespace');
  const lines = text.split(/\r\n|\r|\n/);
  const out: string[] = [];
  let inBlock: SecretBlockRule | undefined;
  let blockMarked = false;
  for (const rawLine of lines) {
    // Strip every C0 control except tab (stray BEL/backspace from a pager) plus trailing space.
    const line = rawLine.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '').replace(/\s+$/, '');
    if (inBlock) {
      if (testLine(inBlock.end, line)) {
        inBlock = undefined;
        out.push(line);
      } else if (!blockMarked) {
        const indent = /^\s*/.exec(line)?.[0] ?? '';
        out.push(indent + marker);
        blockMarked = true;
      }
      continue;
    }
    if (rules.volatile.some((re) => testLine(re, line))) continue;
    const block = rules.secretBlocks?.find((b) => testLine(b.begin, line));
    if (block) {
      inBlock = block;
      blockMarked = false;
      out.push(line);
      continue;
    }
    const masked = maskLine(line, rules.secrets, marker).replace(/\s+$/, '');
    // A line that only becomes volatile once masked would break idempotence: drop it as well.
    if (masked !== line && rules.volatile.some((re) => testLine(re, masked))) continue;
    out.push(masked);
  }
  while (out.length && out[0] === '') out.shift();
  while (out.length && out[out.length - 1] === '') out.pop();
  // Runs of blank lines collapse to one: some CLIs pad with a varying number of them.
  const compact = out.filter((l, i) => !(l === '' && out[i - 1] === ''));
  return compact.length ? `${compact.join('\n')}\n` : '';
}
