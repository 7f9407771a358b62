import { ErrorCode } from '../../errors.js';
import { CISCO_SECRETS } from './cisco-secrets.js';
import { defineVendor, type InterfaceInfo } from './define.js';
import { firstMatch, lines, parseCiscoLldpTable, parseIosBgpTable } from './parse-util.js';

const FAILED = ErrorCode.DEVICE_COMMAND_FAILED;

/** Cisco IOS / IOS-XE. The reference CLI the others are compared with. */
export const ciscoIosxe = defineVendor({
  name: 'cisco_iosxe',
  displayName: 'Cisco IOS-XE',
  // Cisco's enterprise OID; an NX-OS sysDescr is claimed by cisco_nxos's more specific rule.
  identify: [{ sysObjectID: ['1.3.6.1.4.1.9'] }, { sysDescr: /Cisco IOS/i }],
  prompt: /^[\w.\-@/:]{1,63}(?:\([\w.\-@/:+]{0,32}\))?[>#]\s*$/,
  userPrompt: /^[\w.\-@/:]{1,63}>\s*$/,
  enable: { command: 'enable', passwordPrompt: /^Password:\s*$/i },
  pager: /--More--/,
  pagingOff: ['terminal length 0', 'terminal width 511'],
  exit: 'exit',
  failures: [
    {
      pattern: /^% Invalid input detected/m,
      code: FAILED,
      message: 'The device rejected the command (invalid input).',
    },
    { pattern: /^% Incomplete command/m, code: FAILED, message: 'The command is incomplete.' },
    { pattern: /^% Ambiguous command/m, code: FAILED, message: 'The command is ambiguous; type more of it.' },
    { pattern: /^% Unknown command/m, code: FAILED, message: 'The device does not know this command.' },
    {
      pattern: /^% Authorization failed/m,
      code: FAILED,
      message: 'The device refused the command (authorization).',
    },
  ],
  commands: {
    version: ['show version'],
    runningConfig: 'show running-config',
    interfaces: 'show ip interface brief',
    bgpNeighbors: 'show ip bgp summary',
    lldpNeighbors: 'show lldp neighbors',
  },
  parse: {
    version: (text) => {
      const m = /^(\S+) uptime is (.+)$/m.exec(text);
      return {
        hostname: m?.[1] ?? '',
        uptime: m?.[2]?.trim() ?? '',
        version: firstMatch(
          text,
          /Cisco IOS XE Software, Version (\S+)/,
          /Cisco IOS Software.*Version ([^,\s]+)/,
        ),
        model: firstMatch(text, /^Model Number\s*:\s*(\S+)/m, /^cisco (\S+) .*processor/im),
        serial: firstMatch(text, /^System Serial Number\s*:\s*(\S+)/m, /^Processor board ID (\S+)/m),
      };
    },
    interfaces: (text) => {
      const out: InterfaceInfo[] = [];
      for (const line of lines(text)) {
        // Interface IP-Address OK? Method Status Protocol; Status may be "administratively down".
        const m = /^(\S+)\s+(\S+)\s+(?:YES|NO)\s+\S+\s+(up|down|administratively down)\s+(up|down)\s*$/.exec(
          line,
        );
        if (!m) continue;
        const i: InterfaceInfo = {
          name: m[1]!,
          adminUp: m[3] !== 'administratively down',
          operUp: m[4] === 'up',
        };
        if (m[2] !== 'unassigned') i.address = m[2]!;
        out.push(i);
      }
      return out;
    },
    bgpNeighbors: parseIosBgpTable,
    lldpNeighbors: parseCiscoLldpTable,
  },
  readOnly: {
    commands: [
      { words: 'show', args: /^.+$/ },
      // Without a target IOS starts the interactive extended ping and waits for input.
      {
        words: 'ping',
        args: /^(?:vrf [\w-]+ )?(?:ip |ipv6 )?[\w.:-]+(?: (?:repeat (?:[1-9]|1\d|20)|size \d{2,4}|source [\w./:-]+|timeout \d{1,2}|df-bit))*$/,
        usage: 'ping [vrf V] <host> [repeat 1-20] [size N] [source IF]',
      },
      {
        words: 'traceroute',
        args: /^(?:vrf [\w-]+ )?(?:ip |ipv6 )?[\w.:-]+(?: (?:source [\w./:-]+|timeout \d{1,2}|ttl \d{1,2} \d{1,2}|numeric))*$/,
        usage: 'traceroute [vrf V] <host>',
      },
    ],
    pipes: ['include', 'exclude', 'begin', 'section', 'count'],
    configWords: ['running-config', 'startup-config', 'tech-support', 'archive', 'configuration'],
    formatPipes: ['format', 'json', 'xml'],
    refuse: [
      { words: 'show snmp community', why: 'it prints SNMP community strings in clear' },
      { words: 'show key chain', why: 'it prints key-strings in clear' },
      { words: 'show crypto isakmp key', why: 'it prints pre-shared keys in clear' },
      { words: 'show crypto ikev2 profile', why: 'it can print pre-shared keys' },
      { words: 'show parser dump', why: 'it is not a troubleshooting command' },
    ],
    abbreviate: true,
  },
  diagnostics: {
    device: ['show logging | include UPDOWN'],
    interface: ['show interfaces {interface}', 'show interfaces {interface} transceiver detail'],
  },
  change: {
    dryRun: { kind: 'model' },
    abandon: () => ['end'],
    // The archive (`archive path` must be configured) keeps the config from before the change.
    prepare: () => [],
    // The revert timer puts the archived config back unless `configure confirm` comes in time.
    apply: (lines, c) => [`configure terminal revert timer ${c.minutes}`, ...lines, 'end'],
    window: 'device',
    confirm: () => ['configure confirm'],
    rollback: () => ['configure revert now'],
    windowName: 'configure terminal revert timer',
  },
  interfaceAbbreviations: [
    ['Gi', 'GigabitEthernet'],
    ['Te', 'TenGigabitEthernet'],
    ['Tw', 'TwoGigabitEthernet'],
    ['Twe', 'TwentyFiveGigE'],
    ['Fo', 'FortyGigabitEthernet'],
    ['Hu', 'HundredGigE'],
    ['Fa', 'FastEthernet'],
    ['Po', 'Port-channel'],
    ['Lo', 'Loopback'],
    ['Vl', 'Vlan'],
    ['Tu', 'Tunnel'],
  ],
  commandTimeoutMs: 60_000,
  configRules: {
    // What configs/ learnt about this vendor's running config, then the device layer's own.
    volatile: [
      /^Building configuration\.\.\.$/,
      /^Current configuration ?: \d+ bytes$/,
      /^! Last configuration change\b/,
      /^! NVRAM config last updated at /,
      /^! No configuration change since last restart/,
      /^ntp clock-period \d+$/,
      /^! Time: /,
      /^! Last configuration change at /,
      /^ntp clock-period \d+/,
      /^Current configuration : \d+ bytes/,
      /^Building configuration\.\.\./,
    ],
    secrets: [
      ...CISCO_SECRETS,
      { pattern: /^enable (?:secret|password)(?: level \d+)?(?: \d{1,2})? (\S+)/ },
      {
        pattern:
          /^username \S+(?: privilege \d+)?(?: algorithm-type \S+)? (?:secret|password)(?: \d{1,2})? (\S+)/,
      },
      { pattern: /^snmp-server community (\S+)/ },
      { pattern: /^(?:tacacs-server|radius-server)(?: host \S+)?(?: \S+ \d+)* key(?: \d)? (\S+)/ },
      { pattern: /^ key(?: [067])? (\S+)$/ },
      { pattern: /^\s*key-string(?: \d)? (\S+)/ },
      { pattern: /^\s*neighbor \S+ password(?: \d)? (\S+)/ },
      { pattern: /^\s*ip ospf authentication-key(?: \d)? (\S+)/ },
      { pattern: /^\s*ip ospf message-digest-key \d+ md5(?: \d)? (\S+)/ },
      { pattern: /^\s*password(?: \d)? (\S+)/ },
      { pattern: /^crypto isakmp key(?: \d)? (\S+)/ },
    ],
    comment: '!',
    blocks: 'indent',
  },
});
