import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SIM_VENDORS as VENDORS } from '../../../src/lab/vendors.js';
import { validateReadOnly } from '../../../src/devices/allowlist.js';
import { ErrorCode, NetopsError } from '../../../src/errors.js';

function refusal(vendor: (typeof VENDORS)[number], command: string): NetopsError {
  try {
    validateReadOnly(vendor, command);
  } catch (e) {
    expect((e as NetopsError).code).toBe(ErrorCode.COMMAND_NOT_ALLOWED);
    return e as NetopsError;
  }
  throw new Error(`${vendor}: "${command}" was allowed`);
}

describe('validateReadOnly', () => {
  it.each([
    ['cisco_iosxe', 'show ip bgp summary'],
    ['cisco_iosxe', 'sh ip int br'],
    ['cisco_iosxe', 'show running-config | include ^interface'],
    ['cisco_iosxe', 'show run | i snmp'],
    ['cisco_iosxe', 'ping 10.0.0.1'],
    ['cisco_nxos', 'show interface brief | json'],
    ['arista_eos', 'show version | json'],
    ['juniper_junos', 'show configuration | display set | match ge-0/0/1'],
    ['juniper_junos', 'show interfaces terse | no-more'],
    ['frr', 'show bgp summary'],
    ['linux', 'ip -br addr show'],
    ['linux', 'ip route show'],
    ['linux', 'ping -c 3 10.0.0.1'],
  ] as const)('%s allows %s', (vendor, command) => {
    expect(validateReadOnly(vendor, `  ${command} `)).toBe(command);
  });

  it.each([
    ['cisco_iosxe', 'show run ; reload', /`;`/],
    ['cisco_iosxe', 'show run && reload', /`&&`/],
    ['cisco_iosxe', 'configure terminal', /not a read-only command/],
    ['cisco_iosxe', 'reload', /not a read-only command/],
    ['cisco_iosxe', 's run', /not a read-only command/],
    ['cisco_iosxe', 'show run | redirect flash:x', /`\| redirect` is not an allowed filter/],
    ['cisco_iosxe', 'show run | r flash:x', /`\| r` is not an allowed filter/],
    ['cisco_iosxe', 'show run | tee flash:x', /not an allowed filter/],
    ['cisco_iosxe', 'show run\nreload', /several lines/],
    ['cisco_nxos', 'show run > bootflash:x', /redirect/],
    ['cisco_nxos', 'show run | vsh', /not an allowed filter/],
    ['juniper_junos', 'show configuration | save /tmp/x', /`\| save`/],
    ['juniper_junos', 'request system reboot', /not a read-only command/],
    ['frr', 'show run | grep x', /`\| grep` is not an allowed filter/],
    ['linux', 'cat /etc/shadow', /not a read-only command/],
    ['linux', 'ip link set eth0 down', /not a read-only command/],
    ['linux', 'ip route show `id`', /backticks/],
    ['linux', 'ip route show $(reboot)', /substitution/],
    ['linux', 'ip route show | sh', /shell syntax/],
    ['linux', 'ipconfig', /not a read-only command/],
  ] as const)('%s refuses %s', (vendor, command, why) => {
    const e = refusal(vendor, command);
    expect(e.userMessage).toMatch(why);
    expect(e.hint).toBeTruthy();
  });

  it('refuses anything carrying a chaining or substitution token, on every vendor', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...VENDORS),
        fc.string({ maxLength: 30 }),
        fc.constantFrom(';', '&&', '`', '$(', '\n', '\r', '>', '<', '||'),
        fc.string({ maxLength: 30 }),
        (vendor, before, token, after) => {
          // Surrounding whitespace is trimmed, so the token sits between words.
          expect(() => validateReadOnly(vendor, `show a${before}${token}${after}b`)).toThrow(NetopsError);
        },
      ),
    );
  });
});

describe('regression: line separators and tab reached device CLIs', () => {
  for (const [name, ch] of [
    ['U+2028', '\u2028'],
    ['U+2029', '\u2029'],
    ['U+0085', '\u0085'],
  ] as const) {
    it(`refuses ${name} as a second line`, () => {
      expect(() => validateReadOnly('cisco_iosxe', `show version${ch}reload`)).toThrow(/spans several lines/);
    });
  }
  it('refuses tab and other control characters', () => {
    expect(() => validateReadOnly('cisco_iosxe', 'show ver\tsion')).toThrow(/control characters/);
    expect(() => validateReadOnly('arista_eos', 'show version\u009b')).toThrow(/control characters/);
    expect(() => validateReadOnly('linux', 'uptime\x00')).toThrow(/control characters/);
  });
  it('still takes a plain command', () => {
    expect(validateReadOnly('cisco_iosxe', 'show ip interface brief')).toBe('show ip interface brief');
  });
});
