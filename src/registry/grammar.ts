import { ErrorCode, NetopsError } from '../errors.js';
import type { ParsedArgs } from './types.js';

/**
 * Splits command text into words the way a shell would, minus expansion: "double" and 'single'
 * quotes group words, a backslash escapes the next character. Slack sends “smart quotes” when a
 * user's client autocorrects, so those count as double quotes too.
 */
export function tokenize(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inWord = false;
  let quote: string | null = null;
  const s = text.replace(/[\u201c\u201d]/g, '"').replace(/[\u2018\u2019]/g, "'");
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (quote) {
      if (c === quote) quote = null;
      else if (c === '\\' && quote === '"' && i + 1 < s.length) cur += s[++i];
      else cur += c;
      continue;
    }
    if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < s.length) {
      cur += s[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) out.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (quote) {
    throw new NetopsError(ErrorCode.BAD_ARGS, 'unterminated quote', {
      userMessage: `A ${quote === '"' ? 'double' : 'single'} quote is not closed.`,
      hint: 'Close the quote, or escape it with a backslash.',
    });
  }
  if (inWord) out.push(cur);
  return out;
}

/**
 * Words → positionals and flags. `--name=value` and `--name value` set a string; a flag listed in
 * `booleanFlags`, or followed by another flag or nothing, is `true`. `--` ends flags.
 */
export function parseArgs(words: string[], booleanFlags: readonly string[] = []): Omit<ParsedArgs, 'raw'> {
  const positionals: string[] = [];
  const flags: Record<string, string | boolean> = {};
  let onlyPositionals = false;
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (!onlyPositionals && w === '--') {
      onlyPositionals = true;
      continue;
    }
    const m = onlyPositionals ? null : /^--([a-zA-Z][\w-]*)(?:=(.*))?$/s.exec(w);
    if (!m) {
      positionals.push(w);
      continue;
    }
    const name = m[1]!;
    if (m[2] !== undefined) flags[name] = m[2];
    else if (booleanFlags.includes(name)) flags[name] = true;
    else {
      const next = words[i + 1];
      if (next !== undefined && !/^--[a-zA-Z]/.test(next)) {
        flags[name] = next;
        i++;
      } else flags[name] = true;
    }
  }
  return { positionals, flags };
}
