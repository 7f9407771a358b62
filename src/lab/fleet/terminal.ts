/**
 * The terminal side of a simulated CLI: echo, line assembly, `--More--` paging, typed-ahead input.
 * Vendor engines implement handleLine() and prompt(); output goes through print().
 */
import { MAX_USER_REGEXP_LENGTH, userRegExp } from '../../bounded-regexp.js';

export interface TerminalIo {
  write(data: string): void;
  end(): void;
}

export interface PagerStyle {
  marker: string;
  /** Written after a key press to erase the marker. */
  erase: string;
}

export const IOS_PAGER: PagerStyle = {
  marker: ' --More-- ',
  erase: `${'\b'.repeat(10)}${' '.repeat(10)}${'\b'.repeat(10)}`,
};
export const JUNOS_PAGER: PagerStyle = { marker: '---(more)---', erase: `\r${' '.repeat(12)}\r` };

export abstract class LineTerminal {
  /** Lines per page; 0 = no paging. */
  protected screenLength = 24;
  protected echo = true;
  private line = '';
  private lastWasCr = false;
  private paging: { rest: string[]; done: () => void } | null = null;
  private busy = false;
  private queued = '';
  protected closed = false;

  constructor(
    protected readonly io: TerminalIo,
    protected readonly pager: PagerStyle = IOS_PAGER,
  ) {}

  abstract prompt(): string;
  /** Handle one line; resolve when its output (and prompt) is written. */
  protected abstract handleLine(line: string): Promise<void> | void;

  start(banner?: string): void {
    if (banner) this.io.write(`${banner.replace(/\n/g, '\r\n')}\r\n`);
    this.io.write(this.prompt());
  }

  onData(data: string): void {
    if (this.closed) return;
    if (this.busy) {
      this.queued += data;
      return;
    }
    for (let i = 0; i < data.length; i++) {
      const c = data[i]!;
      if (this.paging) {
        this.pageKey(c);
        continue;
      }
      if (this.busy) {
        this.queued += data.slice(i);
        return;
      }
      if (c === '\n' && this.lastWasCr) {
        this.lastWasCr = false;
        continue;
      }
      this.lastWasCr = c === '\r';
      if (c === '\r' || c === '\n') {
        const line = this.line;
        this.line = '';
        this.io.write('\r\n');
        this.run(line);
      } else if (c === '\x7f' || c === '\b') {
        if (this.line.length) {
          this.line = this.line.slice(0, -1);
          if (this.echo) this.io.write('\b \b');
        }
      } else if (c === '\x03') {
        this.line = '';
        this.io.write(`^C\r\n${this.prompt()}`);
      } else if (c === '\x1a') {
        this.line = '';
        this.io.write('^Z\r\n');
        this.run('\x1a');
      } else if (c >= ' ' || c === '\t') {
        this.line += c;
        if (this.echo) this.io.write(c);
      }
    }
  }

  private run(line: string): void {
    this.busy = true;
    Promise.resolve()
      .then(() => this.handleLine(line))
      .catch((err: unknown) =>
        this.io.write(`% internal simulator error: ${(err as Error).message}\r\n${this.prompt()}`),
      )
      .finally(() => {
        this.busy = false;
        if (this.queued && !this.closed) {
          const q = this.queued;
          this.queued = '';
          this.onData(q);
        }
      });
  }

  /** Writes output, paging it when the screen length asks for it, then the prompt. */
  protected print(text: string, opts: { prompt?: boolean } = {}): Promise<void> {
    const withPrompt = opts.prompt ?? true;
    const lines = text === '' ? [] : text.split('\n');
    const page = this.screenLength > 0 ? this.screenLength - 1 : 0;
    if (page === 0 || lines.length <= page) {
      this.io.write(lines.length ? `${lines.join('\r\n')}\r\n` : '');
      if (withPrompt) this.io.write(this.prompt());
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      this.io.write(`${lines.slice(0, page).join('\r\n')}\r\n${this.pager.marker}`);
      this.paging = {
        rest: lines.slice(page),
        done: () => {
          if (withPrompt) this.io.write(this.prompt());
          resolve();
        },
      };
      // Paging holds the line discipline; release `busy` so keys reach pageKey.
      this.busy = false;
      if (this.queued) {
        const q = this.queued;
        this.queued = '';
        this.onData(q);
      }
    });
  }

  private pageKey(c: string): void {
    const p = this.paging!;
    this.io.write(this.pager.erase);
    let n = 0;
    if (c === ' ') n = this.screenLength - 1;
    else if (c === '\r' || c === '\n') n = 1;
    else p.rest = [];
    const chunk = p.rest.splice(0, n);
    if (chunk.length) this.io.write(`${chunk.join('\r\n')}\r\n`);
    if (p.rest.length) {
      this.io.write(this.pager.marker);
      return;
    }
    this.paging = null;
    // Back to "command running" until handleLine finishes; later keys are queued.
    this.busy = true;
    p.done();
  }

  protected close(): void {
    this.closed = true;
    this.io.end();
  }
}

/** Output filters after `|` that the IOS-like CLIs share. Returns null for an unknown modifier. */
export function applyIosPipe(text: string, pipe: string): string | null {
  const m = /^(\S+)\s*(.*)$/.exec(pipe.trim());
  if (!m) return null;
  const [, word, arg] = m as unknown as [string, string, string];
  const is = (full: string, min: number) => word.length >= min && full.startsWith(word.toLowerCase());
  const lines = text.split('\n');
  let re: RegExp;
  try {
    // The simulated fleet runs inside the bot's process in local mode: the pattern is bounded.
    re = userRegExp(arg);
  } catch {
    re = new RegExp(arg.slice(0, MAX_USER_REGEXP_LENGTH).replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  }
  if (is('include', 1)) return lines.filter((l) => re.test(l)).join('\n');
  if (is('exclude', 1)) return lines.filter((l) => !re.test(l)).join('\n');
  if (is('begin', 1)) {
    const i = lines.findIndex((l) => re.test(l));
    return i === -1 ? '' : lines.slice(i).join('\n');
  }
  if (is('section', 3)) {
    const out: string[] = [];
    let keep = false;
    for (const l of lines) {
      if (!/^\s/.test(l)) keep = re.test(l);
      if (keep && l.trim() !== '!') out.push(l);
    }
    return out.join('\n');
  }
  if (is('count', 1)) return `Number of lines which match regexp = ${lines.filter((l) => re.test(l)).length}`;
  if (is('no-more', 3)) return text;
  return null;
}
