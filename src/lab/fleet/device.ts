import { EventEmitter } from 'node:events';
import type { SimVendor as Vendor } from '../vendors.js';
import { iosLikeBody, junosSetLines } from './config-gen.js';
import { bgpOf, interfacesOf } from './ios-config.js';
import { renderBraces } from './junos-config.js';
import { type SimFacts, simFacts } from './model.js';
import type { ShowContext } from './shows.js';

export interface SimDeviceOptions {
  name: string;
  vendor: Vendor;
  seed: number | string;
  clock?: () => Date;
  /** Length of a "minute" for commit-confirmed/revert timers (tests shrink it). */
  minuteMs?: number;
  /** Pad the running config to about this many lines. */
  configLines?: number;
  /** How long `show tech-support` takes (timeout tests). */
  slowMs?: number;
}

export interface SyslogEvent {
  device: string;
  /** The line as the device would send it to a syslog server (RFC 3164 style, IOS/Junos text). */
  line: string;
  kind: 'config' | 'other';
  user?: string;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const two = (n: number) => String(n).padStart(2, '0');

/** `10:15:36 UTC Wed Nov 25 2026` (IOS). */
export function iosTime(d: Date): string {
  return `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} UTC ${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()} ${d.getUTCFullYear()}`;
}

/** `Wed Nov 25 10:15:36 2026` (NX-OS). */
export function ctime(d: Date): string {
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} ${d.getUTCFullYear()}`;
}

/**
 * One simulated device's state: its running configuration (IOS-like text body, or Junos set lines),
 * flash files, commit history, and a syslog stream. CLI sessions and tests change it through the
 * same methods, so a change made either way shows up in the next backup.
 */
export class SimDevice {
  readonly name: string;
  readonly vendor: Vendor;
  readonly facts: SimFacts;
  readonly clock: () => Date;
  readonly minuteMs: number;
  readonly slowMs: number;
  /** IOS-like running config, without the volatile header and the final `end`. */
  body: string[] = [];
  /** Junos: committed configuration as set lines; history[0] is the active one. */
  junosHistory: string[][] = [];
  flash = new Map<string, string[]>();
  lastChange: { at: Date; by: string };
  nvramAt: Date;
  private events = new EventEmitter();
  private ntpTick = 0;
  private syslogSeq = 0;
  /** The local log buffer (`show logging`, Junos `show log messages`): newest last, bounded. */
  private logBuffer: Array<{ at: number; text: string }> = [];
  /** Timers for commit confirmed / revert; cleared on confirm and on stop. */
  readonly timers = new Set<NodeJS.Timeout>();
  /**
   * The pending rollback of an unconfirmed change (IOS-XE revert timer, EOS commit timer, Junos
   * commit confirmed). Device-wide, as on the real boxes: any session may confirm it.
   */
  pendingRollback: NodeJS.Timeout | null = null;
  private rollbackNow: (() => void) | null = null;
  /** EOS configure sessions by name (uncommitted or waiting for a commit-timer confirm). */
  readonly sessions = new Map<string, string[]>();
  /** NX-OS checkpoints by name. */
  readonly checkpoints = new Map<string, string[]>();

  constructor(o: SimDeviceOptions) {
    this.name = o.name;
    this.vendor = o.vendor;
    this.clock = o.clock ?? (() => new Date());
    this.minuteMs = o.minuteMs ?? 60_000;
    this.slowMs = o.slowMs ?? 5_000;
    this.facts = simFacts(o.vendor, o.name, o.seed);
    const gen = o.configLines ? { targetLines: o.configLines } : {};
    if (o.vendor === 'juniper_junos') this.junosHistory = [junosSetLines(this.facts, gen)];
    else if (o.vendor !== 'linux') this.body = iosLikeBody(this.facts, gen);
    this.nvramAt = new Date(this.facts.bootEpochMs);
    this.lastChange = { at: new Date(this.facts.bootEpochMs), by: 'netops' };
    this.seedLog();
  }

  /**
   * What a device that has been up a while holds in its log: its links coming up after boot and one
   * flap on its first linked port three hours ago (buffered only: no syslog is sent for the past).
   */
  private seedLog(): void {
    if (this.vendor === 'linux' || this.vendor === 'frr') return;
    const boot = this.facts.bootEpochMs + 45_000;
    const now = this.clock().getTime();
    const ports =
      this.vendor === 'juniper_junos'
        ? this.facts.lldp.map((n) => `ge-0/0/${n.local - 1}`)
        : interfacesOf(this.name, this.body)
            .filter((i) => i.adminUp && !/^(Loopback|Vlan|mgmt|Management|Null)/i.test(i.name))
            .slice(0, 4)
            .map((i) => i.name);
    ports.forEach((port, i) => {
      for (const m of this.linkMessages(port, true)) this.record(new Date(boot + i * 1_000), m);
    });
    const flapped = ports[0];
    if (flapped && now - 3 * 3_600_000 > boot) {
      for (const m of this.linkMessages(flapped, false)) this.record(new Date(now - 3 * 3_600_000), m);
      for (const m of this.linkMessages(flapped, true)) this.record(new Date(now - 3 * 3_600_000 + 7_000), m);
    }
  }

  /** The vendor's log lines for a link going up or down. */
  linkMessages(port: string, up: boolean): string[] {
    const state = up ? 'up' : 'down';
    switch (this.vendor) {
      case 'juniper_junos':
        return [
          `${this.hostname} mib2d[2101]: SNMP_TRAP_LINK_${up ? 'UP' : 'DOWN'}: ifIndex 5${this.facts.lldp.length}1, ifAdminStatus up(1), ifOperStatus ${state}(${up ? 1 : 2}), ifName ${port}`,
        ];
      case 'cisco_nxos':
        return [
          up
            ? `%ETHPORT-5-IF_UP: Interface ${port} is up`
            : `%ETHPORT-5-IF_DOWN_LINK_FAILURE: Interface ${port} is down (Link failure)`,
        ];
      default:
        return [
          `%LINK-3-UPDOWN: Interface ${port}, changed state to ${state}`,
          `%LINEPROTO-5-UPDOWN: Line protocol on Interface ${port}, changed state to ${state}`,
        ];
    }
  }

  /** The log buffer's lines, oldest first; `sinceMs` keeps only those at or after that time. */
  logLines(sinceMs = 0): string[] {
    return this.logBuffer.filter((l) => l.at >= sinceMs).map((l) => l.text);
  }

  get hostname(): string {
    if (this.vendor === 'juniper_junos') {
      const l = this.junosActive.find((x) => x.startsWith('set system host-name '));
      return l ? l.slice(21).trim() : this.name;
    }
    const l = this.body.find((x) => x.startsWith('hostname '));
    return l ? l.slice(9).trim() : this.name;
  }

  get junosActive(): string[] {
    return this.junosHistory[0] ?? [];
  }

  showContext(): ShowContext {
    return {
      facts: this.facts,
      hostname: this.hostname,
      now: this.clock(),
      ifaces: interfacesOf(this.name, this.body),
      bgp: bgpOf(this.name, this.body),
    };
  }

  /** Records a change (who, when) and sends the vendor's "configured" syslog line. */
  touched(user: string, source = 'vty0 (127.0.0.1)'): void {
    this.lastChange = { at: this.clock(), by: user };
    if (this.vendor === 'juniper_junos') {
      this.syslog(
        `${this.hostname} mgd[4242]: UI_COMMIT: User '${user}' requested 'commit' operation (comment: none)`,
        'config',
        user,
      );
    } else {
      this.syslog(`%SYS-5-CONFIG_I: Configured from console by ${user} on ${source}`, 'config', user);
    }
  }

  /** Emits a syslog line in the device's style: `<189>12: *Nov 25 10:15:36.123: %FAC-SEV-MNEMONIC: text`. */
  syslog(message: string, kind: SyslogEvent['kind'] = 'other', user?: string): SyslogEvent {
    const line = this.record(this.clock(), message);
    const ev: SyslogEvent = { device: this.name, line, kind, ...(user ? { user } : {}) };
    this.events.emit('syslog', ev);
    return ev;
  }

  /** Formats a log line as the device does, keeps it in the buffer, and returns it with its PRI. */
  private record(d: Date, message: string): string {
    const stamp = `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`;
    this.syslogSeq++;
    const line =
      this.vendor === 'juniper_junos'
        ? `<189>${stamp} ${message}`
        : `<189>${this.syslogSeq}: *${stamp}.${String(d.getUTCMilliseconds()).padStart(3, '0')}: ${message}`;
    this.logBuffer.push({ at: d.getTime(), text: line.slice('<189>'.length) });
    if (this.logBuffer.length > 500) this.logBuffer.splice(0, this.logBuffer.length - 500);
    return line;
  }

  onSyslog(listener: (ev: SyslogEvent) => void): () => void {
    this.events.on('syslog', listener);
    return () => this.events.off('syslog', listener);
  }

  /** The running configuration as `show running-config` / `show configuration` prints it. */
  runningConfig(): string {
    const now = this.clock();
    switch (this.vendor) {
      case 'cisco_iosxe': {
        this.ntpTick++;
        const body = this.body.map((l) =>
          l.startsWith('ntp clock-period ')
            ? `ntp clock-period ${Number(l.slice(17)) + (this.ntpTick % 13)}`
            : l,
        );
        const text = [
          '!',
          `! Last configuration change at ${iosTime(this.lastChange.at)} by ${this.lastChange.by}`,
          `! NVRAM config last updated at ${iosTime(this.nvramAt)} by netops`,
          '!',
          ...body,
          'end',
        ].join('\n');
        return `Building configuration...\n\nCurrent configuration : ${text.length + 1} bytes\n${text}`;
      }
      case 'cisco_nxos':
        return [
          '',
          '!Command: show running-config',
          `!Running configuration last done at: ${ctime(this.lastChange.at)}`,
          `!Time: ${ctime(now)}`,
          '',
          ...this.body,
          '',
        ].join('\n');
      case 'arista_eos':
        return [
          `! Command: show running-config`,
          `! device: ${this.hostname} (${this.facts.model}, EOS-${this.facts.version})`,
          '!',
          ...this.body,
          'end',
        ].join('\n');
      case 'frr':
        return ['Building configuration...', '', 'Current configuration:', '!', ...this.body, 'end'].join(
          '\n',
        );
      case 'juniper_junos': {
        const d = this.lastChange.at;
        const ts = `${d.getUTCFullYear()}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} UTC`;
        return [`## Last commit: ${ts} by ${this.lastChange.by}`, ...renderBraces(this.junosActive)].join(
          '\n',
        );
      }
      default:
        return '';
    }
  }

  /** Replaces the whole configuration (IOS-like: config text; Junos: set lines). */
  setRunningConfig(text: string, user = 'lab'): void {
    const lines = text.replace(/\r/g, '').split('\n');
    if (this.vendor === 'juniper_junos') {
      this.junosHistory.unshift(lines.filter((l) => l.startsWith('set ')));
    } else {
      const start = lines.findIndex((l) => /^(?:version |hostname |frr version|! boot|!Command)/.test(l));
      const body = lines
        .slice(Math.max(0, start))
        .filter(
          (l) =>
            !/^(?:!\s?Command:|!Time:|!Running configuration|! device:|! Last configuration|! NVRAM|Building configuration|Current configuration)/.test(
              l,
            ),
        );
      while (body.length && (body[body.length - 1] === 'end' || body[body.length - 1] === '')) body.pop();
      this.body = body;
    }
    this.touched(user);
  }

  stop(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.events.removeAllListeners();
  }

  /** Arms the device's rollback timer (replacing any armed one). */
  armRollback(minutes: number, fn: () => void): void {
    this.cancelRollback();
    this.rollbackNow = fn;
    this.pendingRollback = this.after(minutes, () => {
      this.pendingRollback = null;
      this.rollbackNow = null;
      fn();
    });
  }

  /** Rolls the pending change back now (IOS-XE `configure revert now`). Returns whether one was pending. */
  fireRollback(): boolean {
    const fn = this.rollbackNow;
    if (!fn || !this.cancelRollback()) return false;
    fn();
    return true;
  }

  /** Stops the rollback timer: the change is confirmed. Returns whether one was armed. */
  cancelRollback(): boolean {
    const t = this.pendingRollback;
    if (!t) return false;
    clearTimeout(t);
    this.timers.delete(t);
    this.pendingRollback = null;
    this.rollbackNow = null;
    return true;
  }

  /** setTimeout in device minutes, cleared by stop(). */
  after(minutes: number, fn: () => void): NodeJS.Timeout {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, minutes * this.minuteMs);
    t.unref();
    this.timers.add(t);
    return t;
  }
}
