import v8 from 'node:v8';

/**
 * RegExps built from a user's text, bounded in time.
 *
 * V8's regex engine backtracks, so `(a+)+$` or `.*a.*a.*a.*aQ` against a long line takes minutes
 * on the event loop. V8 also ships a linear-time (automaton) engine and can switch a regex to it
 * once the backtracking one has spent a fixed budget; that switch is off by default and is turned
 * on here, once per process. The linear engine cannot run backreferences or lookarounds, so
 * patterns using them are refused up front: with those, no bound would hold.
 */

let bounded = false;

/** Turns on V8's fallback to its linear engine for regexes that backtrack too much (idempotent). */
export function boundRegExpBacktracking(): void {
  if (bounded) return;
  v8.setFlagsFromString('--enable-experimental-regexp-engine-on-excessive-backtracks');
  // V8's default budget (50,000 backtracks per test) costs milliseconds per line before the switch.
  v8.setFlagsFromString('--regexp-backtracks-before-fallback=2000');
  bounded = true;
}

export const MAX_USER_REGEXP_LENGTH = 256;
const MAX_REPEAT = 16;

/** Why `pattern` cannot be run with a time bound, or undefined when it can. */
export function unboundedConstruct(pattern: string): string | undefined {
  if (pattern.length > MAX_USER_REGEXP_LENGTH)
    return `it is longer than ${MAX_USER_REGEXP_LENGTH} characters`;
  if (/\\[1-9]|\\k</.test(pattern)) return 'backreferences (\\1, \\k<name>) are not supported';
  if (/\(\?<?[=!]/.test(pattern)) return 'lookarounds ((?=, (?!, (?<=, (?<!) are not supported';
  // The linear engine unrolls counted repetition and gives up on large counts, leaving the
  // backtracking engine unbounded: `(.*a){20}Q` still took minutes.
  for (const m of pattern.matchAll(/\{(\d+)(?:,(\d*))?\}/g)) {
    if (Number(m[1]) > MAX_REPEAT || Number(m[2] || 0) > MAX_REPEAT)
      return `repetition counts above ${MAX_REPEAT} ({n}, {n,m}) are not supported`;
  }
  return undefined;
}

/**
 * A user's pattern as a RegExp whose every test finishes in time linear in the input (after a
 * fixed backtracking budget). Throws a SyntaxError-like Error with a sentence for patterns that
 * cannot be bounded or do not parse.
 */
export function userRegExp(pattern: string, flags = ''): RegExp {
  boundRegExpBacktracking();
  const why = unboundedConstruct(pattern);
  if (why) throw new Error(why);
  return new RegExp(pattern, flags);
}
