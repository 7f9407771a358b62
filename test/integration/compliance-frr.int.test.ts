import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FRR_NAMESPACE, FRR_SSH_USER, lockFrrConfig, startFrr, stopFrr } from '../../scripts/frr-peer.js';
import { type SshdPeer, startSshd } from '../../scripts/sshd-peer.js';
import type { Device } from '../../src/config.js';
import { ALICE, BOB, CHANNEL, changeDriver } from '../helpers/changes.js';
import { type Stack, startStack } from '../helpers/stack.js';

/**
 * Drift and remediation on real FRRouting (vtysh behind a real sshd). FRR is shared with other
 * suites: the rule covers only a prefix-list of this run's own.
 */
const vtysh = (...cmds: string[]) =>
  execFileSync('vtysh', ['-N', FRR_NAMESPACE, ...cmds.flatMap((c) => ['-c', c])], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
const LIST = `netops-cmp-${randomBytes(3).toString('hex')}`;
const LINE = `ip prefix-list ${LIST} seq 5 permit 10.125.0.0/24`;
let peer: SshdPeer;
let unlockFrr: (() => Promise<void>) | undefined;
let s: Stack;
let d: ReturnType<typeof changeDriver>;

async function until<T>(fn: () => Promise<T | undefined>, what: string, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const status = async () => {
  const { rows } = await s.db.pool.query(
    "SELECT status FROM compliance_latest WHERE device = 'frr-lab' AND rule = 'customer-list'",
  );
  return rows[0]?.status as string | undefined;
};

async function backup(): Promise<void> {
  const count = async () =>
    (await s.db.pool.query("SELECT count(*)::int AS n FROM config_versions WHERE device = 'frr-lab'")).rows[0]
      .n as number;
  const before = await count();
  await s.emu.slashCommand({
    command: '/net',
    text: 'config backup frr-lab',
    userId: ALICE,
    channelId: CHANNEL,
  });
  await until(async () => ((await count()) > before ? true : undefined), 'a new version');
}

beforeAll(async () => {
  unlockFrr = await lockFrrConfig();
  startFrr();
  peer = await startSshd([{ name: FRR_SSH_USER }]);
  const device: Device = {
    name: 'frr-lab',
    vendor: 'frr',
    host: peer.host,
    port: peer.port,
    credential: 'frrlab',
    hostKey: peer.hostKeyBlob,
    tags: [],
    legacyAlgorithms: false,
    enabled: true,
  };
  s = await startStack({
    devices: [device],
    extraYaml: {
      changes: { soak: 0 },
      compliance: { rules: [{ name: 'customer-list', kind: 'present', lines: LINE }] },
      policy: {
        grants: [
          { role: 'operator', users: [ALICE] },
          { role: 'approver', users: [BOB] },
        ],
      },
    },
    start: {
      secretsEnv: {
        NETOPS_CRED_FRRLAB_USERNAME: FRR_SSH_USER,
        NETOPS_CRED_FRRLAB_KEY_FILE: peer.clientKeyPath,
      },
    },
  });
  d = changeDriver(s.emu, s.db.pool);
}, 60_000);

afterAll(async () => {
  try {
    vtysh('configure terminal', `no ip prefix-list ${LIST}`);
  } catch {}
  await s?.stop();
  await peer?.stop();
  stopFrr();
  await unlockFrr?.();
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
