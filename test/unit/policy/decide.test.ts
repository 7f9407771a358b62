import { describe, expect, it } from 'vitest';
import { parseFileConfig } from '../../../src/config.js';
import {
  ACTION_NAMES,
  type Action,
  changes,
  compilePolicy,
  decide,
  type DeviceFacts,
  mayAtAll,
  type Policy,
  policySchema,
  rulesFor,
} from '../../../src/policy/index.js';

const ams: DeviceFacts = { name: 'core1-ams', site: 'ams1', role: 'core', tags: ['pci', 'bgp'] };
const fra: DeviceFacts = { name: 'edge1-fra', site: 'fra1', role: 'edge', tags: ['transit'] };
const leaf: DeviceFacts = { name: 'leaf7-fra', site: 'fra1', role: 'leaf', tags: [] };
const NETOPS = { id: 'C00NETOPS0', name: 'netops' };
const RANDOM = { id: 'C0RANDOM00', name: 'random' };

function policy(yaml: unknown): Policy {
  return compilePolicy(policySchema.parse(yaml));
}

const sample = policy({
  roles: {
    'ams-operator': {
      inherits: 'viewer',
      actions: ['backup', 'change.request'],
      devices: { site: 'ams1' },
      channels: ['#netops'],
    },
  },
  grants: [
    { role: 'viewer', users: ['U0000CAROL'] },
    { role: 'operator', users: ['U0000ALICE'], channels: ['C00NETOPS0'] },
    { role: 'approver', users: ['U00000BOB0'], groups: ['S0NETENG00'] },
    { role: 'ams-operator', users: ['U000000DAN'] },
    { role: 'operator', users: ['U00000EVE0'], devices: { name: ['leaf*'] } },
    { role: 'admin', groups: ['S0ADMINS00'] },
  ],
});

const allowed = (
  p: Policy,
  user: string,
  action: Action,
  devices: DeviceFacts[] = [],
  channel = NETOPS,
  groups: string[] = [],
) => decide({ user, groups, action, devices, channel }, p).allow;

describe('policy: the default (no policy section)', () => {
  const p = compilePolicy(undefined);
  it.each(ACTION_NAMES)('%s: allowed to anyone exactly when it changes nothing', (action) => {
    expect(allowed(p, 'U0ANYBODY0', action, [ams, fra], RANDOM)).toBe(!changes(action));
  });
  it('a denied change names the default and says how to grant', () => {
    const d = decide({ user: 'U1', groups: [], action: 'inventory.add', channel: NETOPS }, p);
    expect(d.allow).toBe(false);
    if (d.allow) return;
    expect(d.reason).toMatch(/no role that allows `inventory.add`/);
    expect(d.hint).toMatch(/Without a `policy` section/);
    expect(d.hint).toMatch(/README: Access policy/);
  });
});

describe('policy: the decision table', () => {
  // user, action, devices, channel, groups → allowed
  const table: Array<[string, string, Action, DeviceFacts[], typeof NETOPS, string[], boolean]> = [
    ['viewer reads anywhere', 'U0000CAROL', 'read', [], RANDOM, [], true],
    ['viewer shows on any device', 'U0000CAROL', 'show', [ams, fra], RANDOM, [], true],
    ['viewer may not back up', 'U0000CAROL', 'backup', [ams], NETOPS, [], false],
    ['viewer may not add devices', 'U0000CAROL', 'inventory.add', [ams], NETOPS, [], false],
    ['viewer may not read the audit log', 'U0000CAROL', 'audit', [], NETOPS, [], false],
    ['operator backs up in #netops', 'U0000ALICE', 'backup', [ams, fra], NETOPS, [], true],
    ['operator backs up nowhere else', 'U0000ALICE', 'backup', [ams], RANDOM, [], false],
    ['operator adds devices in #netops', 'U0000ALICE', 'inventory.add', [ams], NETOPS, [], true],
    ['operator requests changes', 'U0000ALICE', 'change.request', [fra], NETOPS, [], true],
    ['operator does not approve', 'U0000ALICE', 'change.approve', [fra], NETOPS, [], false],
    ['operator does not administer', 'U0000ALICE', 'admin', [], NETOPS, [], false],
    ['approver approves anywhere', 'U00000BOB0', 'change.approve', [ams, fra], RANDOM, [], true],
    ['approver reads the audit log', 'U00000BOB0', 'audit', [], RANDOM, [], true],
    ['approver by group', 'U0SOMEONE0', 'change.approve', [fra], RANDOM, ['S0NETENG00'], true],
    [
      'approver group does not reach others',
      'U0SOMEONE0',
      'change.approve',
      [fra],
      RANDOM,
      ['S0OTHER000'],
      false,
    ],
    ['approver does not administer', 'U00000BOB0', 'admin', [], NETOPS, [], false],
    ['user-defined role: backup in scope and channel', 'U000000DAN', 'backup', [ams], NETOPS, [], true],
    ['user-defined role: inherits viewer show', 'U000000DAN', 'show', [ams], NETOPS, [], true],
    ['user-defined role: scope applies to inherited actions', 'U000000DAN', 'show', [fra], NETOPS, [], false],
    ['user-defined role: out of site', 'U000000DAN', 'backup', [ams, fra], NETOPS, [], false],
    ['user-defined role: wrong channel', 'U000000DAN', 'backup', [ams], RANDOM, [], false],
    [
      'user-defined role: #name needs the channel name',
      'U000000DAN',
      'backup',
      [ams],
      { id: 'C00NETOPS0' } as typeof NETOPS,
      [],
      false,
    ],
    ['user-defined role: not beyond its actions', 'U000000DAN', 'inventory.add', [ams], NETOPS, [], false],
    ['name-glob grant: in glob', 'U00000EVE0', 'backup', [leaf], RANDOM, [], true],
    ['name-glob grant: outside glob', 'U00000EVE0', 'backup', [leaf, fra], RANDOM, [], false],
    ['name-glob grant: no devices, no scope to break', 'U00000EVE0', 'discover', [], RANDOM, [], true],
    ['admin by group does everything', 'U0SOMEONE0', 'admin', [ams], RANDOM, ['S0ADMINS00'], true],
    [
      'admin by group approves',
      'U0SOMEONE0',
      'change.approve',
      [ams, fra, leaf],
      RANDOM,
      ['S0ADMINS00'],
      true,
    ],
    ['nobody: nothing', 'U0STRANGER', 'read', [], NETOPS, [], false],
    ['nobody: public still', 'U0STRANGER', 'public', [], NETOPS, [], true],
  ];
  it.each(table)('%s', (_name, user, action, devices, channel, groups, expected) => {
    expect(allowed(sample, user, action, devices, channel, groups)).toBe(expected);
  });

  it('tag scopes match any of the device tags', () => {
    const p = policy({ grants: [{ role: 'operator', users: ['U1AA'], devices: { tag: ['pci'] } }] });
    expect(allowed(p, 'U1AA', 'backup', [ams])).toBe(true);
    expect(allowed(p, 'U1AA', 'backup', [fra])).toBe(false);
  });

  it('role and grant scopes both apply (intersection)', () => {
    const p = policy({
      roles: { fra: { actions: ['backup'], devices: { site: 'fra1' } } },
      grants: [{ role: 'fra', users: ['U1AA'], devices: { role: 'leaf' } }],
    });
    expect(allowed(p, 'U1AA', 'backup', [leaf])).toBe(true);
    expect(allowed(p, 'U1AA', 'backup', [fra])).toBe(false);
  });

  it('a user-defined role named like a built-in replaces it', () => {
    const p = policy({
      roles: { viewer: { actions: ['read'] } },
      grants: [{ role: 'viewer', users: ['U1AA'] }],
    });
    expect(allowed(p, 'U1AA', 'read')).toBe(true);
    expect(allowed(p, 'U1AA', 'show', [ams])).toBe(false);
  });
});

describe('policy: denials explain themselves', () => {
  const deny = (...a: Parameters<typeof allowed>) => {
    const [p, user, action, devices = [], channel = NETOPS, groups = []] = a;
    const d = decide({ user, groups, action, devices, channel }, p);
    if (d.allow) throw new Error('allowed');
    return d;
  };
  it('no role: names the rules that would allow it', () => {
    const d = deny(sample, 'U0000CAROL', 'change.approve', [fra]);
    expect(d.reason).toBe(
      "You have no role that allows `change.approve` (approve and apply someone else's change request).",
    );
    expect(d.wouldAllow.map((r) => r.id)).toEqual(['policy.grants[2]', 'policy.grants[5]']);
    expect(d.hint).toContain('role `approver` (policy.grants[2]) for <@U00000BOB0>, <!subteam^S0NETENG00>');
  });
  it('wrong channel: names the channels', () => {
    const d = deny(sample, 'U0000ALICE', 'backup', [ams], RANDOM);
    expect(d.reason).toMatch(/only in <#C00NETOPS0>, not in <#C0RANDOM00>/);
  });
  it('out of scope: names the devices outside', () => {
    const d = deny(sample, 'U000000DAN', 'backup', [ams, fra, leaf]);
    expect(d.reason).toMatch(/only on site ams1; `edge1-fra`, `leaf7-fra` are outside it/);
  });
  it('rule that would allow it lists scoped rules that cover the devices', () => {
    const d = deny(sample, 'U000000DAN', 'backup', [leaf]);
    expect(d.wouldAllow.map((r) => r.id)).toContain('policy.grants[4]');
    expect(d.wouldAllow.map((r) => r.id)).not.toContain('policy.grants[3]');
  });
});

describe('policy: configuration', () => {
  it('lists every problem of a bad policy section', () => {
    const { problems } = parseFileConfig(
      [
        'policy:',
        '  roles:',
        '    ops: { actions: [read, fly], inherits: ghost }',
        '  grants:',
        '    - { role: nobody, users: [alice] }',
        '    - { role: viewer }',
        '    - { role: viewer, groups: [S0X1], channels: [netops] }',
      ].join('\n'),
    );
    const text = problems.join('\n');
    expect(text).toMatch(/policy\.roles\.ops\.actions\.1: an action/);
    expect(text).toMatch(/policy\.grants\.0\.users\.0: a Slack user id/);
    expect(text).toMatch(/policy\.grants\.1: a grant names at least one user/);
    expect(text).toMatch(/policy\.grants\.2\.channels\.0: a channel id/);
  });
  it('unknown roles are named once the shape is right', () => {
    const { problems } = parseFileConfig(
      'policy:\n  roles:\n    ops: { actions: [read], inherits: ghost }\n  grants:\n    - { role: nobody, users: [U0ALICE] }\n',
    );
    expect(problems.join('\n')).toMatch(/policy\.grants\.0\.role: unknown role "nobody"/);
    expect(problems.join('\n')).toMatch(/policy\.roles\.ops\.inherits: unknown role "ghost"/);
  });
  it('whoami rules: what names the user, directly or through a group', () => {
    expect(rulesFor(sample, 'U0SOMEONE0', ['S0NETENG00']).map((r) => r.role)).toEqual(['approver']);
    expect(rulesFor(sample, 'U0STRANGER', [])).toEqual([]);
  });
  it('help filter: in this channel, on some devices', () => {
    expect(mayAtAll(sample, 'U0000ALICE', [], 'backup', NETOPS)).toBe(true);
    expect(mayAtAll(sample, 'U0000ALICE', [], 'backup', RANDOM)).toBe(false);
    expect(mayAtAll(sample, 'U000000DAN', [], 'backup', NETOPS)).toBe(true);
  });
});
