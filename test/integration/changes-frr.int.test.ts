import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normalise, rulesFor } from '../../src/configs/index.js';
import { BOB, changeDriver, twoEngineers } from '../helpers/changes.js';
import { type FrrLab, startFrrLab, vtysh } from '../helpers/frr.js';
import { type Stack, startStack } from '../helpers/stack.js';

/**
 * Changes on real FRRouting (vtysh behind a real sshd): no candidate, no rollback of its own, so the
 * dry run is the hierarchy-aware model, the confirm window is emulated, and a rollback restores the
 * backup line by line. FRR is shared with other suites: this only touches a prefix-list of its own.
 */
const LIST = `netops-chg-${randomBytes(3).toString('hex')}`;
let frr: FrrLab;
let s: Stack;
let d: ReturnType<typeof changeDriver>;
const body = () => normalise(vtysh('show running-config'), rulesFor('frr'));

beforeAll(async () => {
  frr = await startFrrLab();
  s = await startStack({
    devices: [frr.device],
    extraYaml: twoEngineers(),
    start: { secretsEnv: frr.secretsEnv },
  });
  d = changeDriver(s.emu, s.db.pool);
}, 60_000);

afterAll(async () => {
  await s?.stop();
  await frr?.stop([`no ip prefix-list ${LIST}`]);
});

describe('changes on real FRR over SSH', () => {
  it('approve → applied, post-checks pass, confirmed; the pending timed restore then does nothing', async () => {
    const { id, card } = await d.request('frr-lab', {
      lines: `ip prefix-list ${LIST} seq 5 permit 10.123.0.0/24`,
      reason: 'prefix-list for a new customer',
      checks: `show running-config => ip prefix-list ${LIST} seq 5 permit 10\\.123\\.0\\.0/24`,
    });
    expect(card.text).toContain(`+ip prefix-list ${LIST} seq 5 permit 10.123.0.0/24`);
    expect(vtysh('show running-config')).not.toContain(LIST);
    await d.click('change.approve', card.value, card.ts, BOB);
    const end = await d.settle(id);
    expect(end.state, end.detail ?? '').toBe('confirmed');
    expect(vtysh('show running-config')).toContain(`ip prefix-list ${LIST} seq 5 permit 10.123.0.0/24`);
    // The emulated window's job was queued and will find the device confirmed.
    expect((await d.devices(id))[0]!.state).toBe('confirmed');
  });

  it('a failing post-check → restored line by line; the running config equals the backup', async () => {
    const before = body();
    const { id, card } = await d.request('frr-lab', {
      lines: `ip prefix-list ${LIST} seq 10 deny 10.124.0.0/24`,
      reason: 'should not stay',
      checks: 'show running-config => this-line-is-not-there',
    });
    await d.click('change.approve', card.value, card.ts, BOB);
    const end = await d.settle(id);
    expect(end.state).toBe('rolled_back');
    expect(vtysh('show running-config')).not.toContain('10.124.0.0/24');
    expect(body()).toBe(before);
    expect(d.thread(card.ts).join('\n')).toMatch(/running config equals the backup/);
  });
});
