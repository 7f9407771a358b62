import type { ConsoleUser } from './server.js';

/**
 * The engineers of the lab workspace. Three, so one can request a change, another approve it and a
 * third only watch; the roles shown are what netops.example.yaml's policy grants them (the bot
 * decides, the console only labels).
 */
export const LAB_USERS: ConsoleUser[] = [
  { id: 'U0000ALICE', name: 'alice', real_name: 'Alice Operator', role: 'operator', tz: 'Europe/Amsterdam' },
  { id: 'U00000BOB0', name: 'bob', real_name: 'Bob Approver', role: 'approver', tz: 'Europe/Amsterdam' },
  { id: 'U000CAROL0', name: 'carol', real_name: 'Carol Viewer', role: 'viewer', tz: 'Europe/London' },
];

/** Channels of the lab workspace: where the bot's ops, change and alert messages land. */
export const LAB_CHANNELS = {
  ops: { id: 'C00NETOPS0', name: 'netops' },
  changes: { id: 'C0NETCHNGS', name: 'net-changes' },
  alerts: { id: 'C0NETALRTS', name: 'net-alerts' },
} as const;
