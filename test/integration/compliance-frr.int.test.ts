import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ALICE,
  BOB,
  backupViaSlack,
  CHANNEL,
  changeDriver,
  twoEngineers,
  until,
} from '../helpers/changes.js';
import { type FrrLab, startFrrLab, vtysh } from '../helpers/frr.js';
import { type Stack, startStack } from '../helpers/stack.js';

/**
 * Drift and remediation on real FRRouting (vtysh behind a real sshd). FRR is shared with other
 * suites: the rule covers only a prefix-list of this run's own.
 */
const LIST = `netops-cmp-${randomBytes(3).toString('hex')}`;
const LINE = `ip prefix-list ${LIST} seq 5 permit 10.125.0.0/24`;
let frr: FrrLab;
let s: Stack;
let d: ReturnType<typeof changeDriver>;

const status = async () => {
  const { rows } = await s.db.pool.query(
    "SELECT status FROM compliance_latest WHERE device = 'frr-lab' AND rule = 'customer-list'",
  );
  return rows[0]?.status as string | undefined;
};

const backup = () => backupViaSlack(s.emu, s.db.pool, 'frr-lab');

beforeAll(async () => {
  frr = await startFrrLab();
  s = await startStack({
    devices: [frr.device],
    extraYaml: twoEngineers({
      compliance: { rules: [{ name: 'customer-list', kind: 'present', lines: LINE }] },
    }),
    start: { secretsEnv: frr.secretsEnv },
  });
  d = changeDriver(s.emu, s.db.pool);
}, 60_000);

afterAll(async () => {
  await s?.stop();
  await frr?.stop([`no ip prefix-list ${LIST}`]);
});

describe('compliance on real FRR over SSH', () => {
  it('a removed line → drift notice → Remediate → approved → the line is back and the rule passes', async () => {
    vtysh('configure terminal', LINE);
    await backup();
    expect(await until(status, 'a first evaluation')).toBe('compliant');
    vtysh('configure terminal', `no ${LINE}`);
    const since = s.emu.calls.length;
    await backup();
    const notice = await s.emu.waitFor(
      (c) =>
        c.method === 'chat.postMessage' &&
        s.emu.calls.indexOf(c) >= since &&
        String(c.args.text).includes('*frr-lab*') &&
        String(c.args.text).includes('breaks'),
      30_000,
    );
    expect(String(notice.args.text)).toContain(`+ ${LINE}`);
    const value = (notice.args.blocks as Array<{ elements?: Array<{ action_id: string; value: string }> }>)
      .flatMap((b) => b.elements ?? [])
      .find((e) => e.action_id === 'compliance.remediate')!.value;
    const ts = notice.response.ts as string;
    const before = s.emu.calls.length;
    await s.emu.interaction({
      type: 'block_actions',
      user: { id: ALICE },
      channel: { id: CHANNEL },
      container: { type: 'message', channel_id: CHANNEL, message_ts: ts },
      message: { ts, text: 'drift' },
      actions: [{ type: 'button', action_id: 'compliance.remediate', block_id: 'b', value }],
    });
    const reply = await s.emu.waitFor(
      (c) => c.method === 'chat.postEphemeral' && c.args.user === ALICE && s.emu.calls.indexOf(c) >= before,
      10_000,
    );
    const id = /Change (CR-\d+) created/.exec(String(reply.args.text))?.[1];
    expect(id, String(reply.args.text)).toBeDefined();
    const card = await d.card(id!);
    expect(card.text).toContain(`+${LINE}`);
    await d.click('change.approve', card.value, card.ts, BOB);
    const end = await d.settle(id!);
    expect(end.state, end.detail ?? '').toBe('confirmed');
    expect(vtysh('show running-config')).toContain(LINE);
    expect(
      await until(async () => ((await status()) === 'compliant' ? true : undefined), 'compliant again'),
    ).toBe(true);
  }, 180_000);
});
