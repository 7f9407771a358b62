import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Vendor } from '../../src/config.js';
import { normalise, rulesFor } from '../../src/configs/index.js';
import { type Fleet, fleetAccess, startFleet } from '../../src/lab/fleet/index.js';
import { ALICE, BOB, CHANNEL, changeDriver, until } from '../helpers/changes.js';
import { type Stack, startStack } from '../helpers/stack.js';

/**
 * Fleet-wide remediation end to end: `/net compliance remediate` proposes ONE change request with
 * each device's own vendor-correct lines; a second engineer approves; the change engine applies it in
 * waves over real SSH to the simulated fleet. `c2` refuses its extra line at apply (the IOS-XE dry run
 * has no syntax check), so its wave is rolled back and the wave after it never starts.
 */

const DEVICES: Array<[string, Vendor]> = [
  ['a1', 'cisco_iosxe'],
  ['b1', 'juniper_junos'],
  ['c1', 'arista_eos'],
  ['c2', 'cisco_iosxe'],
  ['d1', 'cisco_iosxe'],
];
const NTP = '10.0.0.123';

let fleet: Fleet;
let s: Stack;
let d: ReturnType<typeof changeDriver>;

const statuses = async (rule: string) => {
  const { rows } = await s.db.pool.query<{ device: string; status: string }>(
    'SELECT device, status FROM compliance_latest WHERE rule = $1 ORDER BY device',
    [rule],
  );
  return Object.fromEntries(rows.map((r) => [r.device, r.status]));
};

const versions = async () =>
  (await s.db.pool.query('SELECT count(*)::int AS n FROM config_versions')).rows[0].n as number;

/** The running config as backups see it (volatile lines such as the last-change stamp dropped). */
const body = (name: string) => {
  const dev = fleet.get(name);
  return normalise(dev.runningConfig(), rulesFor(dev.vendor));
};

const slash = (text: string, user = ALICE) =>
  s.emu.slashCommand({ command: '/net', text, userId: user, channelId: CHANNEL });

/** The newest remediation change, once it exists. */
const newestChange = (after: string | undefined) =>
  until(async () => {
    const { rows } = await s.db.pool.query(
      "SELECT id FROM change_requests WHERE reason LIKE 'compliance remediation:%' ORDER BY created_at DESC LIMIT 1",
    );
    const id = rows[0]?.id as string | undefined;
    return id && id !== after ? id : undefined;
  }, 'a remediation change request');

beforeAll(async () => {
  fleet = await startFleet({
    devices: DEVICES.map(([name, vendor]) => ({ name, vendor: vendor as never })),
    minuteMs: 2_000,
  });
  // Every device lost its NTP server: all five are non-compliant before the first backup.
  for (const [name, vendor] of DEVICES) {
    const sim = fleet.get(name).sim;
    if (vendor === 'juniper_junos')
      sim.setRunningConfig(sim.junosActive.filter((l) => !l.includes(NTP)).join('\n'), 'carol');
    else
      sim.setRunningConfig(
        fleet
          .get(name)
          .runningConfig()
          .replace(new RegExp(`^ntp server ${NTP.replace(/\./g, '\\.')}.*\\n`, 'm'), ''),
        'carol',
      );
    expect(fleet.get(name).runningConfig()).not.toContain(NTP);
  }
  const { devices, env } = fleetAccess(fleet, { pinHostKeys: true });
  s = await startStack({
    devices,
    extraYaml: {
      changes: { soak: 0 },
      compliance: {
        remediation: { waves: [1, 2, 1] },
        rules: [
          {
            name: 'ntp',
            kind: 'present',
            lines: `ntp server ${NTP}`,
            vendors: { juniper_junos: { lines: `set system ntp server ${NTP}` } },
          },
          // Only c2 has this rule, and the simulated IOS-XE refuses `mpls` at apply.
          { name: 'ldp', kind: 'present', scope: { name: 'c2' }, lines: 'mpls ldp router-id Loopback0' },
        ],
      },
      policy: {
        grants: [
          { role: 'operator', users: [ALICE] },
          { role: 'approver', users: [BOB] },
        ],
      },
    },
    start: { secretsEnv: env },
  });
  d = changeDriver(s.emu, s.db.pool);
  const before = await versions();
  await slash('config backup *');
  await until(async () => ((await versions()) >= before + DEVICES.length ? true : undefined), 'backups');
  await until(
    async () => (Object.keys(await statuses('ntp')).length === DEVICES.length ? true : undefined),
    'first evaluations',
  );
}, 180_000);

afterAll(async () => {
  await s?.stop();
  await fleet?.stop();
});

describe('compliance remediate <scope>: one change, per-device lines, waves', () => {
  let first: string | undefined;

  it('canary and wave 1 fixed; c2 refuses its line, its wave is rolled back, the last wave skipped', async () => {
    expect(Object.values(await statuses('ntp'))).toEqual(Array(5).fill('noncompliant'));
    const before = { c2: body('c2'), d1: body('d1') };
    await slash('compliance remediate *');
    const id = await newestChange(undefined);
    first = id;
    const card = await d.card(id);
    // One card for all five: each device's own lines in its dry run, and the wave plan.
    expect(card.text).toContain('Devices* (5)');
    expect(card.text).toContain('*Waves*: 1, 2, 1');
    expect(card.text).toContain(`server ${NTP};`);
    expect(card.text).toContain('+mpls ldp router-id Loopback0');
    const { rows } = await s.db.pool.query('SELECT device_lines FROM change_requests WHERE id = $1', [id]);
    expect(rows[0].device_lines).toEqual({
      a1: `ntp server ${NTP}`,
      b1: `set system ntp server ${NTP}`,
      c1: `ntp server ${NTP}`,
      c2: `ntp server ${NTP}\nmpls ldp router-id Loopback0`,
      d1: `ntp server ${NTP}`,
    });
    // The requester (an operator) cannot approve it; a second engineer does.
    expect(await d.click('change.approve', card.value, card.ts, ALICE)).toMatch(
      /no role that allows `change.approve`/,
    );
    expect((await d.state(id)).state).toBe('awaiting_approval');
    expect(await d.click('change.approve', card.value, card.ts, BOB)).toMatch(/approved; applying/);
    const end = await d.settle(id, 240_000);
    expect(end.state, end.detail ?? '').toBe('rolled_back');
    const rowsBy = Object.fromEntries((await d.devices(id)).map((r) => [r.device, r]));
    expect(Object.fromEntries(Object.entries(rowsBy).map(([k, v]) => [k, [v.wave, v.state]]))).toEqual({
      a1: [0, 'confirmed'],
      b1: [1, 'confirmed'],
      c1: [1, 'confirmed'],
      c2: [2, 'rolled_back'],
      d1: [3, 'skipped'],
    });
    for (const n of ['a1', 'b1', 'c1']) expect(fleet.get(n).runningConfig(), n).toContain(NTP);
    expect(body('c2')).toBe(before.c2);
    expect(body('d1')).toBe(before.d1);
    expect(end.detail).toMatch(/wave 2 failed; 3 device\(s\) of earlier waves stay confirmed/);
    expect(end.detail).toMatch(/c2`: .*mpls ldp router-id Loopback0/);
    expect(end.detail).toContain('confirmed (3): a1, b1, c1 · rolled back (1): c2 · skipped (1): d1');
    // The fixed devices are compliant again from the versions the change stored.
    const fixed = await until(async () => {
      const st = await statuses('ntp');
      return ['a1', 'b1', 'c1'].every((n) => st[n] === 'compliant') ? st : undefined;
    }, 'a1, b1, c1 compliant');
    expect([fixed.c2, fixed.d1]).toEqual(['noncompliant', 'noncompliant']);
  }, 300_000);

  it('Remediate all on the fleet summary, for one rule: only that rule’s lines, on the devices still failing it', async () => {
    const since = s.emu.calls.length;
    await slash('compliance * --rule ntp');
    const summary = await s.emu.waitFor(
      (c) =>
        s.emu.calls.indexOf(c) >= since &&
        (c.method === 'chat.postMessage' || c.method === 'chat.update') &&
        JSON.stringify(c.args.blocks ?? []).includes('compliance.remediate_all'),
      60_000,
    );
    const button = (summary.args.blocks as Array<{ elements?: Array<{ action_id: string; value: string }> }>)
      .flatMap((b) => b.elements ?? [])
      .find((e) => e.action_id === 'compliance.remediate_all')!;
    expect(JSON.parse(button.value)).toEqual({ scope: '*', rule: 'ntp' });
    const ts = (summary.response.ts ?? summary.args.ts) as string;
    await s.emu.interaction({
      type: 'block_actions',
      user: { id: ALICE },
      channel: { id: CHANNEL },
      container: { type: 'message', channel_id: CHANNEL, message_ts: ts },
      message: { ts, text: 'summary' },
      actions: [
        { type: 'button', action_id: 'compliance.remediate_all', block_id: 'b', value: button.value },
      ],
    });
    const ack = await s.emu.waitFor(
      (c) => c.method === 'chat.postEphemeral' && c.args.user === ALICE && s.emu.calls.indexOf(c) >= since,
      10_000,
    );
    expect(String(ack.args.text)).toContain('Proposing one change request for the failing devices of `*`');
    const id = await newestChange(first);
    // The answer in the summary's thread names the change, the devices and the waves.
    const answer = await s.emu.waitFor(
      (c) => s.emu.calls.indexOf(c) >= since && JSON.stringify(c.args).includes(`Change ${id} created`),
      30_000,
    );
    expect(JSON.stringify(answer.args)).toContain(
      'remediate 2 device(s) for rule `ntp` (ntp), applied in waves of 1, 2, 1',
    );
    const card = await d.card(id);
    expect(card.text).toContain('Devices* (2)');
    const { rows } = await s.db.pool.query(
      'SELECT device_lines, requester FROM change_requests WHERE id = $1',
      [id],
    );
    // c2's `ldp` rule is not asked for: its line stays out.
    expect(rows[0]).toEqual({
      device_lines: { c2: `ntp server ${NTP}`, d1: `ntp server ${NTP}` },
      requester: ALICE,
    });
    expect(await d.click('change.approve', card.value, card.ts, BOB)).toMatch(/approved; applying/);
    const end = await d.settle(id, 240_000);
    expect(end.state, end.detail ?? '').toBe('confirmed');
    expect(end.detail).toContain('confirmed (2): c2, d1');
    const st = await until(async () => {
      const x = await statuses('ntp');
      return Object.values(x).every((v) => v === 'compliant') ? x : undefined;
    }, 'all compliant with ntp');
    expect(Object.keys(st)).toHaveLength(5);
    expect((await statuses('ldp')).c2).toBe('noncompliant');
  }, 300_000);

  it('bad --waves and an unknown scope are answered privately; nothing is queued', async () => {
    const count = async () =>
      (await s.db.pool.query('SELECT count(*)::int AS n FROM change_requests')).rows[0].n as number;
    const before = await count();
    for (const [text, answer] of [
      ['compliance remediate * --waves rest,1', /--waves: `rest` can only be the last wave/],
      ['compliance remediate * --waves 1,ten', /--waves: `ten` is not a device count/],
      ['compliance remediate zz*', /No device matches `zz\*`/],
      ['compliance * --waves 1', /`--waves` goes with `compliance remediate`/],
    ] as const) {
      const from = s.emu.responseUrlPosts.length;
      await slash(text);
      await until(
        async () =>
          s.emu.responseUrlPosts.slice(from).some((p) => answer.test(JSON.stringify(p.body)))
            ? true
            : undefined,
        `the answer to ${text}`,
        10_000,
      );
    }
    expect(await count()).toBe(before);
  });
});
