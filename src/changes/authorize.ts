import type { Config } from '../config.js';
import { matchGlob } from '../inventory/index.js';

export type ChangeAction = 'change.request' | 'change.approve' | 'change.admin';

export type Decision = { ok: true } | { ok: false; reason: string };

/**
 * Who may do which change action on which devices in which channel. Injected, so the policy module
 * can replace this reading of `changes.approvers` / `changes.admins` without touching the flow.
 */
export type Authorize = (
  user: string,
  action: ChangeAction,
  devices: readonly string[],
  channel: string,
) => Decision;

export function configAuthorize(cfg: Config['changes']): Authorize {
  return (user, action, devices) => {
    if (action === 'change.request') return { ok: true };
    if (action === 'change.admin') {
      return cfg.admins.includes(user)
        ? { ok: true }
        : { ok: false, reason: `<@${user}> is not a change admin (\`changes.admins\`)` };
    }
    if (!cfg.approvers) return { ok: true };
    const globs = cfg.approvers[user] ?? [];
    const outside = devices.filter((d) => !globs.some((g) => matchGlob(g, d)));
    if (outside.length === 0) return { ok: true };
    return {
      ok: false,
      reason: `<@${user}> may not approve changes on ${outside.map((d) => `\`${d}\``).join(', ')} (\`changes.approvers\`)`,
    };
  };
}
