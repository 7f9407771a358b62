import type { Vendor } from '../config.js';
import { ErrorCode, NetopsError } from '../errors.js';
import { getVendor } from './vendors/index.js';

/**
 * Is a command a read-only one a user may run through `/net show`? Pure. The vendor file holds the
 * allowlist (first words, pipe modifiers); this adds the rules common to all: one line, no command
 * chaining, no substitution, no redirection, and every `| modifier` allowlisted.
 */

export const MAX_COMMAND_LENGTH = 300;

// Pipe words that write files, spawn shells or run scripts on some vendor; a short prefix of one of these
// (`| s`, `| r`) is refused even where it would also abbreviate an allowed modifier.
const DANGEROUS_PIPES = [
  'redirect',
  'tee',
  'append',
  'save',
  'bash',
  'python',
  'vsh',
  'exec',
  'run',
  'cli',
  'request',
  'email',
  'scp',
  'ftp',
  'tftp',
  'sh',
  'xargs',
  'perl',
  'write',
  'load',
  'sed',
  'awk',
];

function notAllowed(vendor: Vendor, command: string, why: string, hint?: string): NetopsError {
  const v = getVendor(vendor);
  return new NetopsError(ErrorCode.COMMAND_NOT_ALLOWED, `command not allowed on ${vendor}: ${why}`, {
    context: { command, vendor },
    userMessage: `\`${command.length > 80 ? `${command.slice(0, 80)}…` : command}\` is not allowed: ${why}.`,
    hint:
      hint ??
      `On ${v.displayName} you may run commands starting with ${v.readOnly.prefixes.map((p) => `\`${p}\``).join(', ')}${
        v.readOnly.pipes.length
          ? `, filtered with ${v.readOnly.pipes.map((p) => `\`| ${p}\``).join(', ')}`
          : ''
      }.`,
  });
}

function prefixMatches(words: string[], phrase: string, abbreviate: boolean): boolean {
  const want = phrase.split(' ');
  if (words.length < want.length) return false;
  return want.every((w, i) => {
    const got = words[i]!.toLowerCase();
    if (!abbreviate) return got === w;
    // CLIs take abbreviations (`sh ip int br`); require two letters so `s` is not `show`.
    return got.length >= Math.min(2, w.length) && w.startsWith(got);
  });
}

/** Returns the command, trimmed, or throws COMMAND_NOT_ALLOWED with a sentence saying why. */
export function validateReadOnly(vendor: Vendor, input: string): string {
  const v = getVendor(vendor);
  const command = input.trim();
  if (command === '') throw notAllowed(vendor, command, 'it is empty');
  if (command.length > MAX_COMMAND_LENGTH)
    throw notAllowed(vendor, command, `it is longer than ${MAX_COMMAND_LENGTH} characters`);
  // U+0085, U+2028 and U+2029 end a line for some CLIs and terminals just as \n does.
  if (/[\r\n\u0085\u2028\u2029]/.test(command))
    throw notAllowed(vendor, command, 'it spans several lines', 'Send one command per request.');
  // Tab completes a word on a device CLI: what runs would not be what was approved.
  if (/[\x00-\x1f\x7f-\x9f]/.test(command))
    throw notAllowed(
      vendor,
      command,
      'it contains control characters (tab, escape, …)',
      'Type the command as plain text.',
    );
  if (command.includes(';'))
    throw notAllowed(vendor, command, '`;` chains commands', 'Send one command per request.');
  if (command.includes('&&') || command.includes('||'))
    throw notAllowed(vendor, command, '`&&`/`||` chain commands', 'Send one command per request.');
  if (command.includes('`')) throw notAllowed(vendor, command, 'backticks run a command substitution');
  if (command.includes('$(')) throw notAllowed(vendor, command, '`$(` runs a command substitution');
  if (/[<>]/.test(command)) throw notAllowed(vendor, command, '`>`/`<` redirect to or from files');
  if (v.readOnly.forbidden?.test(command)) {
    throw notAllowed(
      vendor,
      command,
      `it uses shell syntax (${v.readOnly.forbidden.exec(command)?.[0]}) that is not allowed here`,
    );
  }
  const [head, ...pipes] = command.split('|');
  const words = head!.trim().split(/\s+/).filter(Boolean);
  if (!v.readOnly.prefixes.some((p) => prefixMatches(words, p, v.readOnly.abbreviate))) {
    throw notAllowed(
      vendor,
      command,
      `\`${words.slice(0, 2).join(' ')}\` is not a read-only command on ${v.displayName}`,
    );
  }
  for (const p of pipes) {
    const word = p.trim().split(/\s+/)[0]?.toLowerCase() ?? '';
    if (!word) throw notAllowed(vendor, command, 'a `|` has nothing after it');
    const exact = v.readOnly.pipes.includes(word);
    const abbreviates = v.readOnly.abbreviate && v.readOnly.pipes.some((a) => a.startsWith(word));
    const risky = DANGEROUS_PIPES.some((d) => d.startsWith(word));
    if (!exact && (!abbreviates || risky)) {
      throw notAllowed(
        vendor,
        command,
        `\`| ${word}\` is not an allowed filter`,
        v.readOnly.pipes.length
          ? `Allowed filters on ${v.displayName}: ${v.readOnly.pipes.map((x) => `\`| ${x}\``).join(', ')}.`
          : `${v.displayName} allows no \`|\` filters here.`,
      );
    }
  }
  return command;
}
