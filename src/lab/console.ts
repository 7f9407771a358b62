import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RecordedCall, SlackEmulator } from './slack/index.js';

/**
 * Plain text of a Block Kit message for a terminal: section and context text, code kept; an actions
 * block is one line of its buttons' labels, e.g. `[Approve] [Reject]`.
 */
export function blocksToText(blocks: unknown[] | undefined, fallback: string): string {
  if (!blocks?.length) return fallback;
  const out: string[] = [];
  const label = (t: unknown): string | undefined =>
    typeof t === 'string'
      ? t
      : typeof (t as { text?: unknown })?.text === 'string'
        ? (t as { text: string }).text
        : undefined;
  for (const b of blocks as Array<{
    type?: string;
    text?: { text?: string };
    elements?: Array<{ type?: string; text?: unknown }>;
  }>) {
    if (b.text?.text) out.push(b.text.text);
    if (b.type === 'actions') {
      const buttons = (b.elements ?? []).map((e) => label(e.text)).filter((t): t is string => !!t);
      if (buttons.length) out.push(buttons.map((t) => `[${t}]`).join(' '));
      continue;
    }
    for (const e of b.elements ?? []) {
      const t = label(e.text);
      if (t) out.push(t);
    }
  }
  return (out.join('\n') || fallback).replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

export interface ConsoleOptions {
  emu: SlackEmulator;
  /** Where uploaded files are written so the user can open them. */
  filesDir: string;
  write(line: string): void;
}

/**
 * Prints what the bot does in the emulated workspace as it happens: posts, edits (the progress
 * message), private replies and files. The web console of the lab will render the same calls.
 */
export function createConsolePrinter(options: ConsoleOptions) {
  const { emu, write } = options;
  let seen = 0;
  let seenResponses = 0;
  mkdirSync(options.filesDir, { recursive: true });

  const print = (c: RecordedCall) => {
    const a = c.args as Record<string, unknown>;
    const text = () => blocksToText(a.blocks as unknown[] | undefined, String(a.text ?? ''));
    const where = `#${emu.channels.get(String(a.channel ?? a.channel_id))?.name ?? a.channel ?? a.channel_id}${a.thread_ts ? ' (thread)' : ''}`;
    if (!c.response.ok)
      return write(
        `  ✗ ${c.method} → ${c.response.error}${c.status === 429 ? ' (rate limited; retrying)' : ''}`,
      );
    switch (c.method) {
      case 'chat.postMessage':
        return write(`\n[${where}] netops-bot:\n${indent(text())}`);
      case 'chat.update': {
        // A progress edit is one line, except a failure: its reason is what Slack shows under it.
        const [head, ...rest] = text().split('\n');
        const failed = /^failed\b/.test(String(a.text ?? ''));
        const detail = failed ? rest.filter((l) => !/^job `/.test(l)) : [];
        return write(`  ↻ ${head ?? ''}${detail.length ? `\n${indent(detail.join('\n'))}` : ''}`);
      }
      case 'chat.postEphemeral':
        return write(`\n[${where}] (only you) netops-bot:\n${indent(text())}`);
      case 'files.completeUploadExternal': {
        for (const f of (a.files as Array<{ id: string }> | undefined) ?? []) {
          const file = emu.files.get(f.id);
          if (!file?.bytes) continue;
          const path = join(options.filesDir, file.name);
          writeFileSync(path, file.bytes);
          write(`\n[${where}] netops-bot uploaded ${file.name} (${file.bytes.length} bytes) → ${path}`);
          if (/\.(txt|diff|log|conf|cfg)$/.test(file.name) && file.bytes.length < 20_000)
            write(indent(file.bytes.toString('utf8')));
        }
        return;
      }
      default:
    }
  };

  return {
    /** Prints everything recorded since the last call. */
    flush() {
      while (seen < emu.calls.length) print(emu.calls[seen++]!);
      while (seenResponses < emu.responseUrlPosts.length) {
        const r = emu.responseUrlPosts[seenResponses++]!;
        const body = r.body as { text?: string; blocks?: unknown[]; response_type?: string };
        write(
          `\n${body.response_type === 'in_channel' ? '' : '(only you) '}netops-bot:\n${indent(blocksToText(body.blocks, body.text ?? ''))}`,
        );
      }
    },
  };
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
}
