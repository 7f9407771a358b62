import { describe, expect, it } from 'vitest';
import { commands } from '../../../commands/index.js';
import {
  changeAuthorizer,
  compilePolicy,
  createGuard,
  isAction,
  policySchema,
} from '../../../src/policy/index.js';
import { createRegistry } from '../../../src/registry/index.js';

const policy = compilePolicy(
  policySchema.parse({
    groupCacheSeconds: 60,
    grants: [
      { role: 'approver', groups: ['S0NETENG00'] },
      { role: 'operator', users: ['U0000ALICE'], channels: ['#netops'] },
    ],
  }),
);

function setup() {
  let now = 0;
  const members: Record<string, string[]> = { S0NETENG00: ['U00000BOB0'] };
  const calls: string[] = [];
  let failing = false;
  const guard = createGuard({
    policy,
    now: () => now,
    listGroupMembers: async (g) => {
      calls.push(g);
      if (failing) throw new Error('slack down');
      return members[g] ?? [];
    },
    channelName: async (id) => (id === 'C00NETOPS0' ? 'netops' : 'random'),
  });
  return {
    guard,
    calls,
    members,
    tick: (ms: number) => {
      now += ms;
    },
    fail: (v: boolean) => {
      failing = v;
    },
  };
}
const NETOPS = { id: 'C00NETOPS0' };

describe('guard: user groups and channel names', () => {
  it('asks Slack once per group per expiry, and again after it', async () => {
    const t = setup();
    expect((await t.guard.check({ user: 'U00000BOB0', action: 'audit', channel: NETOPS })).allow).toBe(true);
    t.members.S0NETENG00 = [];
    t.tick(59_000);
    expect((await t.guard.check({ user: 'U00000BOB0', action: 'audit', channel: NETOPS })).allow).toBe(true);
    expect(t.calls).toEqual(['S0NETENG00']);
    t.tick(2_000);
    expect((await t.guard.check({ user: 'U00000BOB0', action: 'audit', channel: NETOPS })).allow).toBe(false);
    expect(t.calls).toEqual(['S0NETENG00', 'S0NETENG00']);
  });

  it('forgetGroup (subteam_members_changed) takes effect at once', async () => {
    const t = setup();
    await t.guard.access('U00000BOB0', NETOPS);
    t.members.S0NETENG00 = [];
    t.guard.forgetGroup('S0NETENG00');
    expect((await t.guard.check({ user: 'U00000BOB0', action: 'audit', channel: NETOPS })).allow).toBe(false);
  });

  it('a failed lookup counts as not a member, says so, and is not cached', async () => {
    const t = setup();
    t.fail(true);
    const d = await t.guard.check({ user: 'U00000BOB0', action: 'audit', channel: NETOPS });
    expect(d.allow).toBe(false);
    if (!d.allow) expect(d.hint).toMatch(/Slack did not say who is in <!subteam\^S0NETENG00>/);
    t.fail(false);
    expect((await t.guard.check({ user: 'U00000BOB0', action: 'audit', channel: NETOPS })).allow).toBe(true);
  });

  it('#name rules match once the channel name is looked up', async () => {
    const t = setup();
    expect((await t.guard.check({ user: 'U0000ALICE', action: 'backup', channel: NETOPS })).allow).toBe(true);
    expect(
      (await t.guard.check({ user: 'U0000ALICE', action: 'backup', channel: { id: 'C0RANDOM00' } })).allow,
    ).toBe(false);
  });
});

describe('registry: actions and help', () => {
  it('every command declares known actions', () => {
    for (const c of commands) {
      for (const a of [c.action, ...(c.alsoActions ?? [])]) expect(isAction(a), `${c.name}: ${a}`).toBe(true);
    }
  });
  it('help for someone with no role lists only help and whoami, and says more exist', () => {
    const text = createRegistry(commands).help('/net', undefined, (a) => a === 'public');
    const listed = [...text.matchAll(/^• `\/net (\w+)/gm)].map((m) => m[1]);
    expect(listed.sort()).toEqual(['help', 'whoami']);
    expect(text).toMatch(/more command\(s\) need a role you do not have here/);
  });
  it('help for one command the user may not run says so instead of the usage', () => {
    const text = createRegistry(commands).help('/net', 'audit', (a) => a === 'public' || a === 'read');
    expect(text).toMatch(/`audit` needs `audit`, which you may not do here/);
  });
});

describe('changeAuthorizer: the change service asks the policy', () => {
  const p = compilePolicy(
    policySchema.parse({
      grants: [
        { role: 'approver', groups: ['S0NETENG00'], devices: { site: 'ams1' } },
        { role: 'admin', users: ['U0000ADMIN'] },
      ],
    }),
  );
  const inventory: Record<string, { name: string; site: string }> = {
    core1: { name: 'core1', site: 'ams1' },
    edge1: { name: 'edge1', site: 'fra1' },
  };
  it('decides on cached groups, device sites and the action; unknown actions refused', async () => {
    const guard = createGuard({ policy: p, listGroupMembers: async () => ['U00000BOB0'] });
    const authorize = changeAuthorizer(guard, (n) => inventory[n]);
    // before anything looked Bob's groups up, the group does not count
    expect(authorize('U00000BOB0', 'change.approve', ['core1'], 'C1').ok).toBe(false);
    await guard.access('U00000BOB0', { id: 'C1' });
    expect(authorize('U00000BOB0', 'change.approve', ['core1'], 'C1')).toEqual({ ok: true });
    const out = authorize('U00000BOB0', 'change.approve', ['core1', 'edge1'], 'C1');
    expect(out.ok).toBe(false);
    if (!out.ok) expect(out.reason).toMatch(/`edge1` is outside it/);
    expect(authorize('U00000BOB0', 'change.admin', ['core1'], 'C1').ok).toBe(false);
    expect(authorize('U0000ADMIN', 'change.admin', ['edge1'], 'C1').ok).toBe(true);
    expect(authorize('U0000ADMIN', 'change.fly', [], 'C1').ok).toBe(false);
  });
});
