import type { Message } from '../chat/index.js';
import type { AnomalyRow, FeedbackRow } from './store.js';

/**
 * The one Slack message per device and episode: every anomaly's sentence, the feedback buttons,
 * and, once everything has cleared, the same message edited to say so.
 */

export const ACTIONS = { expected: 'anomaly.expected', real: 'anomaly.real' } as const;

/** Durations the "expected" buttons offer; the value travels in the button. */
export const MUTES = { '4h': 4 * 3_600_000, '7d': 7 * 86_400_000 } as const;

function clock(d: Date, tz: string): string {
  return new Intl.DateTimeFormat('en-GB', {
    timeZone: tz,
    hour: '2-digit',
    minute: '2-digit',
    hour12: false,
  }).format(d);
}

export function feedbackLine(f: FeedbackRow, tz: string): string {
  if (f.verdict === 'real') return `<@${f.userId}> marked this a real problem`;
  if (f.action === 'mute' && f.until)
    return `<@${f.userId}> marked this expected: muted until ${clock(f.until, tz)} ${f.until.toISOString().slice(0, 10)}`;
  if (f.action === 'widen') return `<@${f.userId}> marked this expected: band widened`;
  return `<@${f.userId}> marked this expected`;
}

export function groupMessage(
  input: {
    groupId: number;
    device: string;
    anomalies: readonly AnomalyRow[];
    feedback: readonly FeedbackRow[];
    closedAt: Date | null;
  },
  tz: string,
): Message {
  const open = input.anomalies.filter((a) => !a.clearedAt);
  const head = input.closedAt
    ? `:white_check_mark: *${input.device}*: cleared at ${clock(input.closedAt, tz)}`
    : `:rotating_light: *${input.device}*: ${open.length} anomal${open.length === 1 ? 'y' : 'ies'} now`;
  const lines = input.anomalies.map(
    (a) => `${a.clearedAt ? `~${a.explanation}~ (cleared ${clock(a.clearedAt, tz)})` : `• ${a.explanation}`}`,
  );
  const text = [head, ...lines].join('\n');
  const blocks: unknown[] = [
    { type: 'section', text: { type: 'mrkdwn', text: head } },
    { type: 'section', text: { type: 'mrkdwn', text: lines.join('\n').slice(0, 2900) || '–' } },
  ];
  if (input.feedback.length) {
    blocks.push({
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: input.feedback
            .map((f) => feedbackLine(f, tz))
            .join(' · ')
            .slice(0, 2900),
        },
      ],
    });
  }
  if (!input.closedAt) {
    const id = String(input.groupId);
    blocks.push({
      type: 'actions',
      block_id: `anomaly-${id}`,
      elements: [
        {
          type: 'button',
          action_id: `${ACTIONS.expected}.mute4h`,
          text: { type: 'plain_text', text: 'Expected: mute 4 h' },
          value: `${id}:mute:4h`,
        },
        {
          type: 'button',
          action_id: `${ACTIONS.expected}.mute7d`,
          text: { type: 'plain_text', text: 'Expected: mute 7 days' },
          value: `${id}:mute:7d`,
        },
        {
          type: 'button',
          action_id: `${ACTIONS.expected}.widen`,
          text: { type: 'plain_text', text: 'Expected: widen band' },
          value: `${id}:widen`,
        },
        {
          type: 'button',
          action_id: ACTIONS.real,
          style: 'danger',
          text: { type: 'plain_text', text: 'Real problem' },
          value: `${id}:real`,
        },
      ],
    });
  }
  return { text, blocks };
}

export interface FeedbackRequest {
  groupId: number;
  verdict: 'expected' | 'real';
  action: 'mute' | 'widen' | null;
  durationMs: number | null;
}

/** Parses a button value ("12:mute:4h", "12:widen", "12:real"); undefined when forged or stale. */
export function parseFeedbackValue(value: string): FeedbackRequest | undefined {
  const m = /^(\d{1,15}):(mute:(4h|7d)|widen|real)$/.exec(value);
  if (!m) return undefined;
  const groupId = Number(m[1]);
  if (m[2] === 'real') return { groupId, verdict: 'real', action: null, durationMs: null };
  if (m[2] === 'widen') return { groupId, verdict: 'expected', action: 'widen', durationMs: null };
  return { groupId, verdict: 'expected', action: 'mute', durationMs: MUTES[m[3] as keyof typeof MUTES] };
}
