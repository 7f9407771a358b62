import type { SyslogMessage } from './parse.js';

/** A configuration change a device announced, and who made it when the message says. */
export interface ConfigChangeEvent {
  kind: string;
  user?: string;
  /** Where the user came from (an address or a line), when given. */
  from?: string;
}

interface Recogniser {
  kind: string;
  /** Tested against the whole text after <PRI> (header and all). */
  match: RegExp;
  /** Named groups `user` / `from` give the author and its origin. */
}

/**
 * Config-change announcements per vendor, as data. Adding one is a line plus a test case.
 * Sources: each vendor's system message guide (mnemonics are stable across releases).
 */
export const CONFIG_CHANGE_MESSAGES: readonly Recogniser[] = [
  // IOS/IOS-XE (and EOS, which prints the same): leaving config mode after a change
  // "%SYS-5-CONFIG_I: Configured from console by admin on vty0 (10.0.0.5)"
  {
    kind: 'SYS-5-CONFIG_I',
    match:
      /%SYS-5-CONFIG_I: Configured from (?<line>\S+)(?: by (?<user>[^\s()]+))?(?: on (?<on>\S+))?(?: \((?<from>[^)]+)\))?/,
  },
  // IOS-XE programmatic change (NETCONF/RESTCONF, EEM)
  {
    kind: 'SYS-5-CONFIG_P',
    match:
      /%SYS-5-CONFIG_P: Configured programmatically by process (?<user>.+?) from (?<from>.+?)(?: as (?<as>\S+))?(?: on .*)?$/,
  },
  // IOS archive logging: one message per command entered
  {
    kind: 'PARSER-5-CFGLOG_LOGGEDCMD',
    match: /%PARSER-5-CFGLOG_LOGGEDCMD: User:(?<user>[^\s]+)\s+logged command:/,
  },
  // EOS: entering config mode / configure session commits
  {
    kind: 'SYS-5-CONFIG_E',
    match:
      /%SYS-5-CONFIG_E: Enter(?:ed)? configuration mode from (?<line>\S+)(?: by (?<user>[^\s()]+))?(?: on (?<on>\S+))?(?: \((?<from>[^)]+)\))?/,
  },
  {
    kind: 'SYS-5-CONFIG_SESSION_COMMIT_SUCCESS',
    match:
      /%SYS-5-CONFIG_SESSION_COMMIT_SUCCESS:(?:.*?\b(?:[Uu]ser|by) (?<user>[^\s,()]+))?(?:.*?\((?<from>[^)]+)\))?/,
  },
  // NX-OS: "%VSHD-5-VSHD_SYSLOG_CONFIG_I: Configured from vty by admin on 10.0.0.5@pts/0"
  {
    kind: 'VSHD-5-VSHD_SYSLOG_CONFIG_I',
    match: /%VSHD-5-VSHD_SYSLOG_CONFIG_I: Configured from (?<line>\S+) by (?<user>\S+)(?: on (?<from>\S+))?/,
  },
  // Junos: "UI_COMMIT: User 'jdoe' requested 'commit' operation (comment: none)" then "UI_COMMIT_COMPLETED: commit complete"
  {
    kind: 'UI_COMMIT',
    match:
      /\bUI_COMMIT(?: |: |\s\[[^\]]*\]\s)User '(?<user>[^']+)' requested '(?:commit|commit confirmed|commit synchronize)[^']*' operation/,
  },
  { kind: 'UI_COMMIT_COMPLETED', match: /\bUI_COMMIT_COMPLETED\b/ },
  { kind: 'UI_COMMIT_CONFIRMED', match: /\bUI_COMMIT_(?:CONFIRMED|CONFIRMED_REMINDER|ROLLBACK)\b/ },
];

/** The config-change event in a syslog message, if it is one. */
export function recogniseConfigChange(msg: SyslogMessage): ConfigChangeEvent | undefined {
  const haystack = msg.msgId ? `${msg.msgId} ${msg.text}` : msg.text;
  for (const r of CONFIG_CHANGE_MESSAGES) {
    const m = r.match.exec(haystack);
    if (!m) continue;
    const g = m.groups ?? {};
    const out: ConfigChangeEvent = { kind: r.kind };
    const user = g.user ?? junosUser(msg.structured);
    if (user && user !== 'console' && user !== 'vty') out.user = user;
    const from = g.from ?? g.on;
    if (from) out.from = from;
    return out;
  }
  return undefined;
}

/** Junos RFC 5424 structured data carries username="jdoe". */
function junosUser(sd: string | undefined): string | undefined {
  return sd ? /\busername="([^"]+)"/.exec(sd)?.[1] : undefined;
}
