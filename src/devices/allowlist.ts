import type { Vendor } from './types.js';
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

function allowedList(vendor: Vendor): string {
  const v = getVendor(vendor);
  const cmds = [...new Set(v.readOnly.commands.map((c) => c.usage ?? c.words))].map((c) => `\`${c}\``);
  return `On ${v.displayName} you may run ${cmds.join(', ')}${
    v.readOnly.pipes.length ? `, filtered with ${v.readOnly.pipes.map((p) => `\`| ${p}\``).join(', ')}` : ''
  }.`;
}

function notAllowed(vendor: Vendor, command: string, why: string, hint?: string): NetopsError {
  return new NetopsError(ErrorCode.COMMAND_NOT_ALLOWED, `command not allowed on ${vendor}: ${why}`, {
    context: { command, vendor },
    userMessage: `\`${command.length > 80 ? `${command.slice(0, 80)}…` : command}\` is not allowed: ${why}.`,
    hint: hint ?? allowedList(vendor),
  });
}

/** Do the typed words start with the phrase? CLIs take abbreviations of at least `min` letters. */
function prefixMatches(words: readonly string[], phrase: string, abbreviate: boolean, min = 2): boolean {
  const want = phrase.split(' ');
  if (words.length < want.length) return false;
  return want.every((w, i) => {
    const got = words[i]!.toLowerCase();
    if (!abbreviate) return got === w;
    // `sh ip int br`: two letters at least, so `s` is not `show`.
    return got.length >= Math.min(min, w.length) && w.startsWith(got);
  });
}

/** Returns the command, trimmed, or throws COMMAND_NOT_ALLOWED with a sentence saying why. */
export function validateReadOnly(vendor: Vendor, input: string): string {
  const v = getVendor(vendor);
  const ro = v.readOnly;
  const command = input.trim();
  if (command === '') throw notAllowed(vendor, command, 'it is empty');
  if (command.length > MAX_COMMAND_LENGTH)
    throw notAllowed(vendor, command, `it is longer than ${MAX_COMMAND_LENGTH} characters`);
  // U+0085, U+2028 and U+2029 end a line for some CLIs and terminals just as \n does.
  if (/[\r\n\u0085\u2028\u2029]/.test(command))
    throw notAllowed(vendor, command, 'it spans several lines', 'Send one command per request.');
  // Tab completes a word on a device CLI: what runs would not be what was approved.
  if (/[\x00-\x1f\x7f-\x9f\u2028\u2029]/.test(command))
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
  if (ro.forbidden?.test(command)) {
    throw notAllowed(
      vendor,
      command,
      `it uses shell syntax (${ro.forbidden.exec(command)?.[0]}) that is not allowed here`,
    );
  }
  const [head, ...pipes] = command.split('|');
  const words = head!.trim().split(/\s+/).filter(Boolean);
  // The whole command must match one entry: its words, then its argument pattern.
  const sameWords = ro.commands.filter((c) => prefixMatches(words, c.words, ro.abbreviate));
  const matched = sameWords.find((c) => {
    const rest = words.slice(c.words.split(' ').length).join(' ');
    return c.args ? c.args.test(rest) : rest === '';
  });
  if (!matched) {
    if (sameWords.length) {
      const usage = sameWords.map((c) => `\`${c.usage ?? `${c.words} …`}\``).join(' or ');
      throw notAllowed(
        vendor,
        command,
        `it is not a read-only command on ${v.displayName} (only some arguments of \`${sameWords[0]!.words}\` are)`,
        `Allowed: ${usage}.`,
      );
    }
    throw notAllowed(
      vendor,
      command,
      `\`${words.slice(0, 2).join(' ')}\` is not a read-only command on ${v.displayName}`,
    );
  }
  for (const r of ro.refuse ?? []) {
    if (prefixMatches(words, r.words, ro.abbreviate, 1)) {
      throw notAllowed(
        vendor,
        command,
        `\`${r.words}\` is refused because ${r.why}`,
        'Use `config show <device>`: secrets are masked there.',
      );
    }
  }
  // Secrets are masked line by line in plain text; JSON or XML of a configuration would carry them.
  const arg0 = words[1]?.toLowerCase() ?? '';
  const showsConfig =
    matched.words === 'show' && arg0.length >= 2 && ro.configWords.some((w) => w.startsWith(arg0));
  for (const p of pipes) {
    const pipeWords = p.trim().split(/\s+/).filter(Boolean);
    const word = pipeWords[0]?.toLowerCase() ?? '';
    if (!word) throw notAllowed(vendor, command, 'a `|` has nothing after it');
    const exact = ro.pipes.includes(word);
    const abbreviates = ro.abbreviate && ro.pipes.some((a) => a.startsWith(word));
    const risky = DANGEROUS_PIPES.some((d) => d.startsWith(word));
    if (!exact && (!abbreviates || risky)) {
      throw notAllowed(
        vendor,
        command,
        `\`| ${word}\` is not an allowed filter`,
        ro.pipes.length
          ? `Allowed filters on ${v.displayName}: ${ro.pipes.map((x) => `\`| ${x}\``).join(', ')}.`
          : `${v.displayName} allows no \`|\` filters here.`,
      );
    }
    const format = ro.formatPipes.find((f) => prefixMatches(pipeWords, f, true, 1));
    if (showsConfig && format) {
      throw notAllowed(
        vendor,
        command,
        `\`| ${pipeWords.join(' ')}\` would print the configuration as ${/xml/.test(format) ? 'XML' : 'JSON'}, where secrets are not masked`,
        'Leave out the format modifier: configuration is shown as text with its secrets masked.',
      );
    }
  }
  return command;
}
