/**
 * Pure text handling for interactive CLI sessions: ANSI stripping, prompt matching on a bounded tail,
 * and turning the raw bytes of one command into its output. Kept apart from ssh2 so recorded sessions
 * can be replayed in unit tests chunk by chunk.
 */

// CSI, OSC, charset selection and the single-character escapes terminals and CLIs emit.
const ANSI = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()][A-Za-z0-9]|\x1b[=>NOM78c]/g;

export function stripAnsi(text: string): string {
  return text.indexOf('\x1b') === -1 ? text : text.replace(ANSI, '');
}

/** Removes ANSI codes, CRs and other control characters except newline and tab. */
const CONTROL = /[\x00-\x07\x0b-\x1f\x7f]/;

export function cleanText(text: string): string {
  let out = stripAnsi(text);
  if (out.indexOf('\r') !== -1) out = out.replace(/\r+\n/g, '\n');
  // Most output has no control characters left once CRs are gone: test before rewriting.
  return CONTROL.test(out) ? out.replace(/[\x00-\x07\x0b-\x1f\x7f]/g, '') : out;
}

/** The last line of a (cleaned) text: what a prompt test looks at. */
export function lastLine(text: string): string {
  const i = text.lastIndexOf('\n');
  return i === -1 ? text : text.slice(i + 1);
}

/**
 * 'unpinned': the line looks like a prompt of this CLI but not of this host (the hostname changed, a
 * rollback renamed the box, or output happens to look like a prompt). The transport accepts it only
 * after the stream stays quiet for a moment.
 */
export type ReadEvent = 'prompt' | 'pager' | 'unpinned' | { extra: number } | null;

export interface PromptReaderOptions {
  prompt: RegExp;
  /** Prompt lines must start with this (the hostname learned at login). */
  pinnedPrefix?: string;
  /** Unanchored pager marker. */
  pager?: RegExp;
  /** Other lines to stop at (a password prompt): reported as { extra: index }. */
  extra?: RegExp[];
  /** How many trailing characters are kept for matching. */
  tailSize?: number;
}

/**
 * Accumulates the raw stream of one command. Each push costs O(chunk + tailSize): the prompt is
 * looked for only in the last line of a bounded tail window, so a 2 MB config stays linear.
 */
const pagerAtEndCache = new WeakMap<RegExp, RegExp>();
const pagerStripCache = new WeakMap<RegExp, RegExp>();

function pagerAtEnd(pager: RegExp): RegExp {
  let re = pagerAtEndCache.get(pager);
  if (!re) {
    re = new RegExp(`(?:${pager.source})\\s*$`);
    pagerAtEndCache.set(pager, re);
  }
  return re;
}

function pagerStrip(pager: RegExp): RegExp {
  let re = pagerStripCache.get(pager);
  if (!re) {
    re = new RegExp(`[ \\t]*(?:${pager.source})[ \\t]*`, 'g');
    pagerStripCache.set(pager, re);
  }
  return re;
}

export class PromptReader {
  private chunks: string[] = [];
  private tail = '';
  private readonly tailSize: number;
  private readonly pagerAtEnd?: RegExp;
  length = 0;

  constructor(private readonly options: PromptReaderOptions) {
    this.tailSize = options.tailSize ?? 2048;
    if (options.pager) this.pagerAtEnd = pagerAtEnd(options.pager);
  }

  push(chunk: string): ReadEvent {
    this.chunks.push(chunk);
    this.length += chunk.length;
    this.tail =
      chunk.length >= this.tailSize ? chunk.slice(-this.tailSize) : (this.tail + chunk).slice(-this.tailSize);
    // A prompt or pager marker never ends in a newline: most output chunks stop here.
    if (chunk.endsWith('\n')) return null;
    // Only the last line matters, and ANSI codes never span a newline: clean just that line.
    const line = cleanText(this.tail.slice(this.tail.lastIndexOf('\n') + 1)).replace(/^\x08+/, '');
    if (this.pagerAtEnd?.test(line)) return 'pager';
    if (this.options.extra) {
      for (let i = 0; i < this.options.extra.length; i++)
        if (this.options.extra[i]!.test(line)) return { extra: i };
    }
    if (this.options.prompt.test(line)) return this.matchesPin(line) ? 'prompt' : 'unpinned';
    return null;
  }

  private matchesPin(line: string): boolean {
    const pin = this.options.pinnedPrefix;
    return pin === undefined || line.trimStart().startsWith(pin) || /^\{\w+(?::\w+)?\}/.test(line);
  }

  /** Everything received so far, raw. */
  raw(): string {
    if (this.chunks.length > 1) this.chunks = [this.chunks.join('')];
    return this.chunks[0] ?? '';
  }

  /** The last line as a prompt test sees it. */
  currentLine(): string {
    return cleanText(this.tail.slice(this.tail.lastIndexOf('\n') + 1));
  }
}

/** The part of a prompt that stays the same across modes: `core1` of `core1(config-if)#`, `user@host` of Junos. */
export function promptPrefix(promptLine: string): string {
  const line = promptLine.trim().replace(/^\{\w+(?::\w+)?\}\s*/, '');
  const m = /^[^>#$%(\s]+/.exec(line);
  return m ? m[0] : line;
}

/**
 * Turns the raw stream of one command into its output: pager markers and their erase sequences,
 * ANSI codes and CRs go, the echoed command line and the closing prompt line are dropped.
 */
export function commandOutput(raw: string, command: string, pager?: RegExp): string {
  let text = raw;
  if (pager) text = text.replace(pagerStrip(pager), '');
  // Pager erase sequences: backspaces over spaces over backspaces.
  if (text.indexOf('\x08') !== -1) text = text.replace(/\x08+[ \t]*\x08*/g, '');
  text = cleanText(text);
  const firstNl = text.indexOf('\n');
  if (firstNl !== -1) {
    const first = text.slice(0, firstNl);
    if (command.trim() !== '' && first.includes(command.trim())) text = text.slice(firstNl + 1);
    else if (first.trim() === '') text = text.slice(firstNl + 1);
  } else return '';
  const lastNl = text.lastIndexOf('\n');
  text = lastNl === -1 ? '' : text.slice(0, lastNl);
  // Junos config mode prints a "[edit …]" line just above the prompt.
  return text.replace(/\n*\[edit[^\]\n]*\]$/, '');
}
