import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SECRET_MARKER, maskLine, rulesFor } from '../../../src/configs/index.js';
import type { Vendor } from '../../../src/config.js';
import { validateReadOnly } from '../../../src/devices/allowlist.js';
import { ErrorCode, type NetopsError } from '../../../src/errors.js';

/**
 * Commands a new user would try to get a change through `/net show`. Each passed the old
 * first-words allowlist or a sibling of it; every one must be refused, with a reason.
 */
const BYPASSES: Array<[Vendor, string]> = [
  // linux: arguments after allowed first words
  ['linux', 'ip -br link set eth0 down'],
  ['linux', 'ip -s link set eth0 down'],
  ['linux', 'ip -o link set dev eth0 mtu 9000'],
  ['linux', 'ip link set eth0 down'],
  ['linux', 'ip addr add 10.0.0.9/24 dev eth0'],
  ['linux', 'ip -br addr flush dev eth0'],
  ['linux', 'ip route add default via 10.0.0.1'],
  ['linux', 'ip route del default'],
  ['linux', 'ip neigh flush all'],
  ['linux', 'ip netns exec x reboot'],
  ['linux', 'ip -batch /tmp/cmds'],
  ['linux', 'ip tuntap add tap0 mode tap'],
  ['linux', 'ethtool -s eth0 speed 10'],
  ['linux', 'ethtool -K eth0 tso off'],
  ['linux', 'ethtool -G eth0 rx 64'],
  ['linux', 'ethtool -t eth0 offline'],
  ['linux', 'ethtool -E eth0 magic 0 offset 0 value 0'],
  ['linux', 'ethtool -f eth0 firmware.bin'],
  ['linux', 'hostname x'],
  ['linux', 'hostname -F /etc/passwd'],
  ['linux', 'hostname -b evil'],
  ['linux', 'ss -K dst 10.0.0.1'],
  ['linux', 'ss --kill state established'],
  ['linux', 'ss -tn -D /tmp/dump'],
  ['linux', 'cat /proc/self/environ'],
  ['linux', 'cat /proc/1/environ'],
  ['linux', 'cat /proc/sys/kernel/hostname /etc/shadow'],
  ['linux', 'cat /proc/../etc/shadow'],
  ['linux', 'ping -f 10.0.0.1'],
  ['linux', 'ping 10.0.0.1'],
  ['linux', 'ping -c 100000 10.0.0.1'],
  ['linux', 'ping -c 3 -p ff 10.0.0.1'],
  ['linux', 'df -h --output=source /'],
  ['linux', 'uname -a --help x'],
  ['linux', 'uptime x'],
  ['linux', 'lldpctl configure system hostname evil'],
  ['linux', 'lldpctl update'],
  ['linux', 'traceroute -f 1 -p 22 --mtu x'],
  ['linux', 'ip route show | sh'],
  ['linux', 'free -h; reboot'],
  // cisco ios-xe
  ['cisco_iosxe', 'show run | redirect flash:x'],
  ['cisco_iosxe', 'show run | append flash:x'],
  ['cisco_iosxe', 'show run | tee flash:x'],
  ['cisco_iosxe', 'sh snmp community'],
  ['cisco_iosxe', 'show key chain'],
  ['cisco_iosxe', 'sh cry isakmp key'],
  ['cisco_iosxe', 'ping'],
  ['cisco_iosxe', 'ping 10.0.0.1 repeat 100000'],
  ['cisco_iosxe', 'configure terminal'],
  ['cisco_iosxe', 'reload in 1'],
  ['cisco_iosxe', 'copy running-config tftp://10.0.0.99/x'],
  ['cisco_iosxe', 'show run | format flash:spec.odm'],
  // cisco nx-os
  ['cisco_nxos', 'show running-config | json'],
  ['cisco_nxos', 'sh run | json-pretty'],
  ['cisco_nxos', 'show startup-config | xml'],
  ['cisco_nxos', 'show run | section snmp | json'],
  ['cisco_nxos', 'show tech-support | json'],
  ['cisco_nxos', 'show snmp community'],
  ['cisco_nxos', 'show run > bootflash:x'],
  ['cisco_nxos', 'show run | vsh'],
  ['cisco_nxos', 'run bash reboot'],
  ['cisco_nxos', 'ping 10.0.0.1 count 0'],
  // arista eos
  ['arista_eos', 'show running-config | json'],
  ['arista_eos', 'sh run | js'],
  ['arista_eos', 'show startup-config | json'],
  ['arista_eos', 'show run section snmp | json'],
  ['arista_eos', 'show snmp community'],
  ['arista_eos', 'bash sudo reboot'],
  ['arista_eos', 'ping 10.0.0.1 repeat 999999'],
  ['arista_eos', 'show run | bash'],
  // juniper junos
  ['juniper_junos', 'show configuration | display json'],
  ['juniper_junos', 'show configuration | display xml'],
  ['juniper_junos', 'sh conf | disp x'],
  ['juniper_junos', 'show configuration system | display json'],
  ['juniper_junos', 'show configuration | display set | display json'],
  ['juniper_junos', 'show configuration | save /var/tmp/x'],
  ['juniper_junos', 'ping 10.0.0.1'],
  ['juniper_junos', 'ping 10.0.0.1 count 100000 rapid'],
  ['juniper_junos', 'request system reboot'],
  ['juniper_junos', 'start shell sh'],
  ['juniper_junos', 'file delete /var/log/messages'],
  // frr (vtysh)
  ['frr', 'show run | grep x'],
  ['frr', 'configure terminal'],
  ['frr', 'write memory'],
  ['frr', 'clear ip bgp *'],
  ['frr', 'ping 10.0.0.1 -f'],
  ['frr', 'traceroute 10.0.0.1; reboot'],
];

/** What must keep working, so the spec cannot pass by refusing everything. */
const READS: Array<[Vendor, string]> = [
  ['linux', 'ip -br link'],
  ['linux', 'ip -br link show'],
  ['linux', 'ip -s link show dev eth0'],
  ['linux', 'ip -br addr show'],
  ['linux', 'ip route show table all'],
  ['linux', 'ip route get 10.0.0.1'],
  ['linux', 'ip neigh show'],
  ['linux', 'ip addr'],
  ['linux', 'ethtool eth0'],
  ['linux', 'ethtool -S eth0'],
  ['linux', 'ethtool -i eth0'],
  ['linux', 'hostname'],
  ['linux', 'hostname -f'],
  ['linux', 'ss -tulpn'],
  ['linux', 'ss -tn state established'],
  ['linux', 'cat /proc/net/dev'],
  ['linux', 'cat /proc/loadavg'],
  ['linux', 'ping -c 3 10.0.0.1'],
  ['linux', 'ping -n -c 5 -W 2 10.0.0.1'],
  ['linux', 'traceroute -n 10.0.0.1'],
  ['linux', 'uname -a'],
  ['linux', 'uptime'],
  ['linux', 'df -h'],
  ['linux', 'free -m'],
  ['linux', 'lldpctl'],
  ['linux', 'lldpctl eth0'],
  ['cisco_iosxe', 'show running-config | include snmp'],
  ['cisco_iosxe', 'sh ip int br'],
  ['cisco_iosxe', 'ping 10.0.0.1 repeat 5'],
  ['cisco_iosxe', 'ping vrf MGMT 10.0.0.1'],
  ['cisco_nxos', 'show interface brief | json'],
  ['cisco_nxos', 'show running-config | include snmp'],
  ['cisco_nxos', 'ping 10.0.0.1 count 5 vrf management'],
  ['arista_eos', 'show version | json'],
  ['arista_eos', 'show interfaces status | json'],
  ['arista_eos', 'show running-config section snmp'],
  ['juniper_junos', 'show configuration | display set'],
  ['juniper_junos', 'show interfaces terse | display json'],
  ['juniper_junos', 'show route summary | display xml'],
  ['juniper_junos', 'ping 10.0.0.1 count 5 rapid'],
  ['frr', 'show bgp summary'],
  ['frr', 'show running-config'],
  ['frr', 'ping 10.0.0.1'],
];

function refusal(vendor: Vendor, command: string): NetopsError {
  try {
    validateReadOnly(vendor, command);
  } catch (e) {
    return e as NetopsError;
  }
  throw new Error(`${vendor}: \`${command}\` was allowed`);
}

describe('read-only bypass spec', () => {
  it('has at least 40 attempts across all six vendors', () => {
    expect(BYPASSES.length).toBeGreaterThanOrEqual(40);
    expect(new Set(BYPASSES.map(([v]) => v)).size).toBe(6);
  });

  it.each(BYPASSES)('%s refuses `%s`', (vendor, command) => {
    const e = refusal(vendor, command);
    expect(e.code).toBe(ErrorCode.COMMAND_NOT_ALLOWED);
    expect(e.userMessage).toMatch(/is not allowed: .+\.$/);
    expect(e.hint).toBeTruthy();
  });

  it.each(READS)('%s still allows `%s`', (vendor, command) => {
    expect(validateReadOnly(vendor, command)).toBe(command);
  });

  it('a refused argument names what is allowed instead', () => {
    const e = refusal('linux', 'ethtool -s eth0 speed 10');
    expect(e.userMessage).toMatch(
      /not a read-only command on Linux \(only some arguments of `ethtool` are\)/,
    );
    expect(e.hint).toMatch(/ethtool \[-i\|-S/);
  });
});

const FIXTURES = join(import.meta.dirname, '../../fixtures/structured-output');
const read = (f: string) => readFileSync(join(FIXTURES, f), 'utf8');
const maskText = (vendor: Vendor, text: string) =>
  text
    .split('\n')
    .map((l) => maskLine(l, rulesFor(vendor).secrets, DEFAULT_SECRET_MARKER))
    .join('\n');

/**
 * Why format modifiers are refused on configuration: the line masker knows config lines, not
 * JSON keys or XML elements. Each real-format sample keeps secrets through masking, and the
 * command that would produce it is refused.
 */
describe('structured output of configuration', () => {
  const samples: Array<[Vendor, string, string[], string[]]> = [
    [
      'arista_eos',
      'arista_eos-show-running-config-json.json',
      ['n3tw0rk-R0', '070C285F4D06485744'],
      ['show running-config | json', 'sh run | json', 'show run | include snmp | json'],
    ],
    [
      'cisco_nxos',
      'cisco_nxos-show-running-config-json.json',
      ['n3tw0rk-R0', '$5$FDJHAK$', 'fewhg123'],
      ['show running-config | json', 'sh run | json', 'show startup-config | json'],
    ],
    [
      'juniper_junos',
      'juniper_junos-show-configuration-display-json.json',
      ['$9$Hk5FCtOIhrvMXgoGji', 'n3tw0rk-R0'],
      ['show configuration | display json', 'show conf | display js'],
    ],
    [
      'juniper_junos',
      'juniper_junos-show-configuration-display-xml.xml',
      ['$6$Qw3rTy$', '$9$Hk5FCtOIhrvMXgoGji', 'n3tw0rk-R0'],
      ['show configuration | display xml', 'show configuration protocols | disp xml'],
    ],
  ];
  it.each(samples)(
    '%s %s: plain-text masking leaks, so the command is refused',
    (vendor, file, leaks, commands) => {
      const masked = maskText(vendor, read(file));
      for (const secret of leaks) expect(masked).toContain(secret);
      for (const c of commands) {
        const e = refusal(vendor, c);
        expect(e.userMessage).toMatch(
          /would print the configuration as (JSON|XML), where secrets are not masked/,
        );
        expect(e.hint).toMatch(/Leave out the format modifier/);
      }
    },
  );

  it('Junos `| display set` stays allowed: the masker knows set lines', () => {
    const masked = maskText('juniper_junos', read('juniper_junos-show-configuration-display-set.txt'));
    for (const secret of ['$6$Qw3rTy$', '$6$AbCdEf$', '$9$Hk5FCtOIhrvMXgoGji', 'n3tw0rk-R0']) {
      expect(masked).not.toContain(secret);
    }
    expect(masked).toContain('set system host-name edge1-fra');
    expect(validateReadOnly('juniper_junos', 'show configuration | display set')).toBeTruthy();
  });
});
