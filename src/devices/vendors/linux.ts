import type { SecretRule } from '../types.js';
import { ErrorCode } from '../../errors.js';
import { defineVendor, type InterfaceInfo, type NeighborInfo } from './define.js';
import { fields, lines } from './parse-util.js';

const FAILED = ErrorCode.DEVICE_COMMAND_FAILED;

/** A Linux host over OpenSSH with a POSIX shell. The prompt is set to a known value on open. */
const s = (pattern: RegExp, group = 1): SecretRule => ({ pattern, group });

export const linux = defineVendor({
  name: 'linux',
  displayName: 'Linux',
  shell: true,
  identify: [{ sysObjectID: ['1.3.6.1.4.1.8072'] }],
  prompt: /^(?:\[netops\]|[\w.-]+@[\w.-]+(?::[^\s]*)?|[\w.-]+)\s?[$#]\s*$/,
  // A fixed prompt keeps colour themes and hostnames out of prompt matching.
  pagingOff: [
    "export PS1='[netops]$ ' PS2='' PROMPT_COMMAND='' PAGER=cat SYSTEMD_PAGER='' LESS=FRX TERM=dumb LANG=C LC_ALL=C",
    'unset HISTFILE; stty -echoctl cols 1000 2>/dev/null; bind "set enable-bracketed-paste off" 2>/dev/null; true',
  ],
  exit: 'exit',
  failures: [
    { pattern: /: command not found$/m, code: FAILED, message: 'The host does not have this command.' },
    { pattern: /: No such file or directory$/m, code: FAILED, message: 'No such file or directory.' },
    { pattern: /: Permission denied$/m, code: FAILED, message: 'Permission denied on the host.' },
    {
      pattern: /^(?:ba)?sh: .*syntax error/m,
      code: FAILED,
      message: 'The shell could not parse the command.',
    },
    { pattern: /^Error: /m, code: FAILED, message: 'The command reported an error.' },
  ],
  commands: {
    version: ['uname -snrm; cat /proc/uptime; cat /etc/machine-id 2>/dev/null || true'],
    runningConfig:
      'cat /etc/hostname /etc/hosts; ip -br link show; ip -br addr show; ip route show table all',
    interfaces: 'ip -o link show',
    bgpNeighbors: 'ip neigh show',
  },
  parse: {
    version: (text) => {
      const ls = lines(text);
      const uname = ls.find((l) => /^Linux \S+ \S+ \S+$/.test(l));
      const f = uname ? fields(uname) : [];
      const up = ls.find((l) => /^\d+(?:\.\d+)? \d+(?:\.\d+)?$/.test(l));
      const id = ls.find((l) => /^[0-9a-f]{32}$/.test(l));
      return {
        hostname: f[1] ?? '',
        version: f[2] ?? '',
        model: f[3] ? `Linux ${f[3]}` : '',
        serial: id ?? '',
        uptime: up ? formatSeconds(Number(fields(up)[0])) : '',
      };
    },
    // 2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc … state UP … link/ether aa:bb:… brd …
    interfaces: (text) => {
      const out: InterfaceInfo[] = [];
      for (const line of lines(text)) {
        const m = /^\d+: ([^:@\s]+)(?:@\S+)?: <([^>]*)> mtu (\d+)/.exec(line);
        if (!m) continue;
        const state = / state (\S+)/.exec(line)?.[1];
        const mac = /link\/\S+ ([0-9a-f:]{17})/.exec(line)?.[1];
        const flags = m[2]!.split(',');
        const i: InterfaceInfo = {
          name: m[1]!,
          adminUp: flags.includes('UP'),
          operUp: flags.includes('LOWER_UP') || state === 'UP',
          mtu: Number(m[3]),
        };
        if (mac) i.mac = mac;
        out.push(i);
      }
      return out;
    },
    // 10.0.0.1 dev eth0 lladdr aa:bb:cc:dd:ee:ff REACHABLE
    bgpNeighbors: (text) => {
      const out: NeighborInfo[] = [];
      for (const line of lines(text)) {
        const m = /^(\S+) dev (\S+)(?: lladdr \S+)?(?: router)? (\S+)$/.exec(line);
        if (m) out.push({ protocol: 'arp', peer: m[1]!, localInterface: m[2]!, state: m[3]! });
      }
      return out;
    },
  },
  // Whole commands: a shell runs whatever follows the first words, so every argument is matched.
  // `ip -s link set eth0 down` starts like a read; only `show`/`list` (or nothing) may follow the object.
  readOnly: {
    commands: [
      {
        words: 'ip',
        args: /^(?:-(?:br|brief|4|6|s|stats|d|details|o|oneline|c|color) )*(?:a|addr|address|l|link|n|neigh|neighbor|neighbour|r|route|ru|rule|maddr|ntable|tunnel|vrf)(?: (?:show|list|ls|lst)(?: [\w.@:/-]+)*)?$/,
        usage: 'ip [-br|-s|-4|-6|-d] addr|link|route|neigh|rule [show [dev IF]]',
      },
      {
        words: 'ip',
        args: /^(?:-[46] )?(?:r|route) get [\w.:/]+(?: (?:from|iif|oif|vrf|dev) [\w.:/@-]+)*$/,
        usage: 'ip route get <address>',
      },
      {
        words: 'ping',
        // a count is required (a ping without one never ends); no flood, no pattern, no preload
        args: /^(?=(?:.* )?-c )(?:(?:-c (?:[1-9]|1\d|20)|-[nq46]|-[Wws] \d{1,4}|-I [\w.:-]+) )+[\w.:-]+$/,
        usage: 'ping -c <1-20> [-n] [-W N] [-I IF] <host>',
      },
      {
        words: 'traceroute',
        args: /^(?:(?:-[n46I]|-[mqw] \d{1,2}|-i [\w.-]+) )*[\w.:-]+$/,
        usage: 'traceroute [-n] <host>',
      },
      { words: 'uname', args: /^(?:-[asnrvmpio]+(?: -[asnrvmpio]+)*)?$/ },
      { words: 'uptime', args: /^(?:-[ps])?$/ },
      // `hostname x` renames the host: only the asking forms
      { words: 'hostname', args: /^(?:-[fsdiIA]|--fqdn|--short|--domain|--ip-address|--all-ip-addresses)?$/ },
      { words: 'df', args: /^(?:-[hHiTPlk]+ ?)*(?:\/[\w./-]*)?$/ },
      { words: 'free', args: /^(?:-[hbkmgtwl]+(?: -[hbkmgtwl]+)*)?$/ },
      // ss -K kills sockets and -D writes a file: only listing flags and filters
      {
        words: 'ss',
        args: /^-[tulnpaxsiemo46H]+(?: -[tulnpaxsiemo46H]+)*(?: (?:state [\w-]+|(?:src|dst|sport|dport) [\w.:-]+))*$/,
        usage: 'ss -tulpn [state S] [dport N]',
      },
      // Named files only: /proc/self/environ and friends hold the session's environment.
      {
        words: 'cat',
        args: /^\/proc\/(?:uptime|loadavg|meminfo|cpuinfo|version|interrupts|mounts|diskstats|net\/(?:dev|route|arp|snmp|netstat|sockstat|bonding\/[\w.-]+))$/,
        usage: 'cat /proc/(uptime|loadavg|meminfo|net/dev|net/route|net/arp …)',
      },
      // -s/-K/-G/-A/-C/-E/-f/-p/-r/-t/-W change the NIC (or take the link down to test it)
      {
        words: 'ethtool',
        args: /^(?:(?:-[iSkgacmTP]|--(?:driver|statistics|show-features|show-ring|show-pause|show-coalesce|module-info|show-time-stamping|show-permaddr)) )?[\w.@:-]+$/,
        usage: 'ethtool [-i|-S|-k|-g|-a|-c|-m] <interface>',
      },
      // lldpctl takes interface names; lldpcli's words that configure are never interfaces here
      {
        words: 'lldpctl',
        args: /^(?:-f (?:plain|keyvalue|json|xml))?(?:(?: |^)(?!(?:configure|unconfigure|update|pause|resume)\b)[\w.@:-]+)*$/,
      },
    ],
    configWords: [],
    formatPipes: [],
    pipes: [],
    abbreviate: false,
    forbidden: /[<>|&;$`\\*?{}]/,
  },
  diagnostics: { device: [], interface: ['ip link show {interface}'] },
  commandTimeoutMs: 30_000,
  configRules: {
    volatile: [],
    secrets: [
      s(/\b(?:password|passwd|secret|key|community|token)\s*[=:]\s*("[^"]*"|\S+)/i),
      { pattern: /(?:password|secret|psk|key)\s*[=:]\s*(\S+)/i },
    ],
    comment: '#',
    blocks: 'indent',
  },
});

function formatSeconds(total: number): string {
  if (!Number.isFinite(total)) return '';
  const d = Math.floor(total / 86_400);
  const h = Math.floor((total % 86_400) / 3_600);
  const m = Math.floor((total % 3_600) / 60);
  return `${d} days, ${h} hours, ${m} minutes`;
}
