import { context, section } from './blocks.js';
import type { Message, ProgressInfo, ProgressState } from './types.js';

const ICON: Record<ProgressState, string> = {
  queued: ':hourglass_flowing_sand:',
  running: ':arrows_counterclockwise:',
  retrying: ':warning:',
  done: ':white_check_mark:',
  failed: ':x:',
};

function seconds(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;
}

/** The one progress message a job owns; edited in place as the job moves. */
export function progressMessage(p: ProgressInfo): Message {
  const who = p.userId ? ` · asked by <@${p.userId}>` : '';
  const took =
    p.elapsedMs !== undefined && (p.state === 'done' || p.state === 'failed')
      ? ` in ${seconds(p.elapsedMs)}`
      : '';
  const head = `${ICON[p.state]} ${p.what} — *${p.state}*${took}`;
  const text = p.detail ? `${head}\n${p.detail}` : head;
  return {
    text: `${p.state}: ${p.what.replace(/[`*]/g, '')} (job ${p.jobId})${p.detail ? ` — ${p.detail}` : ''}`,
    blocks: [section(text), context(`job \`${p.jobId}\`${who}`)],
  };
}
