import { describe, expect, it } from 'vitest';
import {
  applyLines,
  changeHash,
  commandsToReach,
  diffTrees,
  parseChecks,
  parseConfig,
  planWaves,
  renderConfig,
  riskOf,
} from '../../../src/changes/index.js';

const RUNNING = `hostname core1
!
interface GigabitEthernet1/0/1
 description uplink
 ip address 10.0.0.1 255.255.255.0
!
interface GigabitEthernet1/0/2
 description spare
 shutdown
!
router bgp 65000
 bgp router-id 10.0.0.1
 neighbor 10.0.0.2 remote-as 65001
 address-family ipv4 unicast
  neighbor 10.0.0.2 activate
 exit-address-family
!
ntp server 10.1.1.1
end`;

const diff = (lines: string[]) => {
  const before = parseConfig(RUNNING);
  return diffTrees(before, applyLines(before, lines));
};

describe('hierarchy-aware diff of running vs running + lines', () => {
  it('shows a child change under its block header, and a replaced single value as - and +', () => {
    const d = diff(['interface GigabitEthernet1/0/2', ' description to-core2', ' no shutdown']);
    expect(d.lines).toEqual([
      ' interface GigabitEthernet1/0/2',
      '- description spare',
      '- shutdown',
      '+ description to-core2',
    ]);
    expect([d.added, d.removed]).toEqual([1, 2]);
  });

  it('unindented lines inside a block stay in it; a top-level word leaves it', () => {
    const d = diff(['interface GigabitEthernet1/0/1', 'description core-link', 'ntp server 10.9.9.9']);
    expect(d.lines).toEqual([
      ' interface GigabitEthernet1/0/1',
      '- description uplink',
      '+ description core-link',
      '+ntp server 10.9.9.9',
    ]);
  });

  it('nested address-family blocks keep their context; exit leaves a level', () => {
    const d = diff([
      'router bgp 65000',
      ' address-family ipv4 unicast',
      '  network 10.50.0.0/24',
      ' exit-address-family',
      ' neighbor 10.0.0.3 remote-as 65003',
    ]);
    expect(d.lines).toEqual([
      ' router bgp 65000',
      '  address-family ipv4 unicast',
      '+  network 10.50.0.0/24',
      '+ neighbor 10.0.0.3 remote-as 65003',
    ]);
  });

  it('an existing line changes nothing; `no` of a missing line changes nothing', () => {
    expect(diff(['ntp server 10.1.1.1', 'no ntp server 10.2.2.2']).lines).toEqual([]);
  });

  it('commandsToReach turns the changed config back into the original', () => {
    const before = parseConfig(RUNNING);
    const lines = [
      'interface GigabitEthernet1/0/1',
      ' description changed',
      'router bgp 65000',
      ' neighbor 10.0.0.9 remote-as 65009',
      'no ntp server 10.1.1.1',
      'ip route 10.7.0.0 255.255.0.0 10.0.0.2',
    ];
    const after = applyLines(before, lines);
    const back = applyLines(after, commandsToReach(after, before));
    expect(diffTrees(back, before).lines).toEqual([]);
    expect(renderConfig(back).sort()).toEqual(renderConfig(before).sort());
  });
});

describe('change rules', () => {
  const dry = [
    {
      device: 'b',
      vendor: 'frr',
      diff: ' router bgp 1\n+ neighbor 1.1.1.1 remote-as 2',
      added: 1,
      removed: 0,
      versionId: 7,
      check: null,
    },
    {
      device: 'a',
      vendor: 'frr',
      diff: ' interface mgmt0\n- description x',
      added: 0,
      removed: 1,
      versionId: 3,
      check: null,
    },
  ];

  it('the hash changes with the diff, the lines, the devices and the config version', () => {
    const h = changeHash(['a', 'b'], 'x', dry);
    expect(changeHash(['b', 'a'], 'x', [...dry].reverse())).toBe(h);
    expect(changeHash(['a', 'b'], 'y', dry)).not.toBe(h);
    expect(changeHash(['a', 'b'], 'x', [{ ...dry[0]!, versionId: 8 }, dry[1]!])).not.toBe(h);
    expect(changeHash(['a', 'b'], 'x', [{ ...dry[0]!, diff: '+x' }, dry[1]!])).not.toBe(h);
    expect(changeHash(['a', 'b', 'c'], 'x', dry)).not.toBe(h);
  });

  it('risk names the areas the diff touches, counting context headers', () => {
    expect(riskOf(dry)).toEqual({ added: 1, removed: 1, touches: ['management interface', 'routing'] });
    expect(riskOf([{ ...dry[0]!, diff: '+ntp server 1.1.1.1' }]).touches).toEqual([]);
  });

  it('waves: one canary, then waves of the configured size', () => {
    expect(planWaves(['a', 'b', 'c', 'd', 'e', 'f'], 2)).toEqual([['a'], ['b', 'c'], ['d', 'e'], ['f']]);
  });

  it('post-check lines: command => pattern; bad ones are named', () => {
    const r = parseChecks('show ip bgp summary => 10\\.0\\.0\\.2\nshow version\nshow clock => (unclosed');
    expect(r.checks).toEqual([{ command: 'show ip bgp summary', expect: '10\\.0\\.0\\.2' }]);
    expect(r.errors).toHaveLength(2);
    expect(r.errors[0]).toMatch(/line 2/);
    expect(r.errors[1]).toMatch(/not a valid regular expression/);
  });
});
