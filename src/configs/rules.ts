import type { Vendor } from '../config.js';
import type { SecretRule } from '../devices/types.js';
import { getVendor } from '../devices/vendors/index.js';
import type { ConfigRules, SecretBlockRule } from './normalise.js';

/**
 * What configs/ knows about each vendor's running config. The device layer's vendor files carry
 * `configRules` too; `rulesFor` merges both (union), so whatever either side knows is applied.
 * Kept here as data so a missed volatile line or secret is a one-line fix with a fixture test.
 */

const s = (pattern: RegExp, group = 1): SecretRule => ({ pattern, group });

/** PEM private keys can appear in any vendor's config (certificates, SSH host keys on Linux/FRR). */
const PEM: SecretBlockRule = {
  begin: /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/,
  end: /-----END [A-Z0-9 ]*PRIVATE KEY-----/,
};

/** Cisco-family (IOS-XE, NX-OS, EOS share most of the syntax for secrets). */
const CISCO_SECRETS: SecretRule[] = [
  // enable secret 9 $9$..., enable password 7 0822..., enable secret sha512 $6$..., enable password x
  s(/^\s*enable (?:secret|password)(?: level \d+)?(?: (?:\d|sha512|md5))? (\S+)/),
  // username admin privilege 15 secret 9 $9$... / password 5 $5$... role network-admin
  s(/^\s*username \S+ .*?\b(?:secret|password)(?: (?:\d|sha512|md5))? (\S+)/),
  s(/^\s*username \S+ .*?\bssh-key (?:\S+ )?(\S+)/),
  // snmp-server community public RO / group network-operator / view ...
  s(/^\s*snmp-server community (\S+)/),
  // snmp-server host 10.0.0.1 [traps|informs] [version 1|2c|3 [auth|noauth|priv]] <community>
  s(
    /^\s*snmp-server host \S+(?: (?:traps|informs))?(?: version (?:1|2c|3(?: (?:auth|noauth|priv))?))?(?: use-vrf \S+)? (\S+)/,
  ),
  // snmp-server user u g v3 auth sha <key> priv aes 128 <key> (NX-OS: auth md5 <key> priv <key>)
  s(/^\s*snmp-server user .*?\bauth (?:md5|sha\S*) (\S+)/),
  s(/^\s*snmp-server user .*?\bpriv (?:(?:des|3des|aes|aes-128|aes128|aes192|aes256)(?: \d+)? )?(\S+)/),
  // tacacs/radius keys, at top level or inside server blocks: key 7 xxx / key xxx / key 0 "x"
  s(
    /^\s*(?:tacacs-server |radius-server |tacacs |radius )?(?:host \S+ .*?)?\bkey(?: \d)? (?!chain\b|config-key\b|\d+$)("[^"]*"|\S+)/,
  ),
  s(/^\s*(?:server-private|host) \S+ .*?\bkey(?: \d)? ("[^"]*"|\S+)/),
  s(/\bneighbor \S+ password(?: \d)? (\S+)/),
  s(/\bip ospf authentication-key(?: \d)? (\S+)/),
  s(/\bip ospf message-digest-key \d+ md5(?: \d)? (\S+)/),
  s(/\bisis password (\S+)/),
  s(/^\s*key-string(?: \d)? (\S+)/),
  s(/^\s*crypto isakmp key(?: \d)? (\S+)/),
  s(/\bpre-shared-key(?: (?:local|remote))?(?: \d)? (\S+)/),
  s(/\bppp (?:chap|pap) (?:password|sent-username \S+ password)(?: \d)? (\S+)/),
  s(/\bwpa-psk ascii(?: \d)? (\S+)/),
  s(/^\s*(?:secret|password)(?: \d| sha512)? (\S+)/),
  s(/\bstandby (?:\d+ )?authentication(?: md5 key-string)?(?: \d)? (\S+)/),
  s(/\bvrrp \d+ authentication(?: text)? (\S+)/),
  s(/^\s*ntp authentication-key \d+ md5 (\S+)/),
  s(/\bbgp (?:password|auth)(?: \d)? (\S+)/),
];

const IOSXE: ConfigRules = {
  volatile: [
    /^Building configuration\.\.\.$/,
    /^Current configuration ?: \d+ bytes$/,
    /^! Last configuration change\b/,
    /^! NVRAM config last updated at /,
    /^! No configuration change since last restart/,
    /^ntp clock-period \d+$/,
    /^! Time: /,
  ],
  secrets: CISCO_SECRETS,
  secretBlocks: [PEM],
  comment: '!',
  blocks: 'indent',
};

const NXOS: ConfigRules = {
  volatile: [
    /^!Command: show running-config/,
    /^!Running configuration last done at: /,
    /^!Time: /,
    /^!NVRAM config last updated at/,
    /^ntp clock-period \d+$/,
  ],
  secrets: CISCO_SECRETS,
  secretBlocks: [PEM],
  comment: '!',
  blocks: 'indent',
};

const EOS: ConfigRules = {
  volatile: [
    /^! Command: show running-config/,
    /^! Time: /,
    /^! Startup-config last modified at /,
    /^ntp clock-period \d+$/,
  ],
  secrets: [
    ...CISCO_SECRETS,
    // EOS: username x ... secret sha512 $6$ ; `ip ospf authentication-key 7 xxx` already covered
    s(/\bsha512 (\$6\$\S+)/),
  ],
  secretBlocks: [PEM],
  comment: '!',
  blocks: 'indent',
};

const JUNOS: ConfigRules = {
  volatile: [/^## Last commit: /, /^## Last changed: /, /^# Last commit: /, /^\s*## Image name: /],
  secrets: [
    // Junos flags every secret with `## SECRET-DATA`; catch the quoted value before it.
    s(/("[^"]*"|\S+);\s*## SECRET-DATA/),
    s(
      /\b(?:encrypted-password|authentication-key|secret|pre-shared-key (?:ascii-text|hexadecimal)|simple-password|hello-authentication-key|md5 \d+ key|key) ("[^"]*"|[^\s;]+);/,
    ),
    s(/^\s*community ("[^"]*"|[^\s;{]+) \{/),
    s(/\bssh-(?:rsa|dss|ecdsa|ed25519) ("[^"]*"|[^\s;]+);/),
  ],
  secretBlocks: [PEM],
  comment: '#',
  blocks: 'braces',
};

const FRR: ConfigRules = {
  volatile: [/^Building configuration\.\.\.$/, /^Current configuration:$/, /^ntp clock-period \d+$/],
  secrets: [
    s(/^\s*(?:enable )?password (?:\d )?(\S+)/),
    s(/\bneighbor \S+ password (\S+)/),
    s(/\bip ospf authentication-key (\S+)/),
    s(/\bip ospf message-digest-key \d+ md5 (\S+)/),
    s(/\bipv6 ospf6 authentication key-id \d+ hash-algo \S+ key (\S+)/),
    s(/^\s*key-string (\S+)/),
    s(/\bisis password (?:clear |md5 )?(\S+)/),
    s(/\b(?:area|domain)-password (?:clear |md5 )?(\S+)/),
    s(/\bip rip authentication string (\S+)/),
    s(/\bagentx\b.*\bcommunity (\S+)/),
  ],
  secretBlocks: [PEM],
  comment: '!',
  blocks: 'indent',
};

const LINUX: ConfigRules = {
  volatile: [],
  secrets: [s(/\b(?:password|passwd|secret|key|community|token)\s*[=:]\s*("[^"]*"|\S+)/i)],
  secretBlocks: [PEM],
  comment: '#',
  blocks: 'indent',
};

export const CONFIG_RULES: Readonly<Record<Vendor, ConfigRules>> = {
  cisco_iosxe: IOSXE,
  cisco_nxos: NXOS,
  arista_eos: EOS,
  juniper_junos: JUNOS,
  frr: FRR,
  linux: LINUX,
};

/** Union of two rule sets: every volatile pattern and secret rule from both sides applies. */
export function mergeRules(base: ConfigRules, extra?: Partial<ConfigRules>): ConfigRules {
  if (!extra) return base;
  const uniq = <T extends { source: string; flags: string }>(xs: T[]) => {
    const seen = new Set<string>();
    return xs.filter((x) => {
      const k = `${x.source}/${x.flags}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
  };
  const secrets = [...base.secrets, ...(extra.secrets ?? [])];
  const seenSecret = new Set<string>();
  return {
    volatile: uniq([...base.volatile, ...(extra.volatile ?? [])]),
    secrets: secrets.filter((r) => {
      const k = `${r.pattern.source}/${r.pattern.flags}/${r.group ?? 1}`;
      if (seenSecret.has(k)) return false;
      seenSecret.add(k);
      return true;
    }),
    secretBlocks: [...(base.secretBlocks ?? []), ...(extra.secretBlocks ?? [])],
    comment: extra.comment ?? base.comment,
    blocks: extra.blocks ?? base.blocks,
  };
}

const merged = new Map<Vendor, ConfigRules>();

/** Rules for a vendor: the device layer's `configRules` merged with configs/' own table (cached). */
export function rulesFor(vendor: Vendor): ConfigRules {
  let r = merged.get(vendor);
  if (!r) {
    r = mergeRules(CONFIG_RULES[vendor], getVendor(vendor).configRules);
    merged.set(vendor, r);
  }
  return r;
}
