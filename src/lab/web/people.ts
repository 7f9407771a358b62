import type { PolicyConfig } from '../../policy/index.js';
import type { ConsoleUser } from './server.js';

/**
 * The engineers of the lab workspace: three, so one can request a change, another approve it and a
 * third only watch: the users netops.example.yaml's policy grants operator, approver and viewer
 * (and the emulator's defaults).
 */
export const LAB_USERS: ConsoleUser[] = [
  { id: 'U0000ALICE', name: 'alice', real_name: 'Alice Operator', tz: 'Europe/Amsterdam' },
  { id: 'U00000BOB0', name: 'bob', real_name: 'Bob Approver', tz: 'Europe/Amsterdam' },
  { id: 'U0000CAROL', name: 'carol', real_name: 'Carol Viewer', tz: 'Europe/London' },
];

/** Channels of the lab workspace: where the bot's ops, change and alert messages land. */
export const LAB_CHANNELS = {
  ops: { id: 'C00NETOPS0', name: 'netops' },
  changes: { id: 'C0NETCHNGS', name: 'net-changes' },
  alerts: { id: 'C0NETALRTS', name: 'net-alerts' },
} as const;

/**
 * The switcher's labels come from the policy the bot enforces, never from a list of their own, so
 * the page cannot claim a right the bot does not grant. Without a policy everyone may only read.
 */
export function withRoles(users: readonly ConsoleUser[], policy: PolicyConfig | undefined): ConsoleUser[] {
  return users.map((u) => {
    if (!policy) return { ...u, role: 'read-only (no policy)' };
    const roles = policy.grants.filter((g) => g.users.includes(u.id)).map((g) => g.role);
    return { ...u, role: roles.length ? [...new Set(roles)].join(', ') : 'no role' };
  });
}
