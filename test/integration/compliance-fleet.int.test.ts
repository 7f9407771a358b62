import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Vendor } from '../../src/config.js';
import { type Fleet, fleetAccess, startFleet } from '../../src/lab/fleet/index.js';
import {
  ALICE,
  BOB,
  backupViaSlack,
  CHANNEL,
  changeDriver,
  twoEngineers,
  until,
} from '../helpers/changes.js';

import { type Stack, startStack } from '../helpers/stack.js';

/**
 * Drift and remediation end to end: real SSH to the simulated fleet, real Redis, Postgres, Bolt;
 * the drift notice's Remediate button clicked through the Slack emulator, a second engineer approves.
 */

const VENDORS: Array<[string, Vendor]> = [
  ['xe1', 'cisco_iosxe'],
  ['jun1', 'juniper_junos'],
];

let fleet: Fleet;
let s: Stack;
let d: ReturnType<typeof changeDriver>;

const status = async (device: string) => {
  const { rows } = await s.db.pool.query(
    "SELECT status FROM compliance_latest WHERE device = $1 AND rule = 'ntp'",
    [device],
  );
  return rows[0]?.status as string | undefined;
};

const backup = (device: string) => backupViaSlack(s.emu, s.db.pool, device);

beforeAll(async () => {
  fleet = await startFleet({
    devices: VENDORS.map(([name, vendor]) => ({ name, vendor: vendor as never })),
    minuteMs: 2_000,
  });
  const { devices, env } = fleetAccess(fleet, { pinHostKeys: true });
  s = await startStack({
    devices,
    extraYaml: twoEngineers({
      compliance: {
        rules: [
          {
            name: 'ntp',
            kind: 'present',
            lines: 'ntp server 10.0.0.123',
            vendors: { juniper_junos: { lines: 'system {\n ntp {\n  server 10.0.0.123;\n }\n}' } },
          },
        ],
      },
    }),
    start: { secretsEnv: env },
  });
  d = changeDriver(s.emu, s.db.pool);
}, 120_000);

afterAll(async () => {
  await s?.stop();
  await fleet?.stop();
});

describe.each(VENDORS)('drift → Remediate → approved → compliant again on %s (%s)', (name, vendor) => {
  it('the notice names the rule, lines and author; the change restores the line on the device', async () => {
    await backup(name);
    expect(await until(() => status(name), 'a first evaluation')).toBe('compliant');
    const sim = fleet.get(name).sim;
    if (vendor === 'juniper_junos')
      sim.setRunningConfig(
        sim.junosActive.filter((l) => l !== 'set system ntp server 10.0.0.123').join('\n'),
        'carol',
      );
    else
      sim.setRunningConfig(
        fleet
          .get(name)
          .runningConfig()
          .replace(/^ntp server 10\.0\.0\.123\n/m, ''),
        'carol',
      );
    expect(fleet.get(name).runningConfig()).not.toContain('10.0.0.123');
    const since = s.emu.calls.length;
    await backup(name);
    const notice = await s.emu.waitFor(
      (c) =>
        c.method === 'chat.postMessage' &&
        s.emu.calls.indexOf(c) >= since &&
        String(c.args.text).includes(`*${name}*`) &&
        String(c.args.text).includes('breaks'),
      30_000,
    );
    expect(String(notice.args.text)).toContain('`ntp`');
    expect(String(notice.args.text)).toContain('10.0.0.123');
    const button = (notice.args.blocks as Array<{ elements?: Array<{ action_id: string; value: string }> }>)
      .flatMap((b) => b.elements ?? [])
      .find((e) => e.action_id === 'compliance.remediate')!;
    const ts = notice.response.ts as string;
    const before = s.emu.calls.length;
    await s.emu.interaction({
      type: 'block_actions',
      user: { id: ALICE },
      channel: { id: CHANNEL },
      container: { type: 'message', channel_id: CHANNEL, message_ts: ts },
      message: { ts, text: 'drift' },
      actions: [{ type: 'button', action_id: 'compliance.remediate', block_id: 'b', value: button.value }],
    });
    const reply = await s.emu.waitFor(
      (c) => c.method === 'chat.postEphemeral' && c.args.user === ALICE && s.emu.calls.indexOf(c) >= before,
      10_000,
    );
    const id = /Change (CR-\d+) created/.exec(String(reply.args.text))?.[1];
    expect(id, String(reply.args.text)).toBeDefined();
    const card = await d.card(id!);
    expect(card.text).toContain('10.0.0.123');
    expect(await d.click('change.approve', card.value, card.ts, BOB)).toMatch(/approved; applying/);
    const end = await d.settle(id!);
    expect(end.state, end.detail ?? '').toBe('confirmed');
    expect(fleet.get(name).runningConfig()).toContain('10.0.0.123');
    expect(
      await until(
        async () => ((await status(name)) === 'compliant' ? 'compliant' : undefined),
        'compliant again',
      ),
    ).toBe('compliant');
  }, 180_000);
});
