import type { PolicyConfig } from '../../policy/index.js';
import type { ConsoleUser } from './server.js';

/**
 * The engineers of the lab workspace: three, so one can request a change, another approve it and a
 * third only watch. netops.example.yaml's policy grants them their roles.
 */
export const LAB_USERS: ConsoleUser[] = [
  { id: 'U0000ALICE', name: 'alice', real_name: 'Alice Operator', tz: 'Europe/Amsterdam' },
  { id: 'U00000BOB0', name: 'bob', real_name: 'Bob Approver', tz: 'Europe/Amsterdam' },
  { id: 'U000CAROL0', name: 'carol', real_name: 'Carol Viewer', tz: 'Europe/London' },
];

/** Channels of the lab workspace: where the bot's ops, change and alert messages land. */
export const LAB_CHANNELS = {
  ops: { id: 'C00NETOPS0', name: 'netops' },
  changes: { id: 'C0NETCHNGS', name: 'net-changes' },
  alerts: { id: 'C0NETALRTS', name: 'net-alerts' },
} as const;

/**
 * The switcher's labels come from the rules the bot enforces, never from a list of their own, so
 * the page cannot claim a right the bot does not grant: the policy's grants when there is a
 * policy, else who `changes.approvers` lets approve (anyone may request a change without one).
 */
export function withRoles(
  users: readonly ConsoleUser[],
  policy: PolicyConfig | undefined,
  approvers?: Record<string, string[]>,
): ConsoleUser[] {
  return users.map((u) => {
    if (policy) {
      const roles = policy.grants.filter((g) => g.users.includes(u.id)).map((g) => g.role);
      return { ...u, role: roles.length ? [...new Set(roles)].join(', ') : 'no role' };
    }
    if (!approvers) return { ...u, role: 'requests and approves' };
    return { ...u, role: approvers[u.id]?.length ? 'approver' : 'requests changes' };
  });
}
