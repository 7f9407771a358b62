import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { extractSections } from '../../../src/configs/section.js';

const fixture = (v: string) => readFileSync(new URL(`./fixtures/${v}.cfg`, import.meta.url), 'utf8');
const re = (r: RegExp) => (line: string) => r.test(line);

describe('extractSections', () => {
  it('IOS: a parent line with its children', () => {
    const out = extractSections(fixture('cisco_iosxe'), re(/^interface GigabitEthernet1$/), 'indent');
    expect(out.text).toBe(
      [
        'interface GigabitEthernet1',
        ' description uplink to dist1',
        ' ip address 10.0.0.1 255.255.255.252',
        ' ip ospf authentication-key 7 S3crIOSospf0005',
        ' ip ospf message-digest-key 1 md5 7 S3crIOSmd50006',
        ' no shutdown',
        '',
      ].join('\n'),
    );
    expect(out.matches).toBe(1);
  });

  it('IOS: a child match brings its parents; disjoint regions are separated', () => {
    const out = extractSections(
      fixture('cisco_iosxe'),
      re(/neighbor 10\.0\.0\.2 activate|^hostname/),
      'indent',
    );
    expect(out.text).toBe(
      [
        'hostname core1',
        '…',
        'router bgp 65000',
        ' address-family ipv4',
        '  neighbor 10.0.0.2 activate',
        '',
      ].join('\n'),
    );
  });

  it('NX-OS: blank lines end blocks, nested children come along', () => {
    const out = extractSections(fixture('cisco_nxos'), re(/^router bgp/), 'indent');
    expect(out.text.split('\n')).toEqual([
      'router bgp 65011',
      '  neighbor 10.0.1.0',
      '    remote-as 65000',
      '    password 3 S3crNXbgp0010',
      '    address-family ipv4 unicast',
      '',
    ]);
  });

  it('Junos: braces, with the enclosing hierarchy and closing braces', () => {
    const out = extractSections(fixture('juniper_junos'), re(/^\s*ge-0\/0\/0 \{/), 'braces');
    expect(out.text).toBe(
      [
        'interfaces {',
        '    ge-0/0/0 {',
        '        description "uplink to core1";',
        '        unit 0 {',
        '            family inet {',
        '                address 10.0.2.1/30;',
        '            }',
        '        }',
        '    }',
        '}',
        '',
      ].join('\n'),
    );
  });

  it('Junos: a leaf match and a set of precomputed line numbers', () => {
    const text = fixture('juniper_junos');
    const idx = text.split('\n').findIndex((l) => l.includes('peer-as 65000'));
    const out = extractSections(text, new Set([idx]), 'braces');
    expect(out.text).toBe(
      [
        'protocols {',
        '    bgp {',
        '        group upstream {',
        '            peer-as 65000;',
        '        }',
        '    }',
        '}',
        '',
      ].join('\n'),
    );
  });

  it('no match: empty text', () => {
    expect(extractSections('a\nb\n', re(/zzz/), 'indent')).toEqual({ text: '', matches: 0 });
  });
});
