import type { SecretRule } from '../types.js';
import { ErrorCode } from '../../errors.js';
import { defineVendor, type InterfaceInfo, type NeighborInfo } from './define.js';
import { fields, firstMatch, isAddress, lines } from './parse-util.js';

const FAILED = ErrorCode.DEVICE_COMMAND_FAILED;

const s = (pattern: RegExp, group = 1): SecretRule => ({ pattern, group });

export const juniperJunos = defineVendor({
  name: 'juniper_junos',
  displayName: 'Juniper Junos',
  identify: [{ sysObjectID: ['1.3.6.1.4.1.2636'] }, { sysDescr: /JUNOS/i }],
  prompt: /^(?:\{\w+(?::\w+)?\}\s*)?[\w.-]+@[\w.-]+[>#%]\s*$/,
  pager: /---\(more(?: \d+%)?\)---/,
  pagingOff: ['set cli screen-length 0', 'set cli screen-width 0', 'set cli complete-on-space off'],
  exit: 'exit',
  failures: [
    {
      pattern: /^syntax error/m,
      code: FAILED,
      message: 'The device could not parse the command (syntax error).',
    },
    { pattern: /^unknown command\./m, code: FAILED, message: 'The device does not know this command.' },
    { pattern: /^error: /m, code: FAILED, message: 'The device reported an error.' },
    { pattern: /is ambiguous\.$/m, code: FAILED, message: 'The command is ambiguous; type more of it.' },
  ],
  commands: {
    version: ['show version', 'show chassis hardware', 'show system uptime'],
    runningConfig: 'show configuration',
    interfaces: 'show interfaces terse',
    bgpNeighbors: 'show bgp summary',
    lldpNeighbors: 'show lldp neighbors',
  },
  parse: {
    version: (text) => ({
      hostname: firstMatch(text, /^Hostname:\s*(\S+)/m),
      model: firstMatch(text, /^Model:\s*(\S+)/m),
      version: firstMatch(text, /^Junos:\s*(\S+)/m, /JUNOS (?:Software Release|Base OS boot) \[([^\]]+)\]/),
      serial: firstMatch(text, /^Chassis\s+(\S+)/m),
      uptime: firstMatch(text, /^System booted:.*\((.+?) ago\)/m),
    }),
    interfaces: (text) => {
      const out: InterfaceInfo[] = [];
      for (const line of lines(text)) {
        const f = fields(line);
        if (f.length < 3 || !/^(?:up|down)$/.test(f[1]!) || !/^(?:up|down)$/.test(f[2]!)) continue;
        const i: InterfaceInfo = { name: f[0]!, adminUp: f[1] === 'up', operUp: f[2] === 'up' };
        if (f[3] && /^inet6?$/.test(f[3]) && f[4]) i.address = f[4];
        out.push(i);
      }
      return out;
    },
    // Peer AS InPkt OutPkt OutQ Flaps Last-Up/Dwn State|#Active/Received/Accepted/Damped
    bgpNeighbors: (text) => {
      const out: NeighborInfo[] = [];
      let last: NeighborInfo | undefined;
      for (const line of lines(text)) {
        const f = fields(line);
        const tableLine = /^\s+\S+\.\d+: (\d+)\/(\d+)\/(\d+)\/(\d+)/.exec(line);
        if (tableLine && last) {
          last.prefixesReceived = (last.prefixesReceived ?? 0) + Number(tableLine[2]);
          continue;
        }
        if (f.length < 8 || !isAddress(f[0]) || !/^\d+$/.test(f[1]!)) continue;
        const state = f[f.length - 1]!;
        last = {
          protocol: 'bgp',
          peer: f[0]!,
          remoteAs: Number(f[1]),
          state: state === 'Establ' ? 'Established' : state,
        };
        if (/^\d+\/\d+\/\d+\/\d+$/.test(state)) {
          last.state = 'Established';
          last.prefixesReceived = Number(state.split('/')[1]);
        }
        out.push(last);
      }
      return out;
    },
    // Local Interface  Parent Interface  Chassis Id  Port info  System Name
    lldpNeighbors: (text) => {
      const out: NeighborInfo[] = [];
      let inTable = false;
      for (const line of lines(text)) {
        if (/^Local Interface\s+Parent Interface/.test(line)) {
          inTable = true;
          continue;
        }
        const f = fields(line);
        if (!inTable || f.length < 5) continue;
        out.push({ protocol: 'lldp', peer: f[f.length - 1]!, localInterface: f[0]!, remoteInterface: f[3]! });
      }
      return out;
    },
  },
  readOnly: {
    commands: [
      { words: 'show', args: /^.+$/ },
      // Junos pings until interrupted unless given a count.
      {
        words: 'ping',
        args: /^(?=(?:.* )?count )[\w.:-]+(?: (?:count (?:[1-9]|1\d|20)|rapid|routing-instance [\w-]+|source [\w.:]+|size \d{2,4}|interface [\w./:-]+|wait \d))*$/,
        usage: 'ping <host> count <1-20> [rapid] [routing-instance R]',
      },
      {
        words: 'traceroute',
        args: /^[\w.:-]+(?: (?:routing-instance [\w-]+|source [\w.:]+|no-resolve|wait \d))*$/,
        usage: 'traceroute <host>',
      },
    ],
    pipes: ['match', 'except', 'count', 'display', 'find', 'last', 'no-more', 'trim'],
    configWords: ['configuration'],
    formatPipes: ['display json', 'display xml', 'display json-pretty'],
    abbreviate: true,
  },
  diagnostics: {
    device: ['show log messages | last 50'],
    interface: ['show interfaces {interface} extensive', 'show interfaces diagnostics optics {interface}'],
  },
  change: {
    // A private candidate: nothing another session types can slip into this commit.
    dryRun: {
      kind: 'device',
      commands: (lines) => ({
        commands: [
          'configure private',
          ...lines,
          'show | compare',
          'commit check',
          'rollback 0',
          'exit configuration-mode',
        ],
        diffAt: lines.length + 1,
        checkAt: lines.length + 2,
      }),
      clean: (out) =>
        out
          .split('\n')
          .filter((l) => l.trim() !== '[edit]')
          .join('\n')
          .trim(),
    },
    abandon: () => ['rollback 0', 'exit configuration-mode'],
    prepare: () => [],
    apply: (lines, c) => [
      'configure private',
      ...lines,
      `commit confirmed ${c.minutes}`,
      'exit configuration-mode',
    ],
    window: 'device',
    confirm: () => ['configure private', 'commit', 'exit configuration-mode'],
    rollback: () => ['configure private', 'rollback 1', 'commit', 'exit configuration-mode'],
    windowName: 'commit confirmed',
  },
  commandTimeoutMs: 60_000,
  configRules: {
    // What configs/ learnt about this vendor's running config, then the device layer's own.
    volatile: [
      /^## Last commit: /,
      /^## Last changed: /,
      /^# Last commit: /,
      /^\s*## Image name: /,
      /^## Image name: /,
    ],
    secrets: [
      // Junos flags every secret with `## SECRET-DATA`; catch the quoted value before it.
      s(/("[^"]*"|\S+);\s*## SECRET-DATA/),
      s(
        /\b(?:encrypted-password|authentication-key|secret|pre-shared-key (?:ascii-text|hexadecimal)|simple-password|hello-authentication-key|md5 \d+ key|key) ("[^"]*"|[^\s;]+);/,
      ),
      s(/^\s*community ("[^"]*"|[^\s;{]+) \{/),
      s(/\bssh-(?:rsa|dss|ecdsa|ed25519) ("[^"]*"|[^\s;]+);/),
      { pattern: /encrypted-password "?([^";\s]+)"?/ },
      { pattern: /\bsecret "([^"]+)"/ },
      { pattern: /authentication-key "([^"]+)"/ },
      { pattern: /ascii-text "([^"]+)"/ },
      { pattern: /^\s*community "?([^"\s{;]+)"? \{/ },
      { pattern: /^set snmp community "?([^"\s]+)"?/ },
    ],
    comment: '#',
    blocks: 'braces',
  },
});
