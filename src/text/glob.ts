import { ErrorCode, NetopsError } from '../errors.js';

/**
 * Shell-style globs (`*`, `?`, `[abc]`, `[a-z]`, `[!a]`), matched case-insensitively.
 *
 * Globs used to become RegExps with one `.*` per star; V8's backtracking engine then took
 * exponential time on `****************Q` against a name that does not match, on the bot's event
 * loop. This matcher never builds a RegExp: a glob compiles to tokens (runs of stars collapse into
 * one) and the match is the classic two-pointer wildcard walk that only ever backtracks to the
 * last star, so it costs at most |glob| × |name| steps. Length and class counts are capped as well
 * so a single match stays in the microseconds whatever a user types.
 */

/** Longest glob accepted: device and interface names are far shorter. */
export const MAX_GLOB_LENGTH = 128;
/** Most `[...]` classes in one glob. */
export const MAX_GLOB_CLASSES = 16;

type Token =
  | { kind: 'char'; c: string }
  | { kind: 'any' }
  | { kind: 'star' }
  | { kind: 'class'; negate: boolean; ranges: Array<[string, string]> };

export interface Glob {
  readonly source: string;
  test(text: string): boolean;
}

function badGlob(glob: string, why: string): NetopsError {
  const shown = glob.length > 60 ? `${glob.slice(0, 60)}…` : glob;
  return new NetopsError(ErrorCode.BAD_ARGS, `bad glob ${shown}: ${why}`, {
    userMessage: `\`${shown}\` is not a usable name pattern: ${why}.`,
    hint: 'Use `*` for any characters, `?` for one, `[abc]` or `[a-z]` for a set: `core*`, `leaf?-ams`, `edge[12]-*`.',
  });
}

function lower(c: string): string {
  return c.toLowerCase();
}

function parse(glob: string): Token[] {
  if (glob.length > MAX_GLOB_LENGTH) throw badGlob(glob, `it is longer than ${MAX_GLOB_LENGTH} characters`);
  const tokens: Token[] = [];
  let classes = 0;
  const chars = [...glob];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    if (c === '*') {
      // A run of stars means the same as one star; keeping them all is what made matching blow up.
      if (tokens[tokens.length - 1]?.kind !== 'star') tokens.push({ kind: 'star' });
      continue;
    }
    if (c === '?') {
      tokens.push({ kind: 'any' });
      continue;
    }
    if (c === '[') {
      const end = chars.indexOf(']', i + 2);
      if (end === -1) {
        // No closing bracket: a literal `[`, as in shells.
        tokens.push({ kind: 'char', c });
        continue;
      }
      if (++classes > MAX_GLOB_CLASSES)
        throw badGlob(glob, `it has more than ${MAX_GLOB_CLASSES} [...] sets`);
      let body = chars.slice(i + 1, end);
      const negate = body[0] === '!' || body[0] === '^';
      if (negate) body = body.slice(1);
      if (!body.length) throw badGlob(glob, 'a `[...]` set is empty');
      const ranges: Array<[string, string]> = [];
      for (let j = 0; j < body.length; j++) {
        const from = body[j]!;
        if (body[j + 1] === '-' && j + 2 < body.length) {
          const to = body[j + 2]!;
          if (from > to)
            throw badGlob(glob, `the range \`${from}-${to}\` runs backwards (write \`${to}-${from}\`)`);
          ranges.push([from, to]);
          j += 2;
        } else ranges.push([from, from]);
      }
      tokens.push({ kind: 'class', negate, ranges });
      i = end;
      continue;
    }
    tokens.push({ kind: 'char', c: lower(c) });
  }
  return tokens;
}

function inClass(t: Extract<Token, { kind: 'class' }>, c: string): boolean {
  const lc = lower(c);
  const uc = c.toUpperCase();
  const hit = t.ranges.some(([a, b]) => (lc >= a && lc <= b) || (uc >= a && uc <= b) || (c >= a && c <= b));
  return hit !== t.negate;
}

function one(t: Token, c: string): boolean {
  if (t.kind === 'any') return true;
  if (t.kind === 'char') return t.c === lower(c);
  if (t.kind === 'class') return inClass(t, c);
  return false;
}

function run(tokens: readonly Token[], text: string): boolean {
  const s = [...text];
  let ti = 0;
  let si = 0;
  let starT = -1;
  let starS = 0;
  while (si < s.length) {
    const t = tokens[ti];
    if (t && t.kind === 'star') {
      starT = ti++;
      starS = si;
    } else if (t && one(t, s[si]!)) {
      ti++;
      si++;
    } else if (starT >= 0) {
      // Only the most recent star ever absorbs one more character: earlier stars never need to,
      // which is why this is O(|glob| × |text|) rather than exponential.
      ti = starT + 1;
      si = ++starS;
    } else return false;
  }
  while (tokens[ti]?.kind === 'star') ti++;
  return ti === tokens.length;
}

/** Compiles a glob once (throws NETOPS_BAD_ARGS with a user sentence when it is not usable). */
export function compileGlob(glob: string): Glob {
  const tokens = parse(glob);
  return { source: glob, test: (text) => run(tokens, text) };
}

/** Does `text` match `glob` (case-insensitive, whole string)? */
export function matchGlob(glob: string, text: string): boolean {
  return compileGlob(glob).test(text);
}

export function isGlob(text: string): boolean {
  return /[*?[]/.test(text);
}
