import { userRegExp } from '../../bounded-regexp.js';
import type { SimDevice } from './device.js';
import { applyJunosEdit, compareSets, renderBraces } from './junos-config.js';
import { uptimeParts } from './model.js';
import { JUNOS_PAGER, LineTerminal, type TerminalIo } from './terminal.js';

/**
 * Junos CLI: operational and configuration modes, a private candidate, `show | compare`, `commit`,
 * `commit confirmed N` (rolled back unless confirmed), `rollback N`.
 */

const two = (n: number) => String(n).padStart(2, '0');

export class JunosCli extends LineTerminal {
  private config = false;
  private candidate: string[] = [];

  constructor(
    io: TerminalIo,
    readonly dev: SimDevice,
    readonly user: string,
  ) {
    super(io, JUNOS_PAGER);
  }

  prompt(): string {
    return `${this.user}@${this.dev.hostname}${this.config ? '#' : '>'} `;
  }

  private error(_line: string, at: number, text: string): string {
    return `${' '.repeat(this.prompt().length + at)}^\n${text}`;
  }

  private out(text: string): Promise<void> {
    return this.print(this.config ? `${text}${text ? '\n' : ''}\n[edit]` : text);
  }

  protected handleLine(raw: string): Promise<void> {
    const [cmdPart, ...pipes] = raw.split('|').map((s) => s.trim());
    const line = (cmdPart ?? '').replace(/\s+/g, ' ');
    if (line === '') return this.out('');
    let text: string | null;
    if (this.config) text = this.configCommand(line, raw, pipes);
    else text = this.opCommand(line, raw);
    if (text === null) return Promise.resolve();
    if (text.startsWith('\u0000slow')) {
      return new Promise((r) => setTimeout(r, this.dev.slowMs).unref()).then(() =>
        this.out('Core dumps: none'),
      );
    }
    for (const p of pipes) {
      const f = this.pipe(text, p);
      if (f === null) return this.out(this.error(raw, raw.indexOf(p), 'syntax error, expecting <command>.'));
      text = f;
    }
    return this.out(text);
  }

  private pipe(text: string, pipe: string): string | null {
    const [word, ...rest] = pipe.split(' ');
    const arg = rest.join(' ').replace(/^"|"$/g, '');
    const lines = text.split('\n');
    // A run of stars is one star; and the simulator runs inside the bot in local mode, so bounded.
    const re = () => userRegExp(arg.replace(/[.+^${}()[\]\\?|]/g, '\\$&').replace(/\*+/g, '.*'));
    switch (word) {
      case 'match':
        return lines.filter((l) => re().test(l)).join('\n');
      case 'except':
        return lines.filter((l) => !re().test(l)).join('\n');
      case 'count':
        return `Count: ${lines.length} lines`;
      case 'no-more':
        return text;
      case 'last':
        return lines.slice(-Number(arg || 10)).join('\n');
      case 'display':
        if (arg === 'set') return this.config ? this.candidate.join('\n') : this.dev.junosActive.join('\n');
        return text;
      case 'compare':
        return this.config ? compareSets(this.dev.junosActive, this.candidate) : null;
      default:
        return null;
    }
  }

  private opCommand(line: string, raw: string): string | null {
    const w = line.split(' ');
    const is = (...words: string[]) =>
      words.every((x, i) => w[i] !== undefined && x.startsWith(w[i]!)) && w.length >= words.length;
    const f = this.dev.facts;
    if (is('show', 'version')) {
      return [
        `Hostname: ${this.dev.hostname}`,
        `Model: ${f.model}`,
        `Junos: ${f.version}`,
        `JUNOS OS Kernel 64-bit  [20230414.2d0ff2d_builder_stable_12]`,
        `JUNOS OS libs [20230414.2d0ff2d_builder_stable_12]`,
        `JUNOS OS runtime [20230414.2d0ff2d_builder_stable_12]`,
      ].join('\n');
    }
    if (is('show', 'chassis', 'hardware')) {
      return [
        'Hardware inventory:',
        'Item             Version  Part number  Serial number     Description',
        `Chassis                                ${f.serial.padEnd(18)}${f.model.toUpperCase()}`,
        'Midplane         REV 27   750-070866   ACRH1234          Midplane',
        'Routing Engine 0          BUILTIN      BUILTIN           RE-S-1600x8',
      ].join('\n');
    }
    if (is('show', 'system', 'uptime')) {
      const now = this.dev.clock();
      const boot = new Date(f.bootEpochMs);
      const u = uptimeParts(now.getTime() - f.bootEpochMs);
      const ts = (d: Date) =>
        `${d.getUTCFullYear()}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} UTC`;
      return [
        `Current time: ${ts(now)}`,
        `Time Source:  NTP CLOCK`,
        `System booted: ${ts(boot)} (${u.w}w${u.d}d ${two(u.h)}:${two(u.m)} ago)`,
        `Last configured: ${ts(this.dev.lastChange.at)} by ${this.dev.lastChange.by}`,
      ].join('\n');
    }
    if (is('show', 'log', 'messages')) return this.dev.logLines().join('\n');
    if (is('show', 'configuration')) return this.dev.runningConfig();
    if (is('show', 'interfaces', 'terse')) return this.terse();
    if (is('show', 'interfaces', 'diagnostics', 'optics') && w[4]) return this.optics(w[4]);
    if (is('show', 'interfaces') && w[2] && /^[a-z]+-?\d|^(lo|fxp|em|ae)\d/.test(w[2])) {
      return this.interfaceDetail(w[2], w[3] !== undefined && 'extensive'.startsWith(w[3]));
    }
    if (is('show', 'bgp', 'summary')) return this.bgpSummary();
    if (is('show', 'lldp', 'neighbors')) {
      return [
        'Local Interface    Parent Interface    Chassis Id          Port info          System Name',
        ...f.lldp.map(
          (n) =>
            `ge-0/0/${n.local - 1}`.padEnd(19) +
            '-'.padEnd(20) +
            '2c:6b:f5:aa:bb:cc   ' +
            n.remotePort.padEnd(19) +
            n.remoteName,
        ),
      ].join('\n');
    }
    if (is('show', 'tech-support') || is('show', 'system', 'core-dumps')) return '\u0000slow';
    if (is('set', 'cli', 'screen-length')) {
      this.screenLength = Number(w[3] ?? 0) || 0;
      return `Screen length set to ${this.screenLength}`;
    }
    if (is('set', 'cli', 'screen-width')) return `Screen width set to ${w[3] ?? 0}`;
    if (is('set', 'cli', 'complete-on-space')) return `Disabling complete-on-space`;
    if (is('configure')) {
      this.config = true;
      this.candidate = [...this.dev.junosActive];
      return 'Entering configuration mode';
    }
    if (is('ping'))
      return `PING ${w[1]} (${w[1]}): 56 data bytes\n64 bytes from ${w[1]}: icmp_seq=0 ttl=64 time=0.511 ms\n\n--- ${w[1]} ping statistics ---\n1 packets transmitted, 1 packets received, 0% packet loss`;
    if (is('exit') || is('quit')) {
      this.close();
      return null;
    }
    const known = [
      'show',
      'set',
      'configure',
      'ping',
      'traceroute',
      'request',
      'clear',
      'monitor',
      'exit',
      'quit',
      'file',
      'help',
      'restart',
      'start',
      'test',
    ];
    if (!known.some((k) => k.startsWith(w[0]!))) return this.error(raw, 0, 'unknown command.');
    const at = raw.indexOf(w[1] ?? '', (w[0] ?? '').length);
    return this.error(raw, at === -1 ? raw.length : at, 'syntax error, expecting <command>.');
  }

  private configCommand(line: string, raw: string, pipes: string[]): string | null {
    const w = line.split(' ');
    if (w[0] === 'set' || w[0] === 'delete') {
      const err = applyJunosEdit(this.candidate, line);
      return err ?? '';
    }
    if (line === 'show' && pipes[0] === 'compare') {
      pipes.shift();
      return compareSets(this.dev.junosActive, this.candidate);
    }
    if (line === 'show') return renderBraces(this.candidate).join('\n');
    if (w[0] === 'rollback') {
      const n = Number(w[1] ?? 0);
      const target = this.dev.junosHistory[n];
      if (!target) return `error: Cannot find rollback configuration ${n}`;
      this.candidate = [...target];
      return 'load complete';
    }
    if (w[0] === 'commit') {
      if (w[1] === 'check') return 'configuration check succeeds';
      const confirmed = w[1] === 'confirmed';
      const minutes = confirmed ? Number(w[2] ?? 10) : 0;
      // Any commit, from any session, confirms a pending `commit confirmed`.
      this.dev.cancelRollback();
      const changed = compareSets(this.dev.junosActive, this.candidate) !== '';
      if (changed || confirmed) {
        this.dev.junosHistory.unshift([...this.candidate]);
        if (this.dev.junosHistory.length > 50) this.dev.junosHistory.pop();
        this.dev.touched(this.user);
      }
      const andQuit = w[1] === 'and-quit';
      if (confirmed) {
        const previous = [...(this.dev.junosHistory[1] ?? this.candidate)];
        this.dev.armRollback(minutes, () => {
          this.dev.junosHistory.unshift(previous);
          this.dev.touched('root');
          this.dev.syslog(
            `${this.dev.hostname} mgd[4242]: UI_COMMIT_CONFIRMED_TIMED: commit confirmed timeout: rolling back`,
            'other',
          );
        });
        return `commit confirmed will be automatically rolled back in ${minutes} minutes unless confirmed\ncommit complete\n\n# commit confirmed will be rolled back in ${minutes} minutes`;
      }
      if (andQuit) {
        this.config = false;
        return 'commit complete\nExiting configuration mode';
      }
      return 'commit complete';
    }
    if (w[0] === 'run') return this.opCommand(w.slice(1).join(' '), raw.replace(/^\s*run\s+/, ''));
    if (line === 'exit' || line === 'quit' || line === 'exit configuration-mode') {
      const dirty = compareSets(this.dev.junosActive, this.candidate) !== '';
      this.config = false;
      return dirty
        ? 'The configuration has been changed but not committed\nExiting configuration mode'
        : 'Exiting configuration mode';
    }
    if (line === 'top' || line === 'up') return '';
    return this.error(raw, 0, 'unknown command.');
  }

  private interfaceNames(): string[] {
    const names = new Set<string>();
    for (const l of this.dev.junosActive) {
      const m = /^set interfaces (\S+)/.exec(l);
      if (m) names.add(m[1]!);
    }
    return [...names];
  }

  /** `show interfaces <name> [extensive]`: the physical interface's state and counters. */
  private interfaceDetail(name: string, extensive: boolean): string {
    const names = this.interfaceNames();
    const idx = names.indexOf(name);
    if (idx < 0) return `error: device ${name} not found`;
    const active = this.dev.junosActive;
    const disabled = active.includes(`set interfaces ${name} disable`);
    const desc = active
      .find((l) => l.startsWith(`set interfaces ${name} description `))
      ?.slice(`set interfaces ${name} description `.length)
      .replace(/^"|"$/g, '');
    const rows = [
      `Physical interface: ${name}, ${disabled ? 'Administratively down' : 'Enabled'}, Physical link is ${disabled ? 'Down' : 'Up'}`,
      `  Interface index: ${148 + idx}, SNMP ifIndex: ${520 + idx}, Generation: ${151 + idx}`,
      ...(desc ? [`  Description: ${desc}`] : []),
      '  Link-level type: Ethernet, MTU: 1514, Speed: 10Gbps, BPDU Error: None, Loop Detect PDU Error: None,',
      '  Device flags   : Present Running',
      '  Interface flags: SNMP-Traps Internal: 0x4000',
    ];
    if (extensive) {
      rows.push(
        '  Traffic statistics:',
        '   Input  bytes  :         918273645123              1843200 bps',
        '   Output bytes  :         712398123987              1624000 bps',
        '  Input errors:',
        '    Errors: 0, Drops: 0, Framing errors: 0, Runts: 0, Policed discards: 0, L3 incompletes: 0,',
        '    L2 channel errors: 0, L2 mismatch timeouts: 0, FIFO errors: 0, Resource errors: 0',
        '  Output errors:',
        '    Carrier transitions: 3, Errors: 0, Drops: 0, Collisions: 0, Aged packets: 0, FIFO errors: 0,',
        '    HS link CRC errors: 0, MTU errors: 0, Resource errors: 0',
      );
    }
    return rows.join('\n');
  }

  /** `show interfaces diagnostics optics <name>`: the module's light levels. */
  private optics(name: string): string {
    if (!this.interfaceNames().includes(name)) return `error: device ${name} not found`;
    return [
      `Physical interface: ${name}`,
      '    Laser bias current                        :  5.234 mA',
      '    Laser output power                        :  0.5980 mW / -2.23 dBm',
      '    Module temperature                        :  36 degrees C / 97 degrees F',
      '    Module voltage                            :  3.2990 V',
      '    Receiver signal average optical power     :  0.4502 mW / -3.47 dBm',
    ].join('\n');
  }

  private terse(): string {
    const rows = ['Interface               Admin Link Proto    Local                 Remote'];
    const active = this.dev.junosActive;
    const names = new Set<string>();
    for (const l of active) {
      const m = /^set interfaces (\S+)/.exec(l);
      if (m) names.add(m[1]!);
    }
    for (const n of names) {
      const disabled = active.includes(`set interfaces ${n} disable`);
      const addr = active
        .map((l) =>
          new RegExp(`^set interfaces ${n.replace(/[/.]/g, '\\$&')} unit 0 family inet address (\\S+)`).exec(
            l,
          ),
        )
        .find(Boolean)?.[1];
      const link =
        !disabled && (n === 'lo0' || n === 'fxp0' || (n.charCodeAt(n.length - 1) + n.length) % 5 !== 0);
      rows.push(`${n.padEnd(24)}${(disabled ? 'down' : 'up').padEnd(6)}${link ? 'up' : 'down'}`);
      if (addr)
        rows.push(
          `${`${n}.0`.padEnd(24)}${(disabled ? 'down' : 'up').padEnd(6)}${(link ? 'up' : 'down').padEnd(5)}inet     ${addr}`,
        );
    }
    return rows.join('\n');
  }

  private bgpSummary(): string {
    const peers: Array<{ ip: string; asn: number }> = [];
    for (const l of this.dev.junosActive) {
      const m = /^set protocols bgp group \S+ neighbor (\S+) peer-as (\d+)/.exec(l);
      if (m) peers.push({ ip: m[1]!, asn: Number(m[2]) });
    }
    const rows = [
      'Threading mode: BGP I/O',
      `Groups: 1 Peers: ${peers.length} Down peers: 0`,
      'Table          Tot Paths  Act Paths Suppressed    History Damp State    Pending',
      'inet.0                 12         12          0          0          0          0',
    ];
    rows.push(
      'Peer                     AS      InPkt     OutPkt    OutQ   Flaps Last Up/Dwn State|#Active/Received/Accepted/Damped...',
    );
    for (const p of peers) {
      const h = p.ip.split('.').reduce((n, o) => n * 7 + Number(o), 0);
      const up = h % 4 !== 0;
      rows.push(
        `${p.ip.padEnd(25)}${String(p.asn).padEnd(8)}${String(up ? 1200 : 0).padStart(5)}${String(up ? 1100 : 0).padStart(11)}${'0'.padStart(8)}${'0'.padStart(8)} ${(up ? '1w2d3h' : '5:03').padStart(11)} ${up ? `Establ` : 'Active'}`,
      );
      if (up) rows.push(`  inet.0: ${h % 20}/${h % 20}/${h % 20}/0`);
    }
    return rows.join('\n');
  }
}
