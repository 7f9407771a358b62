import type { Incident, IncidentAlert } from './store.js';

/** action_ids of the incident buttons; the value is always the incident id. */
export const INCIDENT_ACTIONS = {
  ack: 'incident.ack',
  resolve: 'incident.resolve',
  silence1h: 'incident.silence.1h',
  silence4h: 'incident.silence.4h',
  rerun: 'incident.rerun',
  diff: 'incident.diff',
} as const;

const STATE_ICON = { firing: '🔥', acknowledged: '👀', resolved: '✅' } as const;

export function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 90) return `${s} s`;
  const m = Math.round(s / 60);
  if (m < 90) return `${m} min`;
  const h = Math.floor(m / 60);
  return h < 48 ? `${h} h ${m % 60} min` : `${Math.floor(h / 24)} d ${h % 24} h`;
}

const button = (text: string, actionId: string, value: string, style?: 'primary' | 'danger') => ({
  type: 'button',
  text: { type: 'plain_text', text },
  action_id: actionId,
  value,
  ...(style ? { style } : {}),
});

function stateLine(i: Incident): string {
  if (i.state === 'resolved') {
    const by = i.resolvedBy === 'alert' ? 'all alerts resolved' : `by <@${i.resolvedBy}>`;
    return `*resolved* ${by} after ${duration((i.resolvedAt ?? new Date()).getTime() - i.openedAt.getTime())}`;
  }
  if (i.state === 'acknowledged') return `*acknowledged* by <@${i.ackedBy}>`;
  return '*firing*';
}

/** The parent message of an incident's thread, edited in place as the state changes. */
export function parentMessage(i: Incident, alerts: readonly IncidentAlert[], truncated = 0) {
  const icon = STATE_ICON[i.state];
  const head = `${icon} Incident #${i.id}: ${i.title}`;
  const counts = `${i.firing} firing · ${i.resolved} resolved${truncated ? ` · ${truncated} more not sent by the source` : ''}`;
  const where = [
    i.severity ? `severity *${i.severity}*` : undefined,
    i.site ? `site *${i.site}*` : undefined,
    i.devices.length ? `devices ${i.devices.map((d) => `\`${d}\``).join(', ')}` : undefined,
  ]
    .filter(Boolean)
    .join(' · ');
  const firing = alerts.filter((a) => a.status === 'firing').slice(0, 8);
  const lines = firing.map((a) => {
    const summary = a.annotations.summary ?? a.annotations.description ?? '';
    const what = [a.device, a.interface].filter(Boolean).join(' ');
    return `• *${a.alertname}*${what ? ` ${what}` : ''}${summary ? ` — ${summary.slice(0, 200)}` : ''}`;
  });
  const more = alerts.filter((a) => a.status === 'firing').length - firing.length;
  if (more > 0) lines.push(`…and ${more} more firing`);
  const actions =
    i.state === 'resolved'
      ? [button('Show recent config diff', INCIDENT_ACTIONS.diff, i.id)]
      : [
          ...(i.state === 'firing' ? [button('Acknowledge', INCIDENT_ACTIONS.ack, i.id, 'primary')] : []),
          button('Resolve', INCIDENT_ACTIONS.resolve, i.id),
          button('Silence 1 h', INCIDENT_ACTIONS.silence1h, i.id),
          button('Silence 4 h', INCIDENT_ACTIONS.silence4h, i.id),
          button('Re-run diagnostics', INCIDENT_ACTIONS.rerun, i.id),
          button('Show recent config diff', INCIDENT_ACTIONS.diff, i.id),
        ];
  return {
    text: `${head} — ${i.state} (${counts})`,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: head.slice(0, 150) } },
      {
        type: 'section',
        text: { type: 'mrkdwn', text: `${stateLine(i)} · ${counts}${where ? `\n${where}` : ''}` },
      },
      ...(lines.length
        ? [{ type: 'section', text: { type: 'mrkdwn', text: lines.join('\n').slice(0, 2900) } }]
        : []),
      {
        type: 'context',
        elements: [
          {
            type: 'mrkdwn',
            text: `opened <!date^${Math.floor(i.openedAt.getTime() / 1000)}^{date_short_pretty} {time}|${i.openedAt.toISOString()}> · diagnostics in the thread`,
          },
        ],
      },
      { type: 'actions', block_id: `incident-${i.id}`, elements: actions },
    ],
  };
}

/** Posted in the thread once the incident is resolved. */
export function resolutionSummary(i: Incident): { text: string } {
  const end = i.resolvedAt ?? new Date();
  const tta = i.ackedAt ? duration(i.ackedAt.getTime() - i.openedAt.getTime()) : 'never acknowledged';
  const ttr = duration(end.getTime() - i.openedAt.getTime());
  const by = i.resolvedBy === 'alert' ? 'every alert resolved' : `<@${i.resolvedBy}> resolved it`;
  return {
    text: `✅ Resolved: ${by}. Time to acknowledge: ${tta}${i.ackedBy && i.ackedBy !== i.resolvedBy ? ` (<@${i.ackedBy}>)` : ''}. Time to resolve: ${ttr}. Alerts: ${i.firing + i.resolved}.`,
  };
}
