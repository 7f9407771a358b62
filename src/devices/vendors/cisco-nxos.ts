import { ErrorCode } from '../../errors.js';
import { CISCO_SECRETS } from './cisco-secrets.js';
import { defineVendor, type InterfaceInfo } from './define.js';
import { fields, firstMatch, lines, parseCiscoLldpTable, parseIosBgpTable } from './parse-util.js';

const FAILED = ErrorCode.DEVICE_COMMAND_FAILED;

/** Cisco NX-OS: logins land in privileged mode; no `enable`. */
export const ciscoNxos = defineVendor({
  name: 'cisco_nxos',
  displayName: 'Cisco NX-OS',
  identify: [{ sysObjectID: ['1.3.6.1.4.1.9'], sysDescr: /NX-OS/i }, { sysDescr: /NX-OS/i }],
  prompt: /^[\w.\-@/:]{1,63}(?:\([\w.\-@/:+]{0,32}\))?#\s*$/,
  pager: /--More--/,
  pagingOff: ['terminal length 0', 'terminal width 511'],
  exit: 'exit',
  failures: [
    {
      pattern: /^% Invalid command/m,
      code: FAILED,
      message: 'The device rejected the command (invalid command).',
    },
    {
      pattern: /^% Invalid (?:input|parameter|number)/m,
      code: FAILED,
      message: 'The device rejected the command.',
    },
    { pattern: /^% Incomplete command/m, code: FAILED, message: 'The command is incomplete.' },
    { pattern: /^% Ambiguous command/m, code: FAILED, message: 'The command is ambiguous; type more of it.' },
    {
      pattern: /^% Permission denied/m,
      code: FAILED,
      message: 'The device refused the command (permission).',
    },
    {
      pattern: /^Syntax error while parsing/m,
      code: FAILED,
      message: 'The device could not parse the command.',
    },
  ],
  commands: {
    version: ['show version'],
    runningConfig: 'show running-config',
    interfaces: 'show interface brief',
    bgpNeighbors: 'show ip bgp summary',
    lldpNeighbors: 'show lldp neighbors',
  },
  parse: {
    version: (text) => ({
      hostname: firstMatch(text, /^\s*Device name:\s*(\S+)/m),
      model: firstMatch(text, /^\s*cisco (Nexus\s?\S+ \S+)/m, /^\s*cisco (.+?) [Cc]hassis/m),
      version: firstMatch(text, /^\s*NXOS: version (\S+)/m, /^\s*system:\s+version (\S+)/m),
      serial: firstMatch(text, /^\s*Processor Board ID (\S+)/m),
      uptime: firstMatch(text, /^Kernel uptime is (.+)$/m),
    }),
    interfaces: (text) => {
      const out: InterfaceInfo[] = [];
      for (const line of lines(text)) {
        const f = fields(line);
        // Ethernet rows: Eth1/1 VLAN Type Mode Status Reason… ; mgmt/loopback rows are shorter.
        if (!/^(?:Eth|mgmt|Lo|Po|Vlan|Tunnel|nve)\S*\d/i.test(f[0] ?? '')) continue;
        const status = f.find((w) =>
          /^(?:up|down|sfpAbsent|notconnec|disabled|xcvrAbsen|linkFlapE|err-disabled)$/i.test(w),
        );
        if (!status) continue;
        const admin = !/Administratively down|disabled/i.test(line);
        const i: InterfaceInfo = { name: f[0]!, adminUp: admin, operUp: status.toLowerCase() === 'up' };
        const ip = f.find((w) => /^\d+\.\d+\.\d+\.\d+$/.test(w));
        if (ip) i.address = ip;
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
      {
        words: 'ping',
        args: /^[\w.:-]+(?: (?:count (?:[1-9]|1\d|20)|vrf [\w-]+|source(?:-interface)? [\w./:-]+|packet-size \d{2,4}|timeout \d{1,2}))*$/,
        usage: 'ping <host> [count 1-20] [vrf V] [source IF]',
      },
      {
        words: 'traceroute',
        args: /^[\w.:-]+(?: (?:vrf [\w-]+|source(?:-interface)? [\w./:-]+))*$/,
        usage: 'traceroute <host> [vrf V]',
      },
    ],
    pipes: [
      'include',
      'exclude',
      'begin',
      'section',
      'count',
      'head',
      'last',
      'json',
      'no-more',
      'grep',
      'egrep',
    ],
    configWords: ['running-config', 'startup-config', 'tech-support', 'configuration'],
    formatPipes: ['json', 'json-pretty', 'xml'],
    refuse: [
      { words: 'show snmp community', why: 'it prints SNMP community strings in clear' },
      { words: 'show key chain', why: 'it prints key-strings in clear' },
    ],
    abbreviate: true,
  },
  diagnostics: {
    device: ['show logging last 50'],
    interface: ['show interface {interface}', 'show interface {interface} transceiver details'],
  },
  change: {
    dryRun: { kind: 'model' },
    abandon: () => ['end'],
    prepare: (c) => [`checkpoint netops-${c.tag}`],
    apply: (lines) => ['configure terminal', ...lines, 'end'],
    // NX-OS has no timer of its own here: a delayed job rolls back to the checkpoint unless confirmed.
    window: 'emulated',
    confirm: () => [],
    rollback: (c) => [`rollback running-config checkpoint netops-${c.tag}`],
    windowName: 'checkpoint + timed rollback',
  },
  interfaceAbbreviations: [
    ['Eth', 'Ethernet'],
    ['Po', 'port-channel'],
    ['Lo', 'loopback'],
    ['Vl', 'Vlan'],
    ['mgmt', 'mgmt'],
  ],
  commandTimeoutMs: 60_000,
  configRules: {
    // What configs/ learnt about this vendor's running config, then the device layer's own.
    volatile: [
      /^!Command: show running-config/,
      /^!Running configuration last done at: /,
      /^!Time: /,
      /^!NVRAM config last updated at/,
      /^ntp clock-period \d+$/,
      /^ntp clock-period /,
    ],
    secrets: [
      ...CISCO_SECRETS,
      { pattern: /^username \S+ password(?: \d)? (\S+)/ },
      { pattern: /^snmp-server community (\S+)/ },
      { pattern: /^snmp-server user \S+ \S+ auth \S+ (\S+)/ },
      { pattern: /^snmp-server user \S+ \S+ auth \S+ \S+ priv(?: \S+)? (\S+)/ },
      { pattern: /^(?:tacacs-server|radius-server)(?: host \S+)? key(?: \d)? ("[^"]*"|\S+)/ },
      { pattern: /^\s*password(?: \d)? (\S+)/ },
      { pattern: /^\s*ip ospf authentication-key(?: \d)? (\S+)/ },
      { pattern: /^\s*ip ospf message-digest-key \d+ md5(?: \d)? (\S+)/ },
      { pattern: /^\s*key-string(?: \d)? (\S+)/ },
    ],
    comment: '!',
    blocks: 'indent',
  },
});
