import { codeBlock, context, escapeMrkdwn, type Message, SLACK_LIMITS, section } from '../slack/index.js';
import type { Risk } from './rules.js';
import type { ChangeDevice, ChangeRequest, DeviceDryRun } from './store.js';

/**
 * Block Kit for changes. The ids below are an interface (the web console and tests drive them):
 * keep them stable.
 *
 * modal   callback_id `change.request`; blocks/actions `lines`, `reason`, `ticket`, `rollback`, `checks`
 * card    actions block `change.actions`: buttons `change.approve` / `change.reject`, value `<id>:<hash>`
 * thread  button `change.open` (value: the device or glob) opens the modal from a mention
 */
export const IDS = {
  modal: 'change.request',
  approve: 'change.approve',
  reject: 'change.reject',
  open: 'change.open',
  actions: 'change.actions',
  fields: { lines: 'lines', reason: 'reason', ticket: 'ticket', rollback: 'rollback', checks: 'checks' },
} as const;

export interface ModalMeta {
  target: string;
  devices: string[];
  channel: string;
  threadTs?: string;
}

const input = (
  id: string,
  label: string,
  element: Record<string, unknown>,
  options: { optional?: boolean; hint?: string } = {},
) => ({
  type: 'input',
  block_id: id,
  label: { type: 'plain_text', text: label },
  optional: options.optional ?? false,
  element: { action_id: id, ...element },
  ...(options.hint ? { hint: { type: 'plain_text', text: options.hint } } : {}),
});

export function changeModal(meta: ModalMeta, defaults: { rollbackMinutes: number; lines?: string }) {
  const names =
    meta.devices.length <= 5
      ? meta.devices.join(', ')
      : `${meta.devices.slice(0, 5).join(', ')} +${meta.devices.length - 5}`;
  return {
    type: 'modal',
    callback_id: IDS.modal,
    private_metadata: JSON.stringify(meta),
    title: { type: 'plain_text', text: 'Configuration change' },
    submit: { type: 'plain_text', text: 'Dry run' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      section(`*Devices* (${meta.devices.length}): \`${escapeMrkdwn(names)}\``),
      input(
        IDS.fields.lines,
        'Configuration lines (vendor syntax)',
        {
          type: 'plain_text_input',
          multiline: true,
          ...(defaults.lines ? { initial_value: defaults.lines } : {}),
        },
        { hint: 'As typed in config mode; indent lines under a block header, or use exit.' },
      ),
      input(IDS.fields.reason, 'Reason', { type: 'plain_text_input', max_length: 500 }),
      input(IDS.fields.ticket, 'Ticket', { type: 'plain_text_input', max_length: 100 }, { optional: true }),
      input(
        IDS.fields.rollback,
        'Rollback timer (minutes)',
        {
          type: 'number_input',
          is_decimal_allowed: false,
          min_value: '1',
          max_value: '120',
          initial_value: String(defaults.rollbackMinutes),
        },
        {
          hint: 'Unconfirmed changes roll back after this long; the bot confirms only when the post-checks pass.',
        },
      ),
      input(
        IDS.fields.checks,
        'Post-checks (optional)',
        { type: 'plain_text_input', multiline: true },
        {
          optional: true,
          hint: 'One per line: command => expected pattern, e.g. show ip bgp summary => 10\\.0\\.0\\.2',
        },
      ),
    ],
  };
}

const STATE_LINE: Record<string, string> = {
  requested: ':hourglass_flowing_sand: requested',
  dry_run: ':mag: dry run',
  awaiting_approval: ':eyes: awaiting approval',
  approved: ':white_check_mark: approved',
  applying: ':gear: applying',
  confirmed: ':white_check_mark: confirmed',
  rolled_back: ':rewind: rolled back',
  failed: ':x: failed',
  expired: ':alarm_clock: expired',
  cancelled: ':no_entry_sign: cancelled',
  rejected: ':no_entry: rejected',
};

export function stateLabel(state: string): string {
  return STATE_LINE[state] ?? state;
}

function riskText(risk: Risk | null): string {
  if (!risk) return '';
  const areas = risk.touches.length
    ? `touches *${risk.touches.join('*, *')}*`
    : 'touches no management, routing, ACL or AAA lines';
  return `*Risk*: +${risk.added} −${risk.removed} lines; ${areas}`;
}

export function diffText(dryRun: readonly DeviceDryRun[]): string {
  return dryRun
    .map((d) => {
      const head = `### ${d.device} (${d.vendor}) +${d.added} −${d.removed}${d.check ? ` · syntax check: ${d.check.split('\n')[0]}` : ' · no syntax check before the apply (a refused line is rolled back)'}`;
      return `${head}\n${d.diff || '(no difference: this device already has these lines)'}`;
    })
    .join('\n\n');
}

/** The approval card: what changes where, the risk, and the buttons bound to the hash. */
export function approvalCard(c: ChangeRequest, options: { diffAsFile: boolean; expiresAt?: Date }): Message {
  const open = c.state === 'awaiting_approval';
  const risk = (c.risk as Risk | null) ?? null;
  const devices =
    c.devices.length <= 10
      ? c.devices.join(', ')
      : `${c.devices.slice(0, 10).join(', ')} +${c.devices.length - 10}`;
  const head = `*Change ${c.id}* — ${stateLabel(c.state)}\nrequested by <@${c.requester}>${c.approver ? ` · approved by <@${c.approver}>` : ''}${c.ticket ? ` · ticket ${escapeMrkdwn(c.ticket)}` : ''}\n*Reason*: ${escapeMrkdwn(c.reason)}`;
  const blocks: unknown[] = [
    section(head),
    section(
      `*Devices* (${c.devices.length}): ${escapeMrkdwn(devices)}${c.deviceLines ? ' · each with its own lines' : ''}\n${riskText(risk)}${c.waves ? `\n*Waves*: ${c.waves.join(', ')} (a failing wave stops the change and is rolled back)` : ''}`,
    ),
  ];
  if (c.dryRun) {
    const text = diffText(c.dryRun);
    if (options.diffAsFile || text.length > SLACK_LIMITS.inlineCodeChars) {
      blocks.push(section(`The diff (${text.split('\n').length} lines) is attached in the thread.`));
    } else blocks.push(section(codeBlock(text)));
  }
  if (c.detail && !open) blocks.push(section(escapeMrkdwn(c.detail)));
  if (open && c.hash) {
    const value = `${c.id}:${c.hash}`;
    blocks.push({
      type: 'actions',
      block_id: IDS.actions,
      elements: [
        {
          type: 'button',
          action_id: IDS.approve,
          style: 'primary',
          text: { type: 'plain_text', text: 'Approve' },
          value,
        },
        {
          type: 'button',
          action_id: IDS.reject,
          style: 'danger',
          text: { type: 'plain_text', text: 'Reject' },
          value,
        },
      ],
    });
  }
  const expiry = options.expiresAt ?? c.expiresAt;
  blocks.push(
    context(
      `hash \`${(c.hash ?? '').slice(0, 12)}\`${open && expiry ? ` · approval expires ${expiry.toISOString().slice(11, 16)} UTC` : ''} · rollback timer ${c.rollbackMinutes} min`,
    ),
  );
  return {
    text: `Change ${c.id} (${c.state.replace('_', ' ')}) on ${c.devices.length} device(s): ${c.reason}`,
    blocks,
  };
}

export function devicesTable(devs: readonly ChangeDevice[]): string {
  return devs
    .map(
      (d) =>
        `wave ${d.wave}  ${d.device.padEnd(16)} ${d.state}${d.detail ? `  ${d.detail.split('\n')[0]}` : ''}`,
    )
    .join('\n');
}

export function openButton(target: string): Message {
  return {
    text: `Open the change form for ${target}`,
    blocks: [
      section(`Change \`${escapeMrkdwn(target)}\`: open the form to enter the lines.`),
      {
        type: 'actions',
        elements: [
          {
            type: 'button',
            action_id: IDS.open,
            text: { type: 'plain_text', text: 'Open change form' },
            value: target,
          },
        ],
      },
    ],
  };
}
