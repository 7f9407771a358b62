import { describe, expect, it } from 'vitest';
import { SIM_VENDORS as VENDORS } from '../../../src/lab/vendors.js';
import { getVendor, listVendors } from '../../../src/devices/vendors/index.js';
import { ErrorCode, NetopsError } from '../../../src/errors.js';

/** configRules as the configs engineer consumes them: volatile lines dropped, secrets found. */
function secretOf(vendor: (typeof VENDORS)[number], line: string): string | undefined {
  for (const r of getVendor(vendor).configRules.secrets) {
    const m = r.pattern.exec(line);
    const s = m?.[r.group ?? 1];
    if (s) return s;
  }
  return undefined;
}
const volatile = (vendor: (typeof VENDORS)[number], line: string) =>
  getVendor(vendor).configRules.volatile.some((r) => r.test(line));

describe('vendor table', () => {
  it('has one definition per vendor name, with commands, parsers and rules', () => {
    expect(
      listVendors()
        .map((v) => v.name)
        .sort(),
    ).toEqual([...VENDORS].sort());
    for (const v of listVendors()) {
      expect(v.commands.version.length).toBeGreaterThan(0);
      expect(v.readOnly.commands.length).toBeGreaterThan(0);
      expect(['indent', 'braces']).toContain(v.configRules.blocks);
      expect(Object.isFrozen(v)).toBe(true);
    }
  });
  it('refuses an unknown vendor with a hint', () => {
    expect(() => getVendor('cisco_ios9')).toThrow(NetopsError);
    try {
      getVendor('nope');
    } catch (e) {
      expect((e as NetopsError).code).toBe(ErrorCode.CONFIG_INVALID);
      expect((e as NetopsError).hint).toContain('cisco_iosxe');
    }
  });
});

describe('configRules: secrets', () => {
  it.each([
    ['cisco_iosxe', 'enable secret 9 $9$abcdefgh$ijklmnop', '$9$abcdefgh$ijklmnop'],
    ['cisco_iosxe', 'enable password 7 0822455D0A16', '0822455D0A16'],
    ['cisco_iosxe', 'username admin privilege 15 secret 9 $9$xyz', '$9$xyz'],
    ['cisco_iosxe', 'username ops password 7 045802150C2E', '045802150C2E'],
    ['cisco_iosxe', 'snmp-server community s3cr3t RO', 's3cr3t'],
    ['cisco_iosxe', 'tacacs-server host 10.0.0.49 key 7 0822455D0A16', '0822455D0A16'],
    ['cisco_iosxe', ' key 7 0822455D0A16', '0822455D0A16'],
    ['cisco_iosxe', ' neighbor 10.0.0.2 password 7 13061E010803', '13061E010803'],
    ['cisco_iosxe', ' password 7 0822455D0A16', '0822455D0A16'],
    ['cisco_nxos', 'username admin password 5 $5$abc  role network-admin', '$5$abc'],
    ['cisco_nxos', 'snmp-server community pub1ic group network-operator', 'pub1ic'],
    ['cisco_nxos', 'tacacs-server key 7 "abcd1234"', '"abcd1234"'],
    [
      'arista_eos',
      'username admin privilege 15 role network-admin secret sha512 $6$salt$hash',
      '$6$salt$hash',
    ],
    ['arista_eos', 'enable password sha512 $6$x$y', '$6$x$y'],
    ['arista_eos', '   neighbor 10.0.0.1 password 7 AbCdEf==', 'AbCdEf=='],
    ['juniper_junos', '        encrypted-password "$6$abc$def"; ## SECRET-DATA', '$6$abc$def'],
    ['juniper_junos', 'set system root-authentication encrypted-password "$6$abc$def"', '$6$abc$def'],
    ['juniper_junos', '    secret "$9$Hk5FCtO"; ## SECRET-DATA', '$9$Hk5FCtO'],
    ['juniper_junos', '    authentication-key "$9$abcd"; ## SECRET-DATA', '$9$abcd'],
    ['juniper_junos', '    community s3cr3t {', 's3cr3t'],
    ['frr', ' neighbor 10.0.0.1 password n0tsecret', 'n0tsecret'],
    ['frr', 'enable password zebra', 'zebra'],
    ['frr', 'password zebra', 'zebra'],
  ] as const)('%s: %s', (vendor, line, secret) => {
    // Junos rules take the quotes with the value (the whole token is masked).
    const unquote = (t?: string) => t?.replace(/^"(.*)"$/, '$1');
    expect(unquote(secretOf(vendor, line))).toBe(unquote(secret));
  });
  it.each([
    ['cisco_iosxe', 'interface GigabitEthernet1/0/1'],
    ['cisco_iosxe', ' description password reset portal'],
    ['cisco_iosxe', 'service password-encryption'],
    ['juniper_junos', '    host-name edge1;'],
    ['frr', ' neighbor 10.0.0.1 remote-as 65002'],
  ] as const)('%s: no secret in %s', (vendor, line) => {
    expect(secretOf(vendor, line)).toBeUndefined();
  });
});

describe('configRules: volatile lines', () => {
  it.each([
    ['cisco_iosxe', '! Last configuration change at 10:15:36 UTC Wed Nov 25 2026 by netops'],
    ['cisco_iosxe', '! NVRAM config last updated at 09:00:00 UTC Wed Nov 25 2026 by netops'],
    ['cisco_iosxe', 'ntp clock-period 17179869'],
    ['cisco_iosxe', 'Current configuration : 12345 bytes'],
    ['cisco_nxos', '!Time: Wed Nov 25 10:15:36 2026'],
    ['arista_eos', '! Command: show running-config'],
    ['juniper_junos', '## Last commit: 2026-11-25 10:15:36 UTC by netops'],
    ['juniper_junos', '## Last changed: 2026-11-25 10:15:36 UTC'],
  ] as const)('%s: %s', (vendor, line) => {
    expect(volatile(vendor, line)).toBe(true);
  });
  it('keeps real configuration lines', () => {
    expect(volatile('cisco_iosxe', 'ntp server 10.0.0.123')).toBe(false);
    expect(volatile('juniper_junos', 'version 21.4R3-S2.3;')).toBe(false);
  });
});

describe('the vendor table is the only list', () => {
  it('holds every vendor file in src/devices/vendors/', async () => {
    const { readdirSync } = await import('node:fs');
    const dir = new URL('../../../src/devices/vendors/', import.meta.url);
    const listed = new Set(listVendors());
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
      const mod = (await import(new URL(file, dir).href)) as Record<string, unknown>;
      for (const value of Object.values(mod)) {
        const v = value as { prompt?: unknown; configRules?: unknown; name?: string };
        if (v && typeof v === 'object' && v.prompt instanceof RegExp && v.configRules)
          expect(listed.has(value as never), `${file} (${v.name}) is not in the vendor table`).toBe(true);
      }
    }
  });

  it('is what netops.yaml accepts', async () => {
    const { loadConfig } = await import('../../../src/config.js');
    const { vendorNames } = await import('../../../src/devices/index.js');
    for (const vendor of vendorNames()) {
      const yaml = `devices:\n  - { name: d1, vendor: ${vendor}, host: 10.0.0.1, credential: lab }\n`;
      expect(loadConfig({}, { role: 'migrate', readFile: () => yaml }).devices[0]!.vendor).toBe(vendor);
    }
    expect(() =>
      loadConfig(
        {},
        {
          role: 'migrate',
          readFile: () => 'devices:\n  - { name: d1, vendor: acme_nope, host: h, credential: c }\n',
        },
      ),
    ).toThrow(/unknown vendor "acme_nope".*hint: one of cisco_iosxe/);
  });
});
