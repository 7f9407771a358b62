import { type ChangeServiceOptions, createChangeRequest } from '../changes/index.js';
import { userText } from '../errors.js';
import type { Inventory } from '../inventory/index.js';
import type { Enqueue } from '../queue/index.js';
import type { ActionHandler } from '../slack/index.js';
import { remediation } from './engine.js';
import { REMEDIATE_ACTION_ID, REMEDIATE_ALL_ACTION_ID } from './service.js';
import { createComplianceStore } from './store.js';

export interface RemediateValue {
  device: string;
  rules: string[];
}

function parseValue(value: string | undefined): RemediateValue | undefined {
  try {
    const v = JSON.parse(value ?? '') as Partial<RemediateValue>;
    if (typeof v.device !== 'string' || !Array.isArray(v.rules)) return undefined;
    return { device: v.device, rules: v.rules.filter((r): r is string => typeof r === 'string') };
  } catch {
    return undefined;
  }
}

/**
 * The drift notice's Remediate button: the lines that bring the device back to compliance, from
 * its current stored results (not the notice's, which may be stale), proposed as a change request.
 * The change goes through the approval flow like any other: dry run, a second engineer, commit-confirmed.
 */
export function createRemediateAction(o: ChangeServiceOptions & { secretMarker: string }): ActionHandler {
  return {
    actionId: REMEDIATE_ACTION_ID,
    action: 'change.request',
    devicesOf: (value) => {
      const v = parseValue(value);
      const d = v ? o.inventory.get(v.device) : undefined;
      return d ? [{ name: d.name, site: d.site, role: d.role, tags: d.tags }] : [];
    },
    async handle({ userId, channel, threadTs, value, responder }) {
      const tell = async (text: string) => {
        if (channel)
          await responder.ephemeral({ channel, ...(threadTs ? { threadTs } : {}) }, userId, { text });
      };
      const v = parseValue(value);
      const device = v ? o.inventory.get(v.device) : undefined;
      if (!v || !device) return tell(':warning: This notice names no device I know.');
      const current = (await createComplianceStore(o.pool).latest({ devices: [device.name] })).filter(
        (r) => v.rules.includes(r.rule) && r.status === 'noncompliant',
      );
      if (!current.length) return tell(`\`${device.name}\` already complies with ${v.rules.join(', ')}.`);
      const fix = remediation(current, device.vendor, o.secretMarker);
      const withheld = fix.withheld.length
        ? ` ${fix.withheld.length} line(s) carrying a secret were left out; set those by hand.`
        : '';
      if (!fix.lines.length) return tell(`Nothing I can push for \`${device.name}\`.${withheld}`);
      try {
        const c = await createChangeRequest(o, {
          devices: [device.name],
          lines: fix.lines,
          reason: `compliance remediation: ${current.map((r) => r.rule).join(', ')} (v${current[0]!.versionN ?? '?'})`,
          requester: userId,
          ...(channel ? { channel } : {}),
        });
        await tell(
          `Change ${c.id} created to remediate \`${device.name}\` (${fix.lines.length} line(s)): dry run running; the approval card follows in <#${c.channel}>.${withheld}`,
        );
      } catch (err) {
        await tell(`:no_entry: ${userText(err)}`);
      }
    },
  };
}

function parseAllValue(value: string | undefined): { scope?: string; rule?: string } | undefined {
  try {
    const v = JSON.parse(value ?? '') as { scope?: unknown; rule?: unknown };
    if (typeof v !== 'object' || v === null) return undefined;
    if (v.scope !== undefined && (typeof v.scope !== 'string' || !v.scope || v.scope.length > 200))
      return undefined;
    if (v.rule !== undefined && (typeof v.rule !== 'string' || !v.rule || v.rule.length > 100))
      return undefined;
    return {
      ...(typeof v.scope === 'string' ? { scope: v.scope } : {}),
      ...(typeof v.rule === 'string' ? { rule: v.rule } : {}),
    };
  } catch {
    return undefined;
  }
}

/**
 * The fleet summary's Remediate all button: queues the same job as `compliance remediate <scope>`,
 * which proposes one change request for every non-compliant device in the summary's scope. The
 * worker decides `change.request` again on the clicking user.
 */
export function createRemediateAllAction(o: { inventory: Inventory; enqueue: Enqueue }): ActionHandler {
  const scoped = (v: { scope?: string }) =>
    v.scope ? o.inventory.match({ pattern: v.scope }) : [...o.inventory.list()];
  return {
    actionId: REMEDIATE_ALL_ACTION_ID,
    action: 'change.request',
    devicesOf: (value) => {
      const v = parseAllValue(value);
      return v ? scoped(v).map((d) => ({ name: d.name, site: d.site, role: d.role, tags: d.tags })) : [];
    },
    async handle({ userId, channel, threadTs, messageTs, value, responder }) {
      const v = parseAllValue(value);
      if (!channel) return;
      const where = { channel, ...(threadTs ? { threadTs } : {}) };
      if (!v || !scoped(v).length) {
        await responder.ephemeral(where, userId, { text: ':warning: This summary names no device I know.' });
        return;
      }
      await o.enqueue('compliance.remediate', v, {
        origin: { channel, threadTs: threadTs ?? messageTs, userId },
      });
      await responder.ephemeral(where, userId, {
        text: `Proposing one change request for the failing devices of \`${v.scope ?? 'the fleet'}\`${v.rule ? ` (rule \`${v.rule}\`)` : ''}; the answer follows in the thread.`,
      });
    },
  };
}
