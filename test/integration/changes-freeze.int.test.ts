import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Fleet, fleetAccess, startFleet } from '../../src/lab/fleet/index.js';
import { ALICE, BOB, CAROL, changeDriver } from '../helpers/changes.js';
import { type Stack, startStack } from '../helpers/stack.js';

/**
 * During a change freeze an approver is not enough: the second person must hold `admin`. Also the
 * approval window ending by itself (the delayed expiry job), and devices that cannot be changed.
 */
let fleet: Fleet;
let s: Stack;

beforeAll(async () => {
  fleet = await startFleet({
    devices: [
      // Alice has her own account on fz1, as with per-person TACACS accounts.
      { name: 'fz1', vendor: 'arista_eos', users: [{ username: 'alice', password: 'alice-own-pw-1' }] },
      { name: 'fz2', vendor: 'arista_eos' },
      { name: 'lx1', vendor: 'linux' },
    ],
  });
  const { devices, env } = fleetAccess(fleet, { pinHostKeys: true });
  const now = Date.now();
  s = await startStack({
    devices,
    extraYaml: {
      changes: {
        soak: 0,
        // Short, so the expiry job's run can be watched; the freeze test clicks well within it.
        approvalTtl: '6s',
        // Alice's changes go in under her own device account.
        credentials: { [ALICE]: 'alice-own' },
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
    start: {
      secretsEnv: {
        ...env,
        NETOPS_CRED_ALICE_OWN_USERNAME: 'alice',
        NETOPS_CRED_ALICE_OWN_PASSWORD: 'alice-own-pw-1',
        NETOPS_CRED_ALICE_OWN_ENABLE: fleet.get('fz1').credential.enable!,
      },
    },
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
  // The device's own accounting names the requester, not the service account.
  expect(fleet.get('fz1').sim.lastChange.by).toBe('alice');
});

it('nobody approves: when the window ends the card says expired and the locks are released', async () => {
  const d = changeDriver(s.emu, s.db.pool);
  const { id, card } = await d.request('fz2', { lines: 'ntp server 10.32.0.1', reason: 'left alone' });
  expect((await s.db.pool.query('SELECT device FROM change_locks')).rows).toEqual([{ device: 'fz2' }]);
  expect((await d.settle(id, 30_000)).state).toBe('expired');
  const edit = await s.emu.waitFor(
    (c) => c.method === 'chat.update' && c.args.ts === card.ts && /expired/.test(String(c.args.text)),
    10_000,
  );
  expect(JSON.stringify(edit.args.blocks)).not.toContain('change.approve');
  expect((await s.db.pool.query('SELECT count(*)::int AS n FROM change_locks')).rows[0].n).toBe(0);
  expect(await d.click('change.approve', card.value, card.ts, CAROL)).toMatch(
    /is expired; there is nothing to approve/,
  );
});

it('a glob that takes in a device without change support is refused in the form', async () => {
  const d = changeDriver(s.emu, s.db.pool);
  const view = await d.openForm('*');
  const res = await d.submit(view, { lines: 'ntp server 10.33.0.1', reason: 'all of them' });
  expect((res.body as { errors: Record<string, string> }).errors.lines).toMatch(
    /not supported on lx1 \(Linux/,
  );
});
