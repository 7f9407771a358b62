import type { Pool } from 'pg';
import type { Config } from '../config.js';
import { ErrorCode, NetopsError } from '../errors.js';
import type { Inventory } from '../inventory/index.js';
import type { Enqueue } from '../queue/index.js';
import type { Responder } from '../slack/index.js';
import type { Authorize } from './authorize.js';
import { changeLines } from './engine.js';
import { activeFreeze, changeHash, type WaveStep } from './rules.js';
import {
  type ChangeRequest,
  type ChangeStore,
  createChangeStore,
  OPEN_STATES,
  planOf,
  type UserCheck,
} from './store.js';
import { approvalCard } from './views.js';

export interface ChangeServiceOptions {
  pool: Pool;
  config: Config;
  inventory: Inventory;
  enqueue: Enqueue;
  responder: Responder;
  authorize: Authorize;
  clock?: () => Date;
}

export interface CreateChangeInput {
  /** Device names (already resolved from a glob). */
  devices: string[];
  /** Config-mode lines in the vendor's syntax, one per entry (or one text with newlines). */
  lines: string[] | string;
  /**
   * Lines per device where they differ (fleet-wide compliance remediation: each device's own
   * vendor-correct fix). Every device must have an entry; `lines` is then only the text people read.
   */
  deviceLines?: Record<string, string[]>;
  /** This change's wave plan, e.g. `[1, '10%', 'rest']` (default: a canary, then `changes.waveSize`). */
  waves?: WaveStep[];
  reason: string;
  requester: string;
  /** Where the approval card goes (default: `channels.changes`). */
  channel?: string;
  ticket?: string | null;
  rollbackMinutes?: number;
  checks?: UserCheck[];
}

export interface Decision {
  ok: boolean;
  /** What the clicking user is told (privately when refused). */
  message: string;
}

const MAX_LINES = 500;

/**
 * Requests, approvals and cancellation: the operations people (and compliance remediation) start.
 * The approval rules live here and are checked again in SQL and by the worker before anything
 * touches a device.
 */
export function createChangeService(o: ChangeServiceOptions) {
  const store: ChangeStore = createChangeStore(o.pool);
  const clock = o.clock ?? (() => new Date());
  const cfg = o.config.changes;

  const refuse = async (
    c: ChangeRequest,
    user: string,
    decision: 'approve' | 'reject',
    hash: string | null,
    reason: string,
  ): Promise<Decision> => {
    await store.recordApproval({ changeId: c.id, userId: user, decision, hash, accepted: false, reason });
    return { ok: false, message: reason };
  };

  const updateCard = async (c: ChangeRequest) => {
    if (!c.cardTs) return;
    await o.responder
      .update({ channel: c.channel, ts: c.cardTs }, approvalCard(c, { diffAsFile: false }))
      .catch(() => {});
  };

  const thread = async (c: ChangeRequest, text: string) => {
    if (!c.cardTs) return;
    await o.responder.post({ channel: c.channel, threadTs: c.cardTs }, { text }).catch(() => {});
  };

  return {
    store,
    /** The same decision the bot's handlers use; the worker asks it again before applying. */
    authorize: o.authorize,

    /** Creates a change request, takes its device locks and starts the dry run. */
    async createChangeRequest(input: CreateChangeInput): Promise<ChangeRequest> {
      const lines = Array.isArray(input.lines) ? input.lines : changeLines(input.lines);
      const problems: string[] = [];
      if (input.devices.length === 0) problems.push('no devices');
      for (const d of input.devices) if (!o.inventory.get(d)) problems.push(`unknown device \`${d}\``);
      if (lines.length === 0) problems.push('no configuration lines');
      if (!input.deviceLines && lines.length > MAX_LINES)
        problems.push(`${lines.length} lines (at most ${MAX_LINES})`);
      if (input.deviceLines) {
        for (const d of input.devices) {
          const own = input.deviceLines[d];
          if (!own?.length) problems.push(`no lines for \`${d}\``);
          else if (own.length > MAX_LINES)
            problems.push(`${own.length} lines for \`${d}\` (at most ${MAX_LINES})`);
        }
        for (const d of Object.keys(input.deviceLines))
          if (!input.devices.includes(d)) problems.push(`lines for \`${d}\`, which is not in the change`);
      }
      if (!input.reason.trim()) problems.push('no reason');
      const channel = input.channel ?? o.config.channels.changes;
      if (!channel) problems.push('no channel for the approval card (set `channels.changes`)');
      if (problems.length) {
        throw new NetopsError(ErrorCode.BAD_ARGS, `bad change request: ${problems.join('; ')}`, {
          userMessage: `The change request has problems: ${problems.join('; ')}.`,
        });
      }
      const auth = o.authorize(input.requester, 'change.request', input.devices, channel!);
      if (!auth.ok) throw new NetopsError(ErrorCode.FORBIDDEN, auth.reason, { userMessage: auth.reason });
      const c = await store.create({
        devices: input.devices,
        lines: lines.join('\n'),
        deviceLines: input.deviceLines
          ? Object.fromEntries(input.devices.map((d) => [d, input.deviceLines![d]!.join('\n')]))
          : null,
        waves: input.waves ?? null,
        reason: input.reason.trim(),
        ticket: input.ticket ?? null,
        rollbackMinutes: input.rollbackMinutes ?? cfg.rollbackMinutes,
        checks: input.checks ?? [],
        requester: input.requester,
        channel: channel!,
      });
      await o.enqueue('change.dryrun', { id: c.id }, { jobId: `dryrun-${c.id}` });
      return c;
    },

    /** An Approve or Reject click on a card whose buttons carry `<id>:<hash>`. */
    async decide(value: string, user: string, decision: 'approve' | 'reject'): Promise<Decision> {
      const [id, hash] = value.split(':');
      const c = id ? await store.get(id) : undefined;
      if (!c || !hash) return { ok: false, message: 'This card does not name a change I know.' };
      if (c.state !== 'awaiting_approval') {
        return refuse(
          c,
          user,
          decision,
          hash,
          `Change ${c.id} is ${c.state.replace('_', ' ')}; there is nothing to ${decision}.`,
        );
      }
      if (decision === 'reject') {
        const done = await store.transition(c.id, ['awaiting_approval'], 'rejected', {
          detail: `rejected by <@${user}>`,
        });
        if (!done) return { ok: false, message: `Change ${c.id} moved on before your click.` };
        await store.recordApproval({ changeId: c.id, userId: user, decision, hash, accepted: true });
        await updateCard(done);
        await thread(done, `:no_entry: rejected by <@${user}>; locks released.`);
        return { ok: true, message: `Change ${c.id} rejected.` };
      }
      if (user === c.requester) {
        return refuse(
          c,
          user,
          decision,
          hash,
          `You requested change ${c.id}; a second engineer must approve it.`,
        );
      }
      if (hash !== c.hash) {
        return refuse(
          c,
          user,
          decision,
          hash,
          `This card is out of date: change ${c.id} was dry-run again since. Approve the newest card.`,
        );
      }
      // The stored hash must still describe the stored dry run (nothing edited under it).
      if (!c.dryRun || changeHash(c.devices, c.lines, c.dryRun, planOf(c)) !== c.hash) {
        return refuse(
          c,
          user,
          decision,
          hash,
          `Change ${c.id} does not match its dry run any more; request it again.`,
        );
      }
      const now = clock();
      if (c.expiresAt && c.expiresAt.getTime() <= now.getTime()) {
        const gone = await store.transition(c.id, ['awaiting_approval'], 'expired', {
          detail: `approval window ended ${c.expiresAt.toISOString()}`,
        });
        if (gone) {
          await updateCard(gone);
          await thread(
            gone,
            ':alarm_clock: the approval window ended; locks released. Request the change again.',
          );
        }
        return refuse(
          c,
          user,
          decision,
          hash,
          `Change ${c.id} expired at ${c.expiresAt.toISOString().slice(11, 16)} UTC; request it again for a fresh dry run.`,
        );
      }
      const scope = o.authorize(user, 'change.approve', c.devices, c.channel);
      if (!scope.ok)
        return refuse(c, user, decision, hash, `You cannot approve change ${c.id}: ${scope.reason}.`);
      const freeze = activeFreeze(cfg.freezes, now);
      if (freeze && !o.authorize(user, 'change.admin', c.devices, c.channel).ok) {
        return refuse(
          c,
          user,
          decision,
          hash,
          `A change freeze is on until ${freeze.end.toISOString()}${freeze.reason ? ` (${freeze.reason})` : ''}: an admin must approve.`,
        );
      }
      // A newer config version on any device voids the dry run: what was approved would not be what is applied.
      const { rows } = await o.pool.query(
        `SELECT device, max(id) AS id FROM config_versions WHERE device = ANY($1) GROUP BY device`,
        [c.devices],
      );
      const latest = new Map(rows.map((r) => [r.device as string, Number(r.id)]));
      const stale = c.dryRun.filter((d) => (latest.get(d.device) ?? 0) !== d.versionId).map((d) => d.device);
      if (stale.length) {
        const voided = await store.transition(c.id, ['awaiting_approval'], 'expired', {
          detail: `voided: the configuration of ${stale.join(', ')} changed after the dry run`,
        });
        if (voided) {
          await updateCard(voided);
          await thread(
            voided,
            `:warning: voided: ${stale.join(', ')} changed since the dry run. Request the change again.`,
          );
        }
        return refuse(
          c,
          user,
          decision,
          hash,
          `The dry run of ${c.id} is stale: ${stale.map((d) => `\`${d}\``).join(', ')} changed since. Request the change again for a new dry run.`,
        );
      }
      // The SQL repeats the rules, so a race (two clicks, a late expiry) cannot slip through.
      const approved = await store.transition(
        c.id,
        ['awaiting_approval'],
        'approved',
        { approver: user, approvedAt: now },
        { sql: 'hash = $1 AND requester <> $2 AND expires_at > $3', params: [hash, user, now] },
      );
      if (!approved) return { ok: false, message: `Change ${c.id} moved on before your click.` };
      await store.recordApproval({ changeId: c.id, userId: user, decision, hash, accepted: true });
      await updateCard(approved);
      await thread(approved, `:white_check_mark: approved by <@${user}>; applying.`);
      await o.enqueue('change.apply', { id: c.id }, { jobId: `apply-${c.id}` });
      return { ok: true, message: `Change ${c.id} approved; applying.` };
    },

    async cancel(id: string, user: string): Promise<Decision> {
      const c = await store.get(id);
      if (!c) return { ok: false, message: `There is no change ${id}.` };
      if (c.requester !== user && !o.authorize(user, 'change.admin', c.devices, c.channel).ok) {
        return {
          ok: false,
          message: `Only the requester (<@${c.requester}>) or an admin can cancel ${c.id}.`,
        };
      }
      const done = await store.transition(
        c.id,
        ['requested', 'dry_run', 'awaiting_approval', 'approved'],
        'cancelled',
        {
          detail: `cancelled by <@${user}>`,
        },
      );
      if (!done) {
        return {
          ok: false,
          message: OPEN_STATES.includes(c.state)
            ? `Change ${c.id} is being applied; it cannot be cancelled now (it confirms or rolls back by itself).`
            : `Change ${c.id} is already ${c.state.replace('_', ' ')}.`,
        };
      }
      await updateCard(done);
      await thread(done, `:no_entry_sign: cancelled by <@${user}>; locks released.`);
      return { ok: true, message: `Change ${c.id} cancelled; its device locks are released.` };
    },
  };
}

export type ChangeService = ReturnType<typeof createChangeService>;

/**
 * Creates a change request (locks, then the dry run and the approval card): the entry point for
 * code that proposes changes (compliance remediation), with the same rules as the form.
 */
export function createChangeRequest(
  options: ChangeServiceOptions,
  input: CreateChangeInput,
): Promise<ChangeRequest> {
  return createChangeService(options).createChangeRequest(input);
}
