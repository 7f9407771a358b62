import { describe, expect, it } from 'vitest';
import {
  type ComplianceConfig,
  complianceSchema,
  type DeviceInfo,
  evaluateDevice,
  remediation,
  showResult,
} from '../../../src/compliance/index.js';

const opts = { secretMarker: '<removed>' };
const cfg = (c: unknown): ComplianceConfig => complianceSchema.parse(c);
const dev = (vendor: DeviceInfo['vendor'], extra: Partial<DeviceInfo> = {}): DeviceInfo => ({
  name: 'core1-ams',
  vendor,
  site: 'ams1',
  role: 'core',
  tags: [],
  ...extra,
});

const IOSXE = `hostname core1-ams
!
ip http server
ntp server 10.0.0.123
ntp server 10.0.0.124
!
router bgp 65000
 bgp log-neighbor-changes
 neighbor 10.0.0.2 remote-as 65001
!
ip access-list extended MGMT
 10 permit ip 10.0.0.0 0.0.0.255 any
 20 permit ip 10.1.0.0 0.0.0.255 any
 30 deny ip any any
!
end
`;

const JUNOS = `## Last commit: 2026-11-25 10:00:00 UTC by admin
system {
    host-name edge1-fra;
    ntp {
        server 10.0.0.123;
    }
    services {
        ssh;
        telnet;
    }
}
`;

const FRR = `frr version 8.4
hostname frr1
log syslog informational
router bgp 65010
 neighbor 10.0.0.1 remote-as 65000
 address-family ipv4 unicast
  network 192.0.2.0/24
 exit-address-family
exit
!
`;

const NXOS = `feature bgp

interface Ethernet1/1
  description uplink
  no shutdown

ntp server 10.0.0.123 use-vrf management
`;

describe('present rules', () => {
  it('IOS-XE: template lines from site variables; missing lines exact', () => {
    const c = cfg({
      sites: { ams1: { ntp: ['10.0.0.123', '10.0.0.125'] } },
      rules: [
        {
          name: 'ntp',
          kind: 'present',
          lines: '{{#site.ntp}}\nntp server {{.}}\n{{/site.ntp}}',
        },
      ],
    });
    const [r] = evaluateDevice(c, dev('cisco_iosxe'), IOSXE, opts);
    expect(r!.status).toBe('noncompliant');
    expect(r!.missing).toEqual([['ntp server 10.0.0.125']]);
    expect(r!.extra).toEqual([]);
  });

  it('a child line counts only under its own block', () => {
    const c = cfg({
      rules: [
        { name: 'bgp-log', kind: 'present', lines: 'router bgp 65000\n bgp log-neighbor-changes' },
        { name: 'wrong-parent', kind: 'present', lines: 'router ospf 1\n bgp log-neighbor-changes' },
      ],
    });
    const [ok, bad] = evaluateDevice(c, dev('cisco_iosxe'), IOSXE, opts);
    expect(ok!.status).toBe('compliant');
    expect(bad!.missing).toEqual([['router ospf 1'], ['router ospf 1', 'bgp log-neighbor-changes']]);
    expect(showResult(bad!, 'cisco_iosxe')).toEqual(['+ router ospf 1', '+  bgp log-neighbor-changes']);
  });

  it('ordered blocks: present but out of order is reported; unordered passes', () => {
    const lines = 'ip access-list extended MGMT\n 30 deny ip any any\n 10 permit ip 10.0.0.0 0.0.0.255 any';
    const c = cfg({
      rules: [
        { name: 'acl-ordered', kind: 'present', ordered: true, lines },
        { name: 'acl-any', kind: 'present', lines },
      ],
    });
    const [ordered, any] = evaluateDevice(c, dev('cisco_iosxe'), IOSXE, opts);
    expect(ordered!.status).toBe('noncompliant');
    expect(ordered!.missing).toHaveLength(1);
    expect(any!.status).toBe('compliant');
  });

  it('Junos: brace-form rule lines match the stored hierarchy; indentation does not matter', () => {
    const c = cfg({
      rules: [
        {
          name: 'ntp',
          kind: 'present',
          lines: 'system {\n ntp {\n  server 10.0.0.123;\n  server 10.0.0.124;\n }\n}',
        },
      ],
    });
    const [r] = evaluateDevice(c, dev('juniper_junos', { name: 'edge1-fra' }), JUNOS, opts);
    expect(r!.missing).toEqual([['system', 'ntp', 'server 10.0.0.124']]);
    expect(remediation([r!], 'juniper_junos', '<removed>').lines).toEqual([
      'set system ntp server 10.0.0.124',
    ]);
  });

  it('FRR flat config with nested address-family', () => {
    const c = cfg({
      rules: [
        {
          name: 'bgp-net',
          kind: 'present',
          lines: 'router bgp 65010\n address-family ipv4 unicast\n  network 192.0.2.0/24',
        },
      ],
    });
    expect(evaluateDevice(c, dev('frr'), FRR, opts)[0]!.status).toBe('compliant');
  });

  it('NX-OS: blank lines separate blocks without breaking matching', () => {
    const c = cfg({
      rules: [{ name: 'uplink', kind: 'present', lines: 'interface Ethernet1/1\n  no shutdown' }],
    });
    expect(evaluateDevice(c, dev('cisco_nxos'), NXOS, opts)[0]!.status).toBe('compliant');
  });

  it('a variable the device has no value for is an error, not an empty line', () => {
    const c = cfg({ rules: [{ name: 'syslog', kind: 'present', lines: 'logging host {{site.syslog}}' }] });
    const [r] = evaluateDevice(c, dev('cisco_iosxe'), IOSXE, opts);
    expect(r!.status).toBe('error');
    expect(r!.error).toContain('site.syslog');
  });
});

describe('absent rules', () => {
  it('lines and patterns, with their blocks; remediation negates', () => {
    const c = cfg({
      rules: [
        { name: 'no-http', kind: 'absent', lines: 'ip http server\nip http secure-server' },
        { name: 'no-telnet', kind: 'absent', patterns: ['^telnet$'] },
      ],
    });
    const [http] = evaluateDevice(c, dev('cisco_iosxe'), IOSXE, opts);
    expect(http!.extra).toEqual([['ip http server']]);
    expect(remediation([http!], 'cisco_iosxe', '<removed>').lines).toEqual(['no ip http server']);
    const junos = evaluateDevice(c, dev('juniper_junos'), JUNOS, opts);
    const telnet = junos.find((r) => r.rule === 'no-telnet')!;
    expect(telnet.extra).toEqual([['system', 'services', 'telnet']]);
    expect(remediation([telnet], 'juniper_junos', '<removed>').lines).toEqual([
      'delete system services telnet',
    ]);
  });

  it('no false positive: a similar line or the same line in another block is not a hit', () => {
    const c = cfg({ rules: [{ name: 'no-http', kind: 'absent', lines: 'ip http server' }] });
    const cleanCfg = 'no ip http server\nip http secure-server\ninterface Gi1\n description ip http server\n';
    expect(evaluateDevice(c, dev('cisco_iosxe'), cleanCfg, opts)[0]!.status).toBe('compliant');
  });
});

describe('Junos rules in set form', () => {
  it('a `set` rule matches the brace config; the missing line is remediated as `set …`', () => {
    const c = cfg({
      rules: [
        {
          name: 'ntp',
          kind: 'present',
          lines: 'set system ntp server 10.0.0.123\nset system ntp server 10.0.0.124',
        },
      ],
    });
    const [r] = evaluateDevice(c, dev('juniper_junos'), JUNOS, opts);
    expect(r!.status).toBe('noncompliant');
    expect(r!.missing).toEqual([['system ntp server 10.0.0.124']]);
    expect(remediation([r!], 'juniper_junos', '<removed>').lines).toEqual([
      'set system ntp server 10.0.0.124',
    ]);
    // Shown in notices and reports as the engineer wrote it, not as `system ntp server …;`.
    expect(showResult(r!, 'juniper_junos')).toEqual(['+ set system ntp server 10.0.0.124']);
  });

  it('set-form and brace-form lines shown together: blocks close before a `set` line', () => {
    expect(
      showResult(
        {
          missing: [['system', 'services', 'ssh'], ['system ntp server 10.0.0.9']],
          extra: [['system', 'services', 'telnet']],
        },
        'juniper_junos',
      ),
    ).toEqual([
      '+ system {',
      '+     services {',
      '+         ssh;',
      '+     }',
      '+ }',
      '+ set system ntp server 10.0.0.9',
      '- system {',
      '-     services {',
      '-         telnet;',
      '-     }',
      '- }',
    ]);
  });

  it('regression: a `set` rule line was remediated as `set set …`', () => {
    const c = cfg({ rules: [{ name: 'ntp', kind: 'present', lines: 'set system ntp server 10.9.9.9' }] });
    const [r] = evaluateDevice(c, dev('juniper_junos'), JUNOS, opts);
    expect(remediation([r!], 'juniper_junos', '<removed>').lines).toEqual(['set system ntp server 10.9.9.9']);
  });

  it('a `set` line in the same place as a brace statement is the same statement, both ways', () => {
    const rule = (lines: string) => cfg({ rules: [{ name: 'r', kind: 'present', lines }] });
    const setConfig =
      'set system host-name edge1-fra\nset system ntp server 10.0.0.123\nset system services ssh\n';
    expect(
      evaluateDevice(
        rule('system {\n ntp {\n  server 10.0.0.123;\n }\n}'),
        dev('juniper_junos'),
        setConfig,
        opts,
      )[0]!.status,
    ).toBe('compliant');
    expect(
      evaluateDevice(rule('set system services ssh'), dev('juniper_junos'), JUNOS, opts)[0]!.status,
    ).toBe('compliant');
    // Not a prefix match: `server 10.0.0.12` is another statement.
    expect(
      evaluateDevice(rule('set system ntp server 10.0.0.12'), dev('juniper_junos'), JUNOS, opts)[0]!.status,
    ).toBe('noncompliant');
  });

  it('absent in set form: the brace statement is found and deleted', () => {
    const c = cfg({ rules: [{ name: 'no-telnet', kind: 'absent', lines: 'set system services telnet' }] });
    const [r] = evaluateDevice(c, dev('juniper_junos'), JUNOS, opts);
    expect(r!.extra).toEqual([['system', 'services', 'telnet']]);
    expect(remediation([r!], 'juniper_junos', '<removed>').lines).toEqual(['delete system services telnet']);
  });

  it('a section in set form: its block headers are not extra, other statements are', () => {
    const c = cfg({
      rules: [
        {
          name: 'ntp',
          kind: 'section',
          match: '^ntp \\{',
          lines: 'set system ntp server 10.0.0.124',
        },
      ],
    });
    const [r] = evaluateDevice(c, dev('juniper_junos'), JUNOS, opts);
    expect(r!.missing).toEqual([['system ntp server 10.0.0.124']]);
    expect(r!.extra).toEqual([['system', 'ntp', 'server 10.0.0.123']]);
    expect(remediation([r!], 'juniper_junos', '<removed>').lines).toEqual([
      'delete system ntp server 10.0.0.123',
      'set system ntp server 10.0.0.124',
    ]);
  });
});

describe('section rules', () => {
  it('the section must equal the rendered template: missing and extra lines', () => {
    const c = cfg({
      sites: { ams1: { ntp: ['10.0.0.123', '10.0.0.125'] } },
      rules: [
        {
          name: 'ntp-exact',
          kind: 'section',
          match: '^ntp server ',
          lines: '{{#site.ntp}}\nntp server {{.}}\n{{/site.ntp}}',
        },
      ],
    });
    const [r] = evaluateDevice(c, dev('cisco_iosxe'), IOSXE, opts);
    expect(r!.missing).toEqual([['ntp server 10.0.0.125']]);
    expect(r!.extra).toEqual([['ntp server 10.0.0.124']]);
    expect(remediation([r!], 'cisco_iosxe', '<removed>').lines).toEqual([
      'no ntp server 10.0.0.124',
      'ntp server 10.0.0.125',
    ]);
  });

  it('Junos section under its hierarchy', () => {
    const c = cfg({
      rules: [
        {
          name: 'ntp',
          kind: 'section',
          match: '^ntp \\{',
          lines: 'system {\n    ntp {\n        server {{site.ntp}};\n    }\n}',
        },
      ],
      sites: { fra1: { ntp: '10.0.0.123' } },
    });
    const [r] = evaluateDevice(c, dev('juniper_junos', { site: 'fra1' }), JUNOS, opts);
    expect(r!.status).toBe('compliant');
  });

  it('secrets render as the stored marker: compared, never shown, never pushed', () => {
    const c = cfg({
      rules: [
        {
          name: 'tacacs',
          kind: 'present',
          lines: 'tacacs server T1\n address ipv4 10.0.0.9\n key 7 {{secrets.tacacs}}',
        },
      ],
    });
    const stored = 'tacacs server T1\n address ipv4 10.0.0.9\n key 7 <removed>\n';
    expect(evaluateDevice(c, dev('cisco_iosxe'), stored, opts)[0]!.status).toBe('compliant');
    const [r] = evaluateDevice(c, dev('cisco_iosxe'), 'hostname x\n', opts);
    expect(JSON.stringify(r)).not.toMatch(/secrets|tacacs-key-value/);
    const fix = remediation([r!], 'cisco_iosxe', '<removed>');
    expect(fix.lines.join('\n')).not.toContain('<removed>');
    expect(fix.withheld).toHaveLength(1);
  });
});

describe('scope and vendors', () => {
  it('per-vendor variants; a vendor without one is skipped; scope filters devices', () => {
    const c = cfg({
      rules: [
        {
          name: 'ssh-only',
          kind: 'absent',
          scope: { site: 'ams1' },
          vendors: {
            cisco_iosxe: { patterns: ['^transport input .*telnet'] },
            juniper_junos: { patterns: ['^telnet$'] },
          },
        },
      ],
    });
    expect(evaluateDevice(c, dev('frr'), FRR, opts)).toEqual([]);
    expect(evaluateDevice(c, dev('juniper_junos', { site: 'fra1' }), JUNOS, opts)).toEqual([]);
    expect(evaluateDevice(c, dev('juniper_junos'), JUNOS, opts)[0]!.status).toBe('noncompliant');
  });

  it('config problems are listed', () => {
    const r = complianceSchema.safeParse({
      rules: [
        { name: 'a', kind: 'absent', patterns: ['('] },
        { name: 'a', kind: 'present' },
        { name: 'b', kind: 'absent', patterns: ['(a)\\1'] },
      ],
    });
    expect(r.success).toBe(false);
    const text = r.error!.issues.map((i) => i.message).join('\n');
    expect(text).toMatch(/bad regular expression/);
    expect(text).toMatch(/duplicate rule name/);
    // A backreference cannot run under the linear-time bound: refused at load, like a search pattern.
    expect(text).toMatch(/rule "b": bad regular expression/);
  });
});
