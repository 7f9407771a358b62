import type { SecretRule } from '../types.js';
import { ErrorCode } from '../../errors.js';
import { CISCO_SECRETS } from './cisco-secrets.js';
import { defineVendor, type InterfaceInfo, type NeighborInfo } from './define.js';
import { fields, firstMatch, isAddress, lines } from './parse-util.js';

const FAILED = ErrorCode.DEVICE_COMMAND_FAILED;

const s = (pattern: RegExp, group = 1): SecretRule => ({ pattern, group });

export const aristaEos = defineVendor({
  name: 'arista_eos',
  displayName: 'Arista EOS',
  identify: [{ sysObjectID: ['1.3.6.1.4.1.30065'] }, { sysDescr: /Arista/i }],
  prompt: /^[\w.\-@/:]{1,63}(?:\([\w.\-@/:+]{0,40}\))?[>#]\s*$/,
  userPrompt: /^[\w.\-@/:]{1,63}>\s*$/,
  enable: { command: 'enable', passwordPrompt: /^Password:\s*$/i },
  pager: /--More--/,
  pagingOff: ['terminal length 0', 'terminal width 32767'],
  exit: 'exit',
  failures: [
    {
      pattern: /^% Invalid input/m,
      code: FAILED,
      message: 'The device rejected the command (invalid input).',
    },
    { pattern: /^% Incomplete command/m, code: FAILED, message: 'The command is incomplete.' },
    { pattern: /^% Ambiguous command/m, code: FAILED, message: 'The command is ambiguous; type more of it.' },
    {
      pattern: /^% Unavailable command/m,
      code: FAILED,
      message: 'The command is not available on this device.',
    },
    {
      pattern: /^% Authorization denied/m,
      code: FAILED,
      message: 'The device refused the command (authorization).',
    },
  ],
  commands: {
    version: ['show version', 'show hostname'],
    runningConfig: 'show running-config',
    interfaces: 'show interfaces description',
    bgpNeighbors: 'show ip bgp summary',
    lldpNeighbors: 'show lldp neighbors',
  },
  parse: {
    version: (text) => ({
      hostname: firstMatch(text, /^Hostname:\s*(\S+)/m),
      model: firstMatch(text, /^Arista (\S+)/m),
      version: firstMatch(text, /^Software image version:\s*(\S+)/m),
      serial: firstMatch(text, /^Serial number:\s*(\S+)/m),
      uptime: firstMatch(text, /^Uptime:\s*(.+)$/m),
    }),
    interfaces: (text) => {
      const out: InterfaceInfo[] = [];
      for (const line of lines(text)) {
        const m = /^(\S+)\s+(up|down|admin down)\s+(up|down|lowerlayerdown|notpresent)\s*(.*)$/.exec(line);
        if (!m || m[1] === 'Interface') continue;
        const i: InterfaceInfo = { name: m[1]!, adminUp: m[2] !== 'admin down', operUp: m[3] === 'up' };
        if (m[4]) i.description = m[4].trim();
        out.push(i);
      }
      return out;
    },
    // Neighbor V AS MsgRcvd MsgSent InQ OutQ Up/Down State PfxRcd PfxAcc
    bgpNeighbors: (text) => {
      const out: NeighborInfo[] = [];
      for (const line of lines(text)) {
        const f = fields(line);
        if (f.length < 9 || !isAddress(f[0]) || !/^\d$/.test(f[1]!)) continue;
        const state = f[8]!;
        const n: NeighborInfo = { protocol: 'bgp', peer: f[0]!, remoteAs: Number(f[2]) };
        n.state = state === 'Estab' ? 'Established' : state;
        if (state === 'Estab' && f[9] !== undefined) n.prefixesReceived = Number(f[9]);
        out.push(n);
      }
      return out;
    },
    // Port  Neighbor Device ID  Neighbor Port ID  TTL
    lldpNeighbors: (text) => {
      const out: NeighborInfo[] = [];
      let inTable = false;
      for (const line of lines(text)) {
        if (/^Port\s+Neighbor Device ID/.test(line)) {
          inTable = true;
          continue;
        }
        const f = fields(line);
        if (!inTable || f.length < 4 || /^-+$/.test(f[0]!)) continue;
        out.push({ protocol: 'lldp', peer: f[1]!, localInterface: f[0]!, remoteInterface: f[2]! });
      }
      return out;
    },
  },
  readOnly: {
    commands: [
      { words: 'show', args: /^.+$/ },
      {
        words: 'ping',
        args: /^(?:vrf [\w-]+ )?(?:ip |ipv6 )?[\w.:-]+(?: (?:repeat (?:[1-9]|1\d|20)|size \d{2,4}|source [\w./:-]+|timeout \d{1,2}))*$/,
        usage: 'ping [vrf V] <host> [repeat 1-20] [source IF]',
      },
      {
        words: 'traceroute',
        args: /^(?:vrf [\w-]+ )?(?:ip |ipv6 )?[\w.:-]+$/,
        usage: 'traceroute [vrf V] <host>',
      },
    ],
    pipes: ['include', 'exclude', 'begin', 'section', 'json', 'no-more', 'nz'],
    configWords: ['running-config', 'startup-config', 'tech-support', 'configuration'],
    formatPipes: ['json'],
    refuse: [
      { words: 'show snmp community', why: 'it prints SNMP community strings in clear' },
      { words: 'show management security', why: 'it can print shared secrets' },
    ],
    abbreviate: true,
  },
  diagnostics: {
    device: ['show logging last 1 hours'],
    interface: ['show interfaces {interface}', 'show interfaces {interface} transceiver'],
  },
  change: {
    // A configure session is EOS's candidate: the diff comes from the device, then it is aborted.
    dryRun: {
      kind: 'device',
      commands: (lines, c) => ({
        commands: [`configure session netops-dry-${c.tag}`, ...lines, 'show session-config diffs', 'abort'],
        diffAt: lines.length + 1,
      }),
      clean: (out) => out.trim(),
    },
    abandon: () => ['abort', 'end'],
    prepare: (c) => [`copy running-config flash:netops-${c.tag}.cfg`],
    apply: (lines, c) => {
      const mm = String(c.minutes % 60).padStart(2, '0');
      const hh = String(Math.floor(c.minutes / 60)).padStart(2, '0');
      return [`configure session netops-${c.tag}`, ...lines, `commit timer ${hh}:${mm}:00`];
    },
    window: 'device',
    confirm: (c) => [`configure session netops-${c.tag} commit`],
    rollback: (c) => [`configure replace flash:netops-${c.tag}.cfg`],
    windowName: 'session commit timer',
  },
  interfaceAbbreviations: [
    ['Et', 'Ethernet'],
    ['Eth', 'Ethernet'],
    ['Po', 'Port-Channel'],
    ['Lo', 'Loopback'],
    ['Ma', 'Management'],
    ['Vl', 'Vlan'],
  ],
  commandTimeoutMs: 60_000,
  configRules: {
    // What configs/ learnt about this vendor's running config, then the device layer's own.
    volatile: [
      /^! Command: show running-config/,
      /^! Time: /,
      /^! Startup-config last modified at /,
      /^ntp clock-period \d+$/,
      /^ntp clock-period /,
    ],
    secrets: [
      ...CISCO_SECRETS,
      // EOS: username x ... secret sha512 $6$ ; `ip ospf authentication-key 7 xxx` already covered
      s(/\bsha512 (\$6\$\S+)/),
      { pattern: /^enable (?:secret|password)(?: sha512| \d)? (\S+)/ },
      { pattern: /^username \S+ .*?(?:secret|password)(?: sha512| \d)? (\S+)/ },
      { pattern: /^snmp-server community (\S+)/ },
      { pattern: /^(?:tacacs-server|radius-server)(?: host \S+)?(?: \S+ \S+)* key(?: \d)? (\S+)/ },
      { pattern: /^\s*neighbor \S+ password(?: \d)? (\S+)/ },
      { pattern: /^\s*ip ospf authentication-key(?: \d)? (\S+)/ },
      { pattern: /^\s*ip ospf message-digest-key \d+ md5(?: \d)? (\S+)/ },
    ],
    comment: '!',
    blocks: 'indent',
  },
});
