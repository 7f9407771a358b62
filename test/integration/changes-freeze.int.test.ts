import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Fleet, fleetAccess, startFleet } from '../../src/lab/fleet/index.js';
import { ALICE, BOB, CAROL, changeDriver } from '../helpers/changes.js';
import { type Stack, startStack } from '../helpers/stack.js';

/** During a change freeze an approver is not enough: the second person must hold `admin`. */
let fleet: Fleet;
let s: Stack;

beforeAll(async () => {
  fleet = await startFleet({ devices: [{ name: 'fz1', vendor: 'arista_eos' }] });
  const { devices, env } = fleetAccess(fleet, { pinHostKeys: true });
  const now = Date.now();
  s = await startStack({
    devices,
    extraYaml: {
      changes: {
        soak: 0,
        freezes: [
          {
            start: new Date(now - 3_600_000).toISOString(),
            end: new Date(now + 3_600_000).toISOString(),
            reason: 'year-end',
          },
        ],
      },
      policy: {
        grants: [
          { role: 'operator', users: [ALICE] },
          { role: 'approver', users: [BOB] },
          { role: 'admin', users: [CAROL] },
        ],
      },
    },
    start: { secretsEnv: env },
  });
}, 60_000);

afterAll(async () => {
  await s?.stop();
  await fleet?.stop();
});

it('an approver is refused during a freeze; an admin as second approver goes through', async () => {
  const d = changeDriver(s.emu, s.db.pool);
  const { id, card } = await d.request('fz1', { lines: 'ntp server 10.31.0.1', reason: 'during the freeze' });
  const refused = await d.click('change.approve', card.value, card.ts, BOB);
  expect(refused).toMatch(/change freeze is on until .* \(year-end\): an admin must approve/);
  expect((await d.state(id)).state).toBe('awaiting_approval');
  const ok = await d.click('change.approve', card.value, card.ts, CAROL);
  expect(ok).toMatch(/approved; applying/);
  expect((await d.settle(id)).state).toBe('confirmed');
  expect(fleet.get('fz1').runningConfig()).toContain('ntp server 10.31.0.1');
});
