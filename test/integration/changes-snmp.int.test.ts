import { afterAll, beforeAll, expect, it } from 'vitest';
import { normalise, rulesFor } from '../../src/configs/index.js';
import { type Fleet, fleetAccess, startFleet } from '../../src/lab/fleet/index.js';
import { type SnmpLab, startSnmpLab } from '../../src/lab/snmp/agent.js';
import { ALICE, BOB, changeDriver } from '../helpers/changes.js';
import { type Stack, startStack } from '../helpers/stack.js';

/**
 * The SNMP part of the post-checks, against the simulated SNMP agents: reachable over SNMP after
 * the commit (and error counters not jumping), and a device that stops answering SNMP during the
 * soak is rolled back.
 */
let fleet: Fleet;
let snmp: SnmpLab;
let s: Stack;

beforeAll(async () => {
  fleet = await startFleet({ devices: [{ name: 'sn1', vendor: 'cisco_iosxe' }] });
  snmp = await startSnmpLab({
    community: 'sim-ro',
    // SSH and SNMP answer on one address, as on a real device.
    devices: [{ name: 'sn1', vendor: 'cisco_iosxe', interfaces: 4, rebootPerDay: 0, host: '127.0.0.1' }],
  });
  const { devices, env } = fleetAccess(fleet, { pinHostKeys: true });
  const ep = snmp.endpoint('sn1');
  s = await startStack({
    devices: devices.map((d) => ({
      ...d,
      snmp: { version: '2c' as const, port: ep.port, credential: 'sim', timeoutMs: 500, retries: 0 },
    })),
    extraYaml: {
      // A soak long enough to take the SNMP agent away in the middle of it.
      changes: { soak: '2s' },
      policy: {
        grants: [
          { role: 'operator', users: [ALICE] },
          { role: 'approver', users: [BOB] },
        ],
      },
    },
    start: { secretsEnv: { ...env, NETOPS_CRED_SIM_COMMUNITY: 'sim-ro' } },
  });
}, 60_000);

afterAll(async () => {
  await s?.stop();
  await snmp?.close().catch(() => {});
  await fleet?.stop();
});

it('post-checks include SNMP reachability and the error counters; all pass → confirmed', async () => {
  const d = changeDriver(s.emu, s.db.pool);
  const { id, card } = await d.request('sn1', { lines: 'ntp server 10.41.0.1', reason: 'snmp checks' });
  await d.click('change.approve', card.value, card.ts, BOB);
  expect((await d.settle(id)).state).toBe('confirmed');
  const thread = d.thread(card.ts).join('\n');
  expect(thread).toMatch(/:white_check_mark: reachable over SNMP: yes/);
  expect(thread).toMatch(/:white_check_mark: interface error counters: \+\d+ errors since the commit/);
});

it('the device stops answering SNMP during the soak → rolled back, and the thread says so', async () => {
  const d = changeDriver(s.emu, s.db.pool);
  const before = normalise(fleet.get('sn1').runningConfig(), rulesFor('cisco_iosxe'));
  const { id, card } = await d.request('sn1', { lines: 'ntp server 10.42.0.1', reason: 'snmp goes away' });
  await d.click('change.approve', card.value, card.ts, BOB);
  for (let i = 0; (await d.devices(id))[0]?.state !== 'committed'; i++) {
    if (i > 200) throw new Error('never committed');
    await new Promise((r) => setTimeout(r, 50));
  }
  await snmp.close();
  const end = await d.settle(id);
  expect(end.state).toBe('rolled_back');
  expect(end.detail).toMatch(/reachable over SNMP/);
  expect(normalise(fleet.get('sn1').runningConfig(), rulesFor('cisco_iosxe'))).toBe(before);
});
