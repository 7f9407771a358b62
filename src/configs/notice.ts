import type { FileUpload, Message } from '../chat/index.js';
import { type UnifiedDiff, unifiedDiff } from './diff.js';
import type { ConfigVersion } from './store.js';

/** `core1 v124 2026-11-25 11:00:00Z (syslog by admin)`: the diff header line for one version. */
export function versionLabel(v: ConfigVersion): string {
  const when = v.collectedAt
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d{3}Z$/, 'Z');
  return `${v.device} v${v.n} ${when} (${describeOrigin(v)})`;
}

export function describeOrigin(v: Pick<ConfigVersion, 'trigger' | 'author'>): string {
  return v.author ? `${v.trigger} by ${v.author}` : v.trigger;
}

export function diffVersions(
  from: ConfigVersion,
  fromBody: string,
  to: ConfigVersion,
  toBody: string,
  context = 3,
): UnifiedDiff {
  return unifiedDiff(
    { label: versionLabel(from), text: fromBody },
    { label: versionLabel(to), text: toBody },
    context,
  );
}

export interface ChangeNotice {
  message?: Message;
  file?: FileUpload;
}

/** Diffs longer than this go up as a file (Slack folds long messages, and code blocks lose colour). */
export const INLINE_DIFF_MAX_LINES = 40;
export const INLINE_DIFF_MAX_CHARS = 3_000;

/**
 * The post announcing a new version: one headline naming device, version, trigger and author, then
 * the unified diff inline when short, or as a `.diff` file when long.
 */
export function changeNotice(
  previous: ConfigVersion,
  current: ConfigVersion,
  diff: UnifiedDiff,
): ChangeNotice {
  const stats = `+${diff.added} −${diff.removed} line${diff.added + diff.removed === 1 ? '' : 's'}`;
  const who = current.author ? ` by *${current.author}*` : '';
  const headline = `:memo: Config of *${current.device}* changed${who} (${current.trigger}) — v${previous.n} → v${current.n}, ${stats}`;
  const lines = diff.text.split('\n').length;
  if (lines <= INLINE_DIFF_MAX_LINES && diff.text.length <= INLINE_DIFF_MAX_CHARS) {
    return { message: { text: `${headline}\n\`\`\`\n${diff.text.trimEnd()}\n\`\`\`` } };
  }
  const stamp = current.collectedAt
    .toISOString()
    .replace(/[:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');
  return {
    file: {
      filename: `${current.device}-v${previous.n}-v${current.n}-${stamp}.diff`,
      title: `${current.device} v${previous.n} → v${current.n}`,
      content: diff.text,
      initialComment: `${headline} (${lines} diff lines, attached)`,
    },
  };
}
