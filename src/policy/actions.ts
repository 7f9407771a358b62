/**
 * Every action a command, button, modal or alert can need. `changes` marks what alters a device
 * or the inventory: the default policy (no `policy` section) never allows those, and the worker
 * checks them again before it runs anything.
 */
export const ACTIONS = {
  public: { changes: false, summary: 'help and whoami: always allowed' },
  read: { changes: false, summary: 'read the inventory, stored configs, charts and jobs' },
  show: { changes: false, summary: 'run a read-only command on a device over SSH' },
  backup: { changes: false, summary: 'back up device configurations now' },
  discover: { changes: false, summary: 'probe addresses or LLDP neighbours for new devices' },
  audit: { changes: false, summary: "read the audit log (everyone's commands and denials)" },
  'incident.ack': { changes: false, summary: 'acknowledge, assign and close incidents' },
  'inventory.add': { changes: true, summary: 'add devices to the inventory (netops.yaml)' },
  'change.request': { changes: true, summary: 'request a configuration change (dry run, then approval)' },
  'change.approve': { changes: true, summary: "approve and apply someone else's change request" },
  'change.admin': { changes: true, summary: "override change freezes and cancel others' changes" },
  admin: { changes: true, summary: 'administer the bot itself' },
} as const;

export type Action = keyof typeof ACTIONS;
export const ACTION_NAMES = Object.keys(ACTIONS) as Action[];

export function isAction(value: string): value is Action {
  return Object.hasOwn(ACTIONS, value);
}

/** True for actions that alter a device or the inventory. */
export function changes(action: Action): boolean {
  return ACTIONS[action].changes;
}
