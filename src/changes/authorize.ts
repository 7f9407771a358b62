import type { Config } from '../config.js';
import type { Inventory } from '../inventory/index.js';
import { compilePolicy, decide, deviceFacts } from '../policy/index.js';

export type ChangeAction = 'change.request' | 'change.approve' | 'change.admin';

export type Decision = { ok: true } | { ok: false; reason: string };

/**
 * Who may do which change action on which devices in which channel. Injected, so tests and other
 * front ends (the web console) can pass their own; the default asks the policy module.
 */
export type Authorize = (
  user: string,
  action: ChangeAction,
  devices: readonly string[],
  channel: string,
) => Decision;

/**
 * The policy of netops.yaml (`policy:`) applied to changes: `change.request` and `change.approve`
 * per device scope and channel; `admin` is what a freeze window asks of the second approver.
 * Without a `policy` section nobody may change anything (the policy module's default).
 */
export function configAuthorize(config: Pick<Config, 'policy'>, inventory: Inventory): Authorize {
  const policy = compilePolicy(config.policy);
  return (user, action, devices, channel) => {
    const d = decide(
      {
        user,
        // User-group membership is not resolved here yet: grants to groups do not count for changes.
        groups: [],
        action: action === 'change.admin' ? 'admin' : action,
        devices: deviceFacts(devices.map((n) => inventory.get(n) ?? { name: n })),
        channel: { id: channel },
      },
      policy,
    );
    return d.allow
      ? { ok: true }
      : { ok: false, reason: `${d.reason.replace(/\.$/, '')}${d.hint ? ` — ${d.hint}` : ''}` };
  };
}
