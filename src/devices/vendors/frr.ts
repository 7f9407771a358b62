import type { SecretRule } from '../types.js';
import { ErrorCode } from '../../errors.js';
import { defineVendor, type InterfaceInfo } from './define.js';
import { fields, firstMatch, lines, parseIosBgpTable } from './parse-util.js';

const FAILED = ErrorCode.DEVICE_COMMAND_FAILED;

/** FRRouting's vtysh, reached as the login shell of an SSH user. */
const s = (pattern: RegExp, group = 1): SecretRule => ({ pattern, group });

export const frr = defineVendor({
  name: 'frr',
  displayName: 'FRRouting (vtysh)',
  // FRR answers SNMP through net-snmp's agent (enterprise 8072) and says so in sysDescr.
  identify: [{ sysObjectID: ['1.3.6.1.4.1.8072'], sysDescr: /FRR|FRRouting|Quagga/i }],
  prompt: /^[\w.\-@/:]{1,63}(?:\([\w.\-@/:+]{0,32}\))?[>#]\s*$/,
  userPrompt: /^[\w.\-@/:]{1,63}>\s*$/,
  enable: { command: 'enable', passwordPrompt: /^Password:\s*$/i },
  pager: /--More--/,
  pagingOff: ['terminal length 0'],
  exit: 'exit',
  failures: [
    { pattern: /^% Unknown command/m, code: FAILED, message: 'vtysh does not know this command.' },
    { pattern: /^% Command incomplete/m, code: FAILED, message: 'The command is incomplete.' },
    { pattern: /^% Ambiguous command/m, code: FAILED, message: 'The command is ambiguous; type more of it.' },
    { pattern: /^% There is no matched command/m, code: FAILED, message: 'vtysh found no matching command.' },
    {
      pattern: /^% Can't open configuration file/m,
      code: FAILED,
      message: 'vtysh could not open its configuration.',
    },
  ],
  commands: {
    version: ['show version'],
    runningConfig: 'show running-config',
    interfaces: 'show interface brief',
    bgpNeighbors: 'show bgp summary',
  },
  parse: {
    version: (text) => {
      const m = /^FRRouting (\S+) \(([^)]*)\)(?: on (.+?)\.?$)?/m.exec(text);
      return {
        hostname: m?.[2] ?? '',
        model: m ? `FRRouting${m[3] ? ` on ${m[3]}` : ''}` : '',
        version: m?.[1] ?? '',
        serial: '',
        uptime: firstMatch(text, /^\S+ uptime is (.+)$/m),
      };
    },
    // Interface Status VRF Addresses
    interfaces: (text) => {
      const out: InterfaceInfo[] = [];
      for (const line of lines(text)) {
        const f = fields(line);
        if (f.length < 3 || !/^(?:up|down)$/.test(f[1]!) || f[0] === 'Interface') continue;
        const i: InterfaceInfo = { name: f[0]!, adminUp: true, operUp: f[1] === 'up' };
        if (f[3]) i.address = f[3];
        out.push(i);
      }
      return out;
    },
    bgpNeighbors: parseIosBgpTable,
  },
  readOnly: {
    commands: [
      { words: 'show', args: /^.+$/ },
      { words: 'ping', args: /^[\w.:-]+$/, usage: 'ping <host>' },
      { words: 'traceroute', args: /^[\w.:-]+$/, usage: 'traceroute <host>' },
    ],
    configWords: ['running-config', 'startup-config', 'configuration'],
    formatPipes: [],
    // vtysh hands `| …` to a shell: no pipes at all.
    pipes: [],
    abbreviate: true,
  },
  diagnostics: { device: ['show ip ospf neighbor'], interface: ['show interface {interface}'] },
  change: {
    dryRun: { kind: 'model' },
    abandon: () => ['end'],
    prepare: () => [],
    apply: (lines) => ['configure terminal', ...lines, 'end'],
    // vtysh has neither a candidate nor a rollback: a delayed job restores the backup unless confirmed.
    window: 'emulated',
    confirm: () => [],
    rollback: null,
    windowName: 'timed restore of the backup',
  },
  commandTimeoutMs: 30_000,
  configRules: {
    // What configs/ learnt about this vendor's running config, then the device layer's own.
    volatile: [
      /^Building configuration\.\.\.$/,
      /^Current configuration:$/,
      /^ntp clock-period \d+$/,
      /^Building configuration\.\.\./,
    ],
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
      { pattern: /^\s*(?:enable )?password (\S+)/ },
      { pattern: /^\s*neighbor \S+ password (\S+)/ },
      { pattern: /^\s*ip ospf authentication-key (\S+)/ },
      { pattern: /^\s*ip ospf message-digest-key \d+ md5 (\S+)/ },
      { pattern: /^\s*isis password (?:clear|md5) (\S+)/ },
    ],
    comment: '!',
    blocks: 'indent',
  },
});
