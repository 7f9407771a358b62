import type { SecretRule } from '../types.js';

const s = (pattern: RegExp, group = 1): SecretRule => ({ pattern, group });

/**
 * Secrets in Cisco-family configs (IOS-XE, NX-OS and EOS share most of the syntax). A family
 * helper, like parse-util: each vendor file still lists its own rules on top.
 */
export const CISCO_SECRETS: SecretRule[] = [
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
