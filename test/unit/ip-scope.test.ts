import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { expandCidr, inSubnets, lldpAddress, parseCidr } from '../../src/ip-scope.js';

describe('regression: discovery scope parsed by hand (accepted /0x18, dropped IPv6)', () => {
  it('refuses prefix lengths and addresses that are not plain decimal', () => {
    for (const bad of [
      '10.0.0.0/0x18',
      '10.0.0.0/+24',
      '10.0.0.0/24.0',
      '10.0.0.0/33',
      '0x7f.0.0.1/32',
      '010.0.0.1/32',
      '10.0.0/24',
      '10.0.0.0/24/1',
      '2001:db8::/129',
      'core1/24',
      ' /24',
    ]) {
      expect(parseCidr(bad), bad).toBeUndefined();
    }
    expect(inSubnets('10.0.0.5', ['10.0.0.0/0x18'])).toBe(false);
  });

  it('matches IPv4 and IPv6 subnets, never across families', () => {
    expect(inSubnets('10.1.2.3', ['10.1.0.0/16'])).toBe(true);
    expect(inSubnets('10.2.2.3', ['10.1.0.0/16'])).toBe(false);
    expect(inSubnets('2001:db8::5', ['2001:db8::/64'])).toBe(true);
    expect(inSubnets('2001:db9::5', ['2001:db8::/64'])).toBe(false);
    expect(inSubnets('2001:db8::5', ['10.0.0.0/8'])).toBe(false);
    expect(inSubnets('10.0.0.1', ['::/0'])).toBe(false);
  });

  it('judges an IPv4-mapped IPv6 address as its IPv4 address', () => {
    expect(inSubnets('::ffff:10.0.0.1', ['10.0.0.0/8'])).toBe(true);
    expect(inSubnets('::ffff:192.168.0.1', ['10.0.0.0/8'])).toBe(false);
  });

  it('expands IPv4 and small IPv6 prefixes', () => {
    expect(expandCidr('10.0.0.0/30')).toEqual(['10.0.0.1', '10.0.0.2']);
    expect(expandCidr('10.0.0.7/31')).toEqual(['10.0.0.6', '10.0.0.7']);
    expect(expandCidr('2001:db8::/126')).toEqual(['2001:db8::1', '2001:db8::2', '2001:db8::3']);
    expect(expandCidr('2001:db8::/64')).toEqual([]); // far beyond any sweep limit
    expect(parseCidr('2001:db8::/64')!.size).toBe(2n ** 64n);
  });

  it('reads IPv6 management addresses from LLDP', () => {
    const v6 = '32.1.13.184.0.0.0.0.0.0.0.0.0.0.0.9'.split('.');
    expect(lldpAddress('2', v6)).toBe('2001:db8::9');
    expect(lldpAddress('1', ['10', '0', '0', '1'])).toBe('10.0.0.1');
    expect(lldpAddress('2', ['10', '0', '0', '1'])).toBeUndefined();
  });

  it('netops.yaml takes IPv6 subnets and refuses malformed ones with a hint', () => {
    const env = { SLACK_BOT_TOKEN: 'x', SLACK_SIGNING_SECRET: 's', NETOPS_CONFIG: 'n.yaml' };
    const c = loadConfig(env, {
      role: 'all',
      readFile: () => 'discovery:\n  allowedSubnets: [10.0.0.0/24, "2001:db8::/64"]\n',
    });
    expect(c.discovery.allowedSubnets).toEqual(['10.0.0.0/24', '2001:db8::/64']);
    expect(() =>
      loadConfig(env, { role: 'all', readFile: () => 'discovery:\n  allowedSubnets: [10.0.0.0/0x18]\n' }),
    ).toThrow(/allowedSubnets\.0.*a CIDR such as/);
  });
});
