import type { Pool } from 'pg';
import type { Config } from '../config.js';
import { getVendor, validateReadOnly } from '../devices/index.js';
import { isNetopsError, userText } from '../errors.js';
import type { Inventory } from '../inventory/index.js';
import type { Enqueue } from '../queue/index.js';
import type { ActionHandler, Responder, ViewHandler, ViewValues } from '../slack/index.js';
import type { AuditLog } from '../storage/index.js';
import type { Authorize } from './authorize.js';
import { LockedError } from './store.js';
import { changeLines } from './engine.js';
import { parseChecks } from './rules.js';
import { createChangeService } from './service.js';
import { changeModal, IDS, type ModalMeta } from './views.js';

export interface ChangeHandlerOptions {
  pool: Pool;
  config: Config;
  inventory: Inventory;
  enqueue: Enqueue;
  responder: Responder;
  authorize: Authorize;
  /** Every submission and click is written here too (who, what, accepted or why not). */
  audit?: AuditLog;
  clock?: () => Date;
}

const text = (values: ViewValues, id: string): string => values[id]?.[id]?.value ?? '';

/** The bot side of changes: the modal's submission, Approve/Reject, and the mention's Open button. */
export function createChangeHandlers(o: ChangeHandlerOptions): {
  actions: ActionHandler[];
  views: ViewHandler[];
} {
  const service = createChangeService(o);
  const F = IDS.fields;
  const audit = async (
    userId: string,
    channel: string | undefined,
    text: string,
    ok: boolean,
    summary: string,
  ) => {
    await o.audit
      ?.record({
        source: 'interaction',
        userId,
        ...(channel ? { channelId: channel } : {}),
        text,
        command: 'change',
        status: ok ? 'answered' : 'rejected',
        resultSummary: summary.slice(0, 500),
      })
      .catch(() => {});
  };

  const submit: ViewHandler = {
    callbackId: IDS.modal,
    action: 'change.request',
    scopeOf: (metadata) => {
      const parsed = JSON.parse(metadata) as unknown;
      // JSON of anything (null, a number, a list) names no channel and no device
      const m = (parsed && typeof parsed === 'object' ? parsed : {}) as Partial<ModalMeta>;
      return {
        ...(typeof m.channel === 'string' ? { channel: m.channel } : {}),
        devices: Array.isArray(m.devices) ? m.devices.filter((d): d is string => typeof d === 'string') : [],
      };
    },
    async submit({ userId, values, privateMetadata, responder }) {
      let meta: ModalMeta;
      try {
        meta = JSON.parse(privateMetadata) as ModalMeta;
        if (!Array.isArray(meta.devices) || typeof meta.channel !== 'string') throw new Error('bad metadata');
      } catch {
        return { [F.lines]: 'This form is damaged (no device list). Close it and run the command again.' };
      }
      const errors: Record<string, string> = {};
      const lines = changeLines(text(values, F.lines));
      if (lines.length === 0) errors[F.lines] = 'Enter at least one configuration line.';
      if (lines.length > 500) errors[F.lines] = `At most 500 lines per change (got ${lines.length}).`;
      const reason = text(values, F.reason).trim();
      if (!reason) errors[F.reason] = 'Say why: the approver and the audit read it.';
      const rollbackText = text(values, F.rollback).trim() || String(o.config.changes.rollbackMinutes);
      const rollback = Number(rollbackText);
      if (!Number.isInteger(rollback) || rollback < 1 || rollback > 120)
        errors[F.rollback] = `A whole number of minutes from 1 to 120 (got "${rollbackText}").`;
      const parsed = parseChecks(text(values, F.checks));
      if (parsed.errors.length) errors[F.checks] = parsed.errors.join('; ').slice(0, 300);
      // Post-checks run on the devices: only what `/net show` would allow, per vendor.
      if (!errors[F.checks]) {
        for (const ch of parsed.checks) {
          for (const vendor of new Set(
            meta.devices.map((d) => o.inventory.get(d)?.vendor).filter((v) => v !== undefined),
          )) {
            try {
              validateReadOnly(vendor, ch.command);
            } catch (err) {
              errors[F.checks] = userText(err).slice(0, 300);
            }
          }
        }
      }
      const unsupported = meta.devices.filter((d) => {
        const dev = o.inventory.get(d);
        return dev && !getVendor(dev.vendor).change;
      });
      if (unsupported.length)
        errors[F.lines] = `Configuration changes are not supported on ${unsupported.join(', ')} (${[
          ...new Set(unsupported.map((d) => getVendor(o.inventory.get(d)!.vendor).displayName)),
        ].join(', ')}): leave them out of the glob.`;
      const missing = meta.devices.filter((d) => !o.inventory.get(d));
      if (missing.length)
        errors[F.lines] =
          `No longer in the inventory: ${missing.join(', ')}. Close and run the command again.`;
      if (Object.keys(errors).length) {
        await audit(
          userId,
          meta.channel,
          `change form for ${meta.target}`,
          false,
          Object.values(errors).join('; '),
        );
        return errors;
      }
      try {
        const c = await service.createChangeRequest({
          devices: meta.devices,
          lines,
          reason,
          requester: userId,
          channel: meta.channel,
          ticket: text(values, F.ticket).trim() || null,
          rollbackMinutes: rollback,
          checks: parsed.checks,
        });
        await responder
          .ephemeral(
            { channel: meta.channel, ...(meta.threadTs ? { threadTs: meta.threadTs } : {}) },
            userId,
            {
              text: `Change ${c.id} created: dry run on ${c.devices.length} device(s) running; the approval card follows in <#${c.channel}>.`,
            },
          )
          .catch(() => {});
        return undefined;
      } catch (err) {
        await audit(userId, meta.channel, `change form for ${meta.target}`, false, userText(err));
        if (err instanceof LockedError) {
          return {
            [F.lines]: err.locks
              .map(
                (l) =>
                  `${l.device} is locked by change ${l.changeId} (requested by ${l.heldBy}, since ${l.since.toISOString().slice(11, 16)} UTC)`,
              )
              .join('; ')
              .slice(0, 300),
          };
        }
        if (isNetopsError(err)) return { [F.lines]: userText(err).slice(0, 300) };
        throw err;
      }
    },
  };

  const decide = (decision: 'approve' | 'reject'): ActionHandler => ({
    actionId: decision === 'approve' ? IDS.approve : IDS.reject,
    // Rejecting is a reviewer's decision too; device scopes are checked by the change service.
    action: 'change.approve',
    async handle({ userId, channel, threadTs, value, responder }) {
      const r = await service.decide(value ?? '', userId, decision);
      await audit(userId, channel, `${decision} ${(value ?? '').split(':')[0]}`, r.ok, r.message);
      if (channel) {
        await responder.ephemeral({ channel, ...(threadTs ? { threadTs } : {}) }, userId, {
          text: r.ok ? r.message : `:no_entry: ${r.message}`,
        });
      }
    },
  });

  const open: ActionHandler = {
    actionId: IDS.open,
    action: 'change.request',
    async handle({ userId, channel, threadTs, value, responder, openModal }) {
      try {
        const devices = o.inventory.resolve(value ?? '').map((d) => d.name);
        await openModal(
          changeModal(
            {
              target: value ?? '',
              devices,
              channel: channel ?? o.config.channels.changes ?? '',
              ...(threadTs ? { threadTs } : {}),
            },
            { rollbackMinutes: o.config.changes.rollbackMinutes },
          ),
        );
      } catch (err) {
        if (channel) await responder.ephemeral({ channel }, userId, { text: `:warning: ${userText(err)}` });
      }
    },
  };

  return { actions: [decide('approve'), decide('reject'), open], views: [submit] };
}
