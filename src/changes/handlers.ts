import type { Pool } from 'pg';
import type { Config } from '../config.js';
import { isNetopsError, userText } from '../errors.js';
import type { Inventory } from '../inventory/index.js';
import type { Enqueue } from '../queue/index.js';
import type { ActionHandler, Responder, ViewHandler, ViewValues } from '../slack/index.js';
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

  const submit: ViewHandler = {
    callbackId: IDS.modal,
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
      const missing = meta.devices.filter((d) => !o.inventory.get(d));
      if (missing.length)
        errors[F.lines] =
          `No longer in the inventory: ${missing.join(', ')}. Close and run the command again.`;
      if (Object.keys(errors).length) return errors;
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
    async handle({ userId, channel, threadTs, value, responder }) {
      const r = await service.decide(value ?? '', userId, decision);
      if (channel) {
        await responder.ephemeral({ channel, ...(threadTs ? { threadTs } : {}) }, userId, {
          text: r.ok ? r.message : `:no_entry: ${r.message}`,
        });
      }
    },
  });

  const open: ActionHandler = {
    actionId: IDS.open,
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
