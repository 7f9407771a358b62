import { describe, expect, it } from 'vitest';
import { matchInterfaceName } from '../../../src/devices/index.js';

const ios = [
  'GigabitEthernet1/0/1',
  'GigabitEthernet1/0/2',
  'TenGigabitEthernet1/1/1',
  'TwoGigabitEthernet1/0/9',
  'TwentyFiveGigE1/0/9',
  'Port-channel10',
  'Loopback0',
  'Vlan100',
  'Tunnel1',
];
const eos = ['Ethernet1', 'Ethernet2', 'Management1', 'Port-Channel10', 'Loopback0'];
const nxos = ['Ethernet1/1', 'Ethernet1/2', 'port-channel10', 'mgmt0', 'loopback0'];
const junos = ['ge-0/0/0', 'ge-0/0/1.0', 'xe-0/1/0', 'et-0/0/48', 'lo0.0'];

describe('regression: graph core1-ams Gi1/0/1 failed with "no interface Gi1/0/1"', () => {
  it('IOS-XE abbreviations', () => {
    expect(matchInterfaceName('cisco_iosxe', 'Gi1/0/1', ios)).toBe('GigabitEthernet1/0/1');
    expect(matchInterfaceName('cisco_iosxe', 'gi1/0/2', ios)).toBe('GigabitEthernet1/0/2');
    expect(matchInterfaceName('cisco_iosxe', 'Te1/1/1', ios)).toBe('TenGigabitEthernet1/1/1');
    expect(matchInterfaceName('cisco_iosxe', 'Tw1/0/9', ios)).toBe('TwoGigabitEthernet1/0/9');
    expect(matchInterfaceName('cisco_iosxe', 'Twe1/0/9', ios)).toBe('TwentyFiveGigE1/0/9');
    expect(matchInterfaceName('cisco_iosxe', 'Po10', ios)).toBe('Port-channel10');
    expect(matchInterfaceName('cisco_iosxe', 'Lo0', ios)).toBe('Loopback0');
    expect(matchInterfaceName('cisco_iosxe', 'Gig1/0/1', ios)).toBe('GigabitEthernet1/0/1');
  });
  it('EOS and NX-OS abbreviations', () => {
    expect(matchInterfaceName('arista_eos', 'Et1', eos)).toBe('Ethernet1');
    expect(matchInterfaceName('arista_eos', 'Eth2', eos)).toBe('Ethernet2');
    expect(matchInterfaceName('arista_eos', 'Ma1', eos)).toBe('Management1');
    expect(matchInterfaceName('arista_eos', 'Po10', eos)).toBe('Port-Channel10');
    expect(matchInterfaceName('cisco_nxos', 'Eth1/1', nxos)).toBe('Ethernet1/1');
    expect(matchInterfaceName('cisco_nxos', 'Po10', nxos)).toBe('port-channel10');
  });
  it('Junos names as typed, with or without the .0 unit', () => {
    expect(matchInterfaceName('juniper_junos', 'ge-0/0/0', junos)).toBe('ge-0/0/0');
    expect(matchInterfaceName('juniper_junos', 'ge-0/0/1', junos)).toBe('ge-0/0/1.0');
    expect(matchInterfaceName('juniper_junos', 'XE-0/1/0', junos)).toBe('xe-0/1/0');
  });
  it('names nothing when ambiguous or absent', () => {
    expect(matchInterfaceName('cisco_iosxe', 'T1/0/9', ios)).toBeUndefined(); // Two or TwentyFive
    expect(matchInterfaceName('cisco_iosxe', 'Gi9/9/9', ios)).toBeUndefined();
    expect(matchInterfaceName('cisco_iosxe', 'Gi', ios)).toBeUndefined();
    expect(matchInterfaceName(undefined, 'Gi1/0/1', ios)).toBe('GigabitEthernet1/0/1');
  });
});
