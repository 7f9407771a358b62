import type { SimVendor as Vendor } from '../vendors.js';
import type { SimDevice } from './device.js';
import { applyIosConfigLine, type Cursor } from './ios-config.js';
import {
  showBgpSummary,
  showClock,
  showInterfacesBrief,
  showInterfacesLong,
  showLldp,
  showVersion,
} from './shows.js';
import { applyIosPipe, LineTerminal, type TerminalIo } from './terminal.js';

/**
 * The IOS-like CLI shared by the IOS-XE, NX-OS, EOS and FRR (vtysh) simulators: user/privileged/
 * config modes with the hostname in the prompt, abbreviations, `| include`-style filters, paging,
 * each vendor's exact error text, and the safe-change features (IOS-XE archive/configure replace
 * with a revert timer, EOS configure sessions with commit timer).
 */

interface ExecCommand {
  words: string[];
  vendors?: Vendor[];
  /** Needs privileged mode. */
  priv?: boolean;
  /** Accepts trailing arguments. */
  args?: boolean;
  run(cli: IosCli, args: string[]): string | Promise<string> | undefined;
}

const ALL_BUT_FRR: Vendor[] = ['cisco_iosxe', 'cisco_nxos', 'arista_eos'];

const COMMANDS: ExecCommand[] = [
  { words: ['show', 'version'], run: (c) => showVersion(c.vendor, c.dev.showContext()) },
  { words: ['show', 'running-config'], priv: true, args: true, run: (c, a) => c.runningConfig(a) },
  { words: ['show', 'startup-config'], priv: true, run: (c) => c.dev.runningConfig() },
  {
    words: ['show', 'ip', 'interface', 'brief'],
    vendors: ['cisco_iosxe', 'cisco_nxos'],
    run: (c) => showInterfacesBrief('cisco_iosxe', c.dev.showContext()),
  },
  {
    words: ['show', 'interface', 'brief'],
    vendors: ['cisco_nxos', 'frr'],
    run: (c) => showInterfacesBrief(c.vendor, c.dev.showContext()),
  },
  { words: ['show', 'interface'], vendors: ['frr'], args: true, run: (c, a) => c.frrInterface(a) },
  {
    words: ['show', 'interfaces', 'description'],
    vendors: ['arista_eos', 'cisco_iosxe'],
    run: (c) => showInterfacesBrief('arista_eos', c.dev.showContext()),
  },
  {
    words: ['show', 'interfaces'],
    vendors: ['cisco_iosxe', 'arista_eos', 'cisco_nxos'],
    args: true,
    run: (c) => showInterfacesLong(c.dev.showContext()),
  },
  { words: ['show', 'ip', 'bgp', 'summary'], run: (c) => showBgpSummary(c.vendor, c.dev.showContext()) },
  {
    words: ['show', 'bgp', 'summary'],
    vendors: ['frr', 'cisco_iosxe'],
    run: (c) => showBgpSummary(c.vendor, c.dev.showContext()),
  },
  {
    words: ['show', 'bgp', 'ipv4', 'unicast', 'summary'],
    run: (c) => showBgpSummary(c.vendor, c.dev.showContext()),
  },
  {
    words: ['show', 'lldp', 'neighbors'],
    vendors: ALL_BUT_FRR,
    run: (c) => showLldp(c.vendor, c.dev.showContext()),
  },
  { words: ['show', 'logging'], vendors: ALL_BUT_FRR, args: true, run: (c, a) => c.showLogging(a) },
  { words: ['show', 'ip', 'ospf', 'neighbor'], vendors: ['frr'], run: (c) => c.ospfNeighbors() },
  { words: ['show', 'clock'], run: (c) => showClock(c.vendor, c.dev.clock()) },
  {
    words: ['show', 'hostname'],
    vendors: ['arista_eos'],
    run: (c) => `Hostname: ${c.dev.hostname}\nFQDN:     ${c.dev.hostname}.example.net`,
  },
  {
    words: ['show', 'users'],
    run: (c) =>
      `    Line       User       Host(s)              Idle       Location\n*  2 vty 0     ${c.user.padEnd(10)} idle                 00:00:00 127.0.0.1`,
  },
  { words: ['show', 'archive'], vendors: ['cisco_iosxe'], priv: true, run: (c) => c.showArchive() },
  {
    words: ['show', 'session-config', 'diffs'],
    vendors: ['arista_eos'],
    priv: true,
    run: (c) => c.sessionDiffs(),
  },
  { words: ['show', 'tech-support'], priv: true, run: (c) => c.slow() },
  { words: ['terminal', 'length'], args: true, run: (c, a) => c.setLength(a) },
  { words: ['terminal', 'width'], args: true, run: () => '' },
  { words: ['terminal', 'monitor'], run: () => '' },
  { words: ['terminal', 'no', 'monitor'], run: () => '' },
  { words: ['terminal', 'dont-ask'], vendors: ['cisco_nxos'], run: () => '' },
  { words: ['enable'], run: (c) => c.enable() },
  { words: ['disable'], run: (c) => c.disable() },
  { words: ['configure'], priv: true, args: true, run: (c, a) => c.configure(a) },
  { words: ['copy', 'running-config'], priv: true, args: true, run: (c, a) => c.copy(a) },
  { words: ['write', 'memory'], priv: true, run: (c) => c.save() },
  { words: ['archive', 'config'], vendors: ['cisco_iosxe'], priv: true, run: (c) => c.archive() },
  { words: ['checkpoint'], vendors: ['cisco_nxos'], args: true, run: (c, a) => c.checkpoint(a) },
  {
    words: ['rollback', 'running-config', 'checkpoint'],
    vendors: ['cisco_nxos'],
    args: true,
    run: (c, a) => c.rollbackTo(a),
  },
  { words: ['ping'], args: true, run: (c, a) => c.ping(a) },
  {
    words: ['traceroute'],
    args: true,
    run: (_c, a) =>
      `Type escape sequence to abort.\nTracing the route to ${a[0] ?? ''}\n  1 ${a[0] ?? ''} 1 msec 1 msec 1 msec`,
  },
  { words: ['exit'], run: (c) => c.logout() },
  { words: ['logout'], vendors: ALL_BUT_FRR, run: (c) => c.logout() },
  { words: ['quit'], run: (c) => c.logout() },
];

type Match =
  | { cmd: ExecCommand; args: string[] }
  | { error: 'invalid' | 'incomplete' | 'ambiguous'; at: number };

function tokenOffsets(line: string): Array<{ word: string; at: number }> {
  const out: Array<{ word: string; at: number }> = [];
  const re = /\S+/g;
  for (let m = re.exec(line); m; m = re.exec(line)) out.push({ word: m[0], at: m.index });
  return out;
}

export class IosCli extends LineTerminal {
  privileged: boolean;
  mode: 'exec' | 'config' = 'exec';
  cursor: Cursor = { block: null, family: null };
  /** EOS configure session being edited (a copy of the body). */
  session: { name: string; body: string[] } | null = null;
  private awaitingEnablePassword = false;
  private enableTries = 0;
  private changed = false;

  constructor(
    io: TerminalIo,
    readonly dev: SimDevice,
    readonly user: string,
    private readonly enableSecret: string | undefined,
  ) {
    super(io);
    this.privileged = dev.vendor === 'cisco_nxos' || dev.vendor === 'frr' || user === 'admin';
  }

  get vendor(): Vendor {
    return this.dev.vendor;
  }

  prompt(): string {
    const host = this.dev.hostname;
    if (this.mode === 'exec')
      return `${host}${this.privileged ? '#' : '>'}${this.vendor === 'frr' ? ' ' : ''}`;
    let sub = 'config';
    if (this.session) sub = `config-s-${this.session.name.slice(0, 6)}`;
    if (this.cursor.block) {
      const h = this.cursor.block;
      const kind = h.startsWith('interface ')
        ? this.vendor === 'arista_eos'
          ? `if-${h
              .slice(10)
              .replace(/^Ethernet/, 'Et')
              .replace(/^Loopback/, 'Lo')
              .replace(/^Management/, 'Ma')}`
          : 'if'
        : h.startsWith('router ')
          ? this.vendor === 'arista_eos'
            ? `router-${h.split(' ')[1]}`
            : this.cursor.family
              ? 'router-af'
              : 'router'
          : h.startsWith('line ')
            ? 'line'
            : h.startsWith('vlan ')
              ? 'vlan'
              : h.startsWith('ip access-list')
                ? this.vendor === 'arista_eos'
                  ? `acl-${h.split(' ').pop()}`
                  : 'ext-nacl'
                : h.split(' ')[0]!;
      sub = `${this.session ? sub : 'config'}-${kind}`;
    }
    return `${host}(${sub})#${this.vendor === 'frr' ? ' ' : ''}`;
  }

  private invalid(at: number, line: string): string {
    const caret = `${' '.repeat(this.prompt().length + at)}^`;
    switch (this.vendor) {
      case 'cisco_nxos':
        return `${caret}\n% Invalid command at '^' marker.`;
      case 'arista_eos':
        return '% Invalid input';
      case 'frr':
        return `% Unknown command: ${line.trim()}`;
      default:
        return `${caret}\n% Invalid input detected at '^' marker.\n`;
    }
  }

  private incomplete(line: string): string {
    switch (this.vendor) {
      case 'frr':
        return `% Command incomplete: ${line.trim()}`;
      case 'arista_eos':
      case 'cisco_nxos':
        return `% Incomplete command${this.vendor === 'cisco_nxos' ? " at '^' marker." : ''}`;
      default:
        return '% Incomplete command.\n';
    }
  }

  private match(line: string): Match {
    const toks = tokenOffsets(line);
    if (toks.length === 0) return { error: 'incomplete', at: 0 };
    let best: { cmd: ExecCommand; n: number } | undefined;
    let deepest = 0;
    let partial = false;
    for (const cmd of COMMANDS) {
      if (cmd.vendors && !cmd.vendors.includes(this.vendor)) continue;
      let n = 0;
      while (n < cmd.words.length && n < toks.length && cmd.words[n]!.startsWith(toks[n]!.word.toLowerCase()))
        n++;
      if (n === cmd.words.length) {
        if (toks.length > n && !cmd.args) {
          deepest = Math.max(deepest, n);
          continue;
        }
        if (!best || n > best.n) best = { cmd, n };
      } else {
        if (n === toks.length && n > 0) partial = true;
        deepest = Math.max(deepest, n);
      }
    }
    if (best) {
      if (best.cmd.priv && !this.privileged) return { error: 'invalid', at: toks[best.n - 1]?.at ?? 0 };
      return { cmd: best.cmd, args: toks.slice(best.n).map((t) => t.word) };
    }
    if (partial) return { error: 'incomplete', at: 0 };
    return { error: 'invalid', at: toks[deepest]?.at ?? 0 };
  }

  protected async handleLine(raw: string): Promise<void> {
    if (this.awaitingEnablePassword) {
      if (this.enableSecret === undefined || raw === this.enableSecret) {
        this.awaitingEnablePassword = false;
        this.echo = true;
        this.privileged = true;
        return this.print('');
      }
      // IOS asks three times, then gives up with "% Bad secrets"; EOS refuses at once.
      this.enableTries++;
      if (this.vendor === 'cisco_iosxe' && this.enableTries < 3) {
        this.io.write('Password: ');
        return;
      }
      this.awaitingEnablePassword = false;
      this.echo = true;
      this.enableTries = 0;
      return this.print(this.vendor === 'cisco_iosxe' ? '% Bad secrets\n' : '% Access denied');
    }
    if (raw === '\x1a') return this.leaveConfig();
    if (this.mode === 'config') return this.configLine(raw);
    const [cmdPart, ...pipes] = raw.split('|');
    const line = cmdPart!.trimEnd();
    if (line.trim() === '') return this.print('');
    const m = this.match(line);
    if ('error' in m) {
      return this.print(m.error === 'incomplete' ? this.incomplete(line) : this.invalid(m.at, line));
    }
    let out = await m.cmd.run(this, m.args);
    if (out === undefined) return; // the session ended
    for (const p of pipes) {
      const filtered = applyIosPipe(out, p);
      if (filtered === null) return this.print(this.invalid(raw.indexOf(p.trim()), raw));
      out = filtered;
    }
    return this.print(out);
  }

  // ---- exec commands

  runningConfig(args: string[]): string {
    const text = this.dev.runningConfig();
    if (args[0] && 'interface'.startsWith(args[0].toLowerCase())) {
      const name = args.slice(1).join('');
      return applyIosPipe(text, `section ^interface ${name}`) ?? '';
    }
    return text;
  }

  setLength(args: string[]): string {
    const n = Number(args[0]);
    if (!Number.isInteger(n) || n < 0) return this.incomplete('terminal length');
    this.screenLength = n;
    return '';
  }

  enable(): string {
    if (this.privileged) return '';
    if (this.enableSecret === undefined) {
      this.privileged = true;
      return '';
    }
    this.awaitingEnablePassword = true;
    this.echo = false;
    this.io.write('Password: ');
    return undefined as unknown as string;
  }

  disable(): string {
    if (this.vendor !== 'cisco_nxos' && this.vendor !== 'frr') this.privileged = false;
    return '';
  }

  logout(): undefined {
    this.close();
    return undefined;
  }

  /**
   * `show logging` (IOS-XE: header and buffer), `show logging last 50` (NX-OS: the newest lines),
   * `show logging last 1 hours` (EOS: a time window).
   */
  showLogging(args: string[]): string {
    const [word, count, unit] = args.map((a) => a.toLowerCase());
    let lines = this.dev.logLines();
    if (word !== undefined) {
      const n = Number(count);
      if (!'last'.startsWith(word) || !Number.isInteger(n) || n <= 0)
        return this.incomplete(`show logging ${args.join(' ')}`);
      const per: Record<string, number> = {
        seconds: 1_000,
        minutes: 60_000,
        hours: 3_600_000,
        days: 86_400_000,
      };
      const unitMs = unit ? Object.entries(per).find(([k]) => k.startsWith(unit))?.[1] : undefined;
      if (unit && unitMs === undefined) return this.incomplete(`show logging ${args.join(' ')}`);
      lines = unitMs ? this.dev.logLines(this.dev.clock().getTime() - n * unitMs) : lines.slice(-n);
    }
    if (this.vendor !== 'cisco_iosxe') return lines.join('\n');
    return [
      'Syslog logging: enabled (0 messages dropped, 0 messages rate-limited, 0 flushes, 0 overruns, xml disabled, filtering disabled)',
      '',
      '    Console logging: disabled',
      '    Monitor logging: level debugging, 0 messages logged, xml disabled,',
      `    Buffer logging:  level debugging, ${lines.length} messages logged, xml disabled,`,
      '',
      'Log Buffer (65536 bytes):',
      '',
      ...lines,
    ].join('\n');
  }

  /** FRR's `show interface <name>` (vtysh), from the same interface view as the brief table. */
  frrInterface(args: string[]): string {
    const ifaces = this.dev.showContext().ifaces;
    const pick = args[0] ? ifaces.filter((i) => i.name === args[0]) : ifaces;
    if (args[0] && pick.length === 0) return `% Can't find interface ${args[0]}`;
    return pick
      .map((i, idx) =>
        [
          `Interface ${i.name} is ${i.adminUp ? 'up' : 'down'}, line protocol is ${i.operUp ? 'up' : 'down'}`,
          `  Link ups:       1    last: 2026/10/01 00:00:45.00`,
          `  Link downs:     0    last: (never)`,
          '  vrf: default',
          ...(i.description ? [`  Description: ${i.description}`] : []),
          `  index ${idx + 2} metric 0 mtu 1500 speed 10000`,
          `  flags: <${i.adminUp ? 'UP,' : ''}BROADCAST,${i.operUp ? 'RUNNING,' : ''}MULTICAST>`,
          '  Type: Ethernet',
          ...(i.address ? [`  inet ${i.address}/${i.prefixLen}`] : []),
          '  protodown: off',
        ].join('\n'),
      )
      .join('\n');
  }

  /** FRR's OSPF neighbours: one per LLDP neighbour, Full. */
  ospfNeighbors(): string {
    const f = this.dev.facts;
    const rows = [
      '',
      'Neighbor ID     Pri State           Up Time         Dead Time Address         Interface                        RXmtL RqstL DBsmL',
    ];
    for (const n of f.lldp) {
      const id = `10.255.0.${n.local + 1}`;
      const addr = `10.0.${n.local}.2`;
      rows.push(
        `${id.padEnd(16)}  1 Full/DR         3d04h12m          33.412s ${addr.padEnd(15)} ${`eth${n.local}:10.0.${n.local}.1`.padEnd(32)}     0     0     0`,
      );
    }
    return rows.join('\n');
  }

  ping(args: string[]): string {
    const target = args[0] ?? '';
    return [
      'Type escape sequence to abort.',
      `Sending 5, 100-byte ICMP Echos to ${target}, timeout is 2 seconds:`,
      '!!!!!',
      'Success rate is 100 percent (5/5), round-trip min/avg/max = 1/1/2 ms',
    ].join('\n');
  }

  slow(): Promise<string> {
    return new Promise((r) =>
      setTimeout(
        () =>
          r(
            `------------------ show version ------------------\n${showVersion(this.vendor, this.dev.showContext())}`,
          ),
        this.dev.slowMs,
      ).unref(),
    );
  }

  save(): string {
    this.dev.nvramAt = this.dev.clock();
    if (this.vendor === 'cisco_nxos')
      return '[########################################] 100%\nCopy complete, now saving to disk (please wait)...\nCopy complete.';
    return 'Building configuration...\n[OK]';
  }

  copy(args: string[]): string {
    const dest = args[0] ?? '';
    if (/^start/.test(dest)) return this.save();
    if (/^(?:flash|bootflash):/.test(dest)) {
      this.dev.flash.set(dest, [...this.dev.body]);
      return `Destination filename [${dest.split(':')[1]}]? \n${this.dev.body.join('\n').length} bytes copied in 0.123 secs`;
    }
    return this.invalid(0, args.join(' '));
  }

  archive(): string {
    const n = [...this.dev.flash.keys()].filter((k) => k.includes('archive')).length + 1;
    this.dev.flash.set(`flash:archive-${this.dev.hostname}-${n}`, [...this.dev.body]);
    return '';
  }

  checkpoint(args: string[]): string {
    const name = args[0];
    if (!name) return this.incomplete('checkpoint');
    if (this.dev.checkpoints.has(name)) return `Checkpoint name ${name} is already in use`;
    this.dev.checkpoints.set(name, [...this.dev.body]);
    return '...........Done';
  }

  rollbackTo(args: string[]): string {
    const name = args[0] ?? '';
    const target = this.dev.checkpoints.get(name);
    if (!target) return `% Invalid parameter: checkpoint ${name} does not exist`;
    this.dev.body = [...target];
    this.dev.touched(this.user);
    return 'Note: Applying config parallelly may fail Rollback verification\nCollecting Running-Config\n#Generating Rollback Patch\nExecuting Rollback Patch\nGenerating Running-config for verification\nRollback completed successfully.';
  }

  showArchive(): string {
    const names = [...this.dev.flash.keys()].filter((k) => k.includes('archive'));
    return [
      'The maximum archive configurations allowed is 10.',
      `The next archive file will be named flash:archive-${this.dev.hostname}-${names.length + 1}`,
      ' Archive #  Name',
      ...names.map((n, i) => `   ${i + 1}        ${n}${i === names.length - 1 ? ' <- Most Recent' : ''}`),
    ].join('\n');
  }

  private get pendingSessions(): Map<string, string[]> {
    return this.dev.sessions;
  }

  private armRevert(minutes: number, previous: string[]): void {
    this.dev.armRollback(minutes, () => {
      this.dev.body = previous;
      this.dev.touched('rollback', 'console');
      this.dev.syslog(
        '%ARCHIVE_DIFF-5-ROLLBK_CNFMD_CHG_ROLLBACK: Rollback confirmed change timer expired, performing rollback',
        'other',
      );
    });
  }

  /** `configure terminal [revert timer N]`, `configure replace URL [force] [time N]`, `configure confirm`, `configure revert now`, EOS `configure session X [commit]`. */
  configure(args: string[]): string {
    const a = args.map((x) => x.toLowerCase());
    if (a.length === 0 || 'terminal'.startsWith(a[0]!)) {
      if (a[1] === 'revert' && a[2] === 'timer' && this.vendor === 'cisco_iosxe') {
        const minutes = Number(a[3]);
        if (!Number.isInteger(minutes) || minutes < 1)
          return this.incomplete('configure terminal revert timer');
        this.armRevert(minutes, [...this.dev.body]);
        this.dev.flash.set(`flash:archive-${this.dev.hostname}-rollback`, [...this.dev.body]);
      }
      this.mode = 'config';
      this.changed = false;
      return this.vendor === 'cisco_iosxe'
        ? 'Enter configuration commands, one per line.  End with CNTL/Z.'
        : this.vendor === 'cisco_nxos'
          ? 'Enter configuration commands, one per line. End with CNTL/Z.'
          : '';
    }
    if ('revert'.startsWith(a[0]!) && a[1] === 'now' && this.vendor === 'cisco_iosxe') {
      if (!this.dev.fireRollback()) return '% No Rollback Confirmed Change pending';
      return '';
    }
    if ('confirm'.startsWith(a[0]!) && this.vendor === 'cisco_iosxe') {
      if (!this.dev.cancelRollback()) return '% No Rollback Confirmed Change pending';
      return '';
    }
    if ('replace'.startsWith(a[0]!) && (this.vendor === 'cisco_iosxe' || this.vendor === 'arista_eos')) {
      const file = args[1] ?? '';
      const target = this.dev.flash.get(file);
      if (!target) return `%Error opening ${file} (No such file or directory)`;
      const ti = a.indexOf('time');
      const previous = [...this.dev.body];
      // Replacing the whole config supersedes a pending timed change.
      this.dev.cancelRollback();
      for (const [n, body] of this.pendingSessions)
        if (body === this.dev.body) this.pendingSessions.delete(n);
      this.dev.body = [...target];
      this.dev.touched(this.user);
      if (ti !== -1) this.armRevert(Number(a[ti + 1] ?? 1), previous);
      return `Total number of passes: 1\nRollback Done${ti !== -1 ? `\n\nRollback timer started for ${a[ti + 1]} minutes. Enter "configure confirm" to confirm.` : ''}`;
    }
    if ('session'.startsWith(a[0]!) && this.vendor === 'arista_eos') {
      const name = args[1] ?? `session${Date.now() % 100000}`;
      if (a[2] === 'commit') {
        // Confirms a `commit timer` commit.
        const pending = this.pendingSessions.get(name);
        if (!pending) return `% Session ${name} not found or not pending commit`;
        this.pendingSessions.delete(name);
        this.dev.cancelRollback();
        return '';
      }
      if (a[2] === 'abort') {
        this.pendingSessions.delete(name);
        return '';
      }
      this.session = { name, body: [...(this.pendingSessions.get(name) ?? this.dev.body)] };
      this.mode = 'config';
      return '';
    }
    return this.invalid(0, `configure ${args.join(' ')}`);
  }

  sessionDiffs(): string {
    if (!this.session) return '';
    const before = new Set(this.dev.body);
    const after = new Set(this.session.body);
    return [
      `--- system:/running-config`,
      `+++ session:/${this.session.name}-session-config`,
      ...this.dev.body.filter((l) => !after.has(l)).map((l) => `-${l}`),
      ...this.session.body.filter((l) => !before.has(l)).map((l) => `+${l}`),
    ].join('\n');
  }

  // ---- config mode

  private leaveConfig(): Promise<void> {
    this.mode = 'exec';
    this.cursor = { block: null, family: null };
    if (this.session) {
      // EOS keeps an uncommitted session; leaving without commit discards nothing here.
      this.pendingSessions.set(this.session.name, this.session.body);
      this.session = null;
    } else if (this.changed || this.vendor === 'cisco_iosxe') {
      this.dev.touched(this.user);
    }
    return this.print('');
  }

  private configLine(raw: string): Promise<void> {
    const line = raw.trim();
    if (line === '') return this.print('');
    if (/^do\s+/.test(line)) {
      const mode = this.mode;
      this.mode = 'exec';
      return this.handleLine(line.replace(/^do\s+/, '')).finally(() => {
        this.mode = mode;
      });
    }
    if (this.session) {
      if (line === 'commit' || /^commit timer /.test(line)) {
        const previous = [...this.dev.body];
        this.dev.body = this.session.body;
        const name = this.session.name;
        this.session = null;
        this.mode = 'exec';
        this.cursor = { block: null, family: null };
        this.dev.touched(this.user);
        const t = /^commit timer (\d+):(\d+):(\d+)$/.exec(line);
        if (t) {
          const minutes = Number(t[1]) * 60 + Number(t[2]) + Number(t[3]) / 60;
          this.pendingSessions.set(name, this.dev.body);
          this.armRevert(minutes, previous);
        }
        return this.print('');
      }
      if (line === 'abort') {
        this.session = null;
        this.mode = 'exec';
        this.cursor = { block: null, family: null };
        return this.print('');
      }
      if (/^show session-config diffs/.test(line)) return this.print(this.sessionDiffs());
    }
    const body = this.session ? this.session.body : this.dev.body;
    const r = applyIosConfigLine(this.vendor, body, this.cursor, line);
    if (!r.ok) return this.print(r.error === 'incomplete' ? this.incomplete(line) : this.invalid(r.at, line));
    this.cursor = r.cursor;
    if (r.exit === 'exec') return this.leaveConfig();
    if (!/^(?:exit|end)$/.test(line)) this.changed = true;
    return this.print('');
  }
}
