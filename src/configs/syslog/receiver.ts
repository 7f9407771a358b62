import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import type { Device } from '../../config.js';
import { type Logger, silentLogger } from '../../log.js';
import type { Enqueue } from '../../queue/types.js';
import { type SyslogMessage, parseSyslog } from './parse.js';
import { type ConfigChangeEvent, recogniseConfigChange } from './recognise.js';

/** The part of the inventory the receiver reads (src/inventory's Inventory fits). */
export interface SyslogInventory {
  list(): readonly Device[];
  get(name: string): Device | undefined;
}

export interface SyslogReceiverOptions {
  inventory: SyslogInventory;
  /** Adapter: the producer's enqueue (a config.backup job per settled burst). */
  enqueue: Enqueue;
  /** UDP port (0 picks a free one; 514 needs privileges, so the default is 5514). */
  port?: number;
  host?: string;
  /** Quiet time after the last change message before the backup is queued. */
  debounceMs?: number;
  /** A burst that never goes quiet still gets a backup after this long. */
  maxWaitMs?: number;
  log?: Logger;
  now?: () => number;
}

export interface SyslogReceiverStats {
  received: number;
  changes: number;
  unknownSource: number;
  unparsed: number;
  enqueued: number;
}

export interface SyslogReceiver {
  start(): Promise<{ address: string; port: number }>;
  stop(): Promise<void>;
  /**
   * Feed one datagram as if it arrived from `source` (the UDP path calls this too). `device` names
   * the sender outright when the caller knows it (the lab fleet, where every device is 127.0.0.1).
   */
  handle(datagram: string, source: string, device?: string): ConfigChangeEvent | undefined;
  /** Queues every pending backup now (shutdown). */
  flush(): Promise<void>;
  stats(): SyslogReceiverStats;
}

interface Pending {
  device: Device;
  first: number;
  timer?: NodeJS.Timeout;
  /** The last user a message in the burst named: they made the change that the backup captures. */
  author?: string;
  kinds: Set<string>;
}

/** Finds the device a message is about: its source address first, then the hostname it names. */
export function deviceFor(
  inventory: SyslogInventory,
  source: string,
  msg: SyslogMessage,
): Device | undefined {
  const src = source.replace(/^::ffff:/, '');
  const all = inventory.list();
  const bySource = all.filter((d) => d.host === src);
  if (bySource.length === 1) return bySource[0];
  const host = msg.hostname?.toLowerCase();
  if (host) {
    const short = host.split('.')[0]!;
    const candidates = bySource.length > 1 ? bySource : all;
    return (
      candidates.find((d) => d.name.toLowerCase() === host || d.host.toLowerCase() === host) ??
      candidates.find((d) => d.name.toLowerCase() === short)
    );
  }
  return undefined;
}

/**
 * UDP syslog listener that turns config-change announcements into config.backup jobs with
 * trigger 'syslog' and the named user as author. Debounced per device: a burst (IOS archive
 * logging sends one message per command; Junos sends UI_COMMIT then UI_COMMIT_COMPLETED) becomes
 * one backup `debounceMs` after it goes quiet, or `maxWaitMs` after it began.
 */
export function createSyslogReceiver(options: SyslogReceiverOptions): SyslogReceiver {
  const log = options.log ?? silentLogger;
  const now = options.now ?? Date.now;
  const debounceMs = options.debounceMs ?? 3_000;
  const maxWaitMs = Math.max(options.maxWaitMs ?? 30_000, debounceMs);
  const pending = new Map<string, Pending>();
  const stats: SyslogReceiverStats = { received: 0, changes: 0, unknownSource: 0, unparsed: 0, enqueued: 0 };
  let socket: Socket | undefined;

  async function fire(name: string): Promise<void> {
    const p = pending.get(name);
    if (!p) return;
    pending.delete(name);
    clearTimeout(p.timer);
    try {
      await options.enqueue(
        'config.backup',
        { device: p.device.name, trigger: 'syslog', ...(p.author ? { author: p.author } : {}) },
        { jobId: `syslog.${p.device.name}.${p.first}` },
      );
      stats.enqueued++;
      log.info(
        { device: p.device.name, author: p.author, kinds: [...p.kinds] },
        'config change announced; backup queued',
      );
    } catch (err) {
      log.warn({ err, device: p.device.name }, 'could not queue the backup a config change asked for');
    }
  }

  function schedule(p: Pending): void {
    clearTimeout(p.timer);
    const wait = Math.max(0, Math.min(debounceMs, p.first + maxWaitMs - now()));
    p.timer = setTimeout(() => void fire(p.device.name), wait);
    p.timer.unref?.();
  }

  const receiver: SyslogReceiver = {
    handle(datagram, source, deviceName) {
      stats.received++;
      // Syslog lines are short; a cap keeps the recognisers linear-ish on hostile input.
      const msg = parseSyslog(datagram.length > 4096 ? datagram.slice(0, 4096) : datagram);
      if (!msg) {
        stats.unparsed++;
        return undefined;
      }
      const event = recogniseConfigChange(msg);
      if (!event) return undefined;
      stats.changes++;
      const device = deviceName
        ? options.inventory.get(deviceName)
        : deviceFor(options.inventory, source, msg);
      if (!device) {
        stats.unknownSource++;
        log.debug(
          { source, hostname: msg.hostname, kind: event.kind },
          'config change from a device not in the inventory',
        );
        return event;
      }
      if (!device.enabled) return event;
      let p = pending.get(device.name);
      if (!p) {
        p = { device, first: now(), kinds: new Set() };
        pending.set(device.name, p);
      }
      p.kinds.add(event.kind);
      if (event.user) p.author = event.user;
      schedule(p);
      return event;
    },
    start() {
      return new Promise((resolve, reject) => {
        const host = options.host ?? '0.0.0.0';
        const s = createSocket(host.includes(':') ? 'udp6' : 'udp4');
        s.on('message', (buf: Buffer, rinfo: RemoteInfo) => {
          try {
            receiver.handle(buf.toString('utf8'), rinfo.address);
          } catch (err) {
            log.warn({ err }, 'syslog message handling failed');
          }
        });
        s.once('error', reject);
        s.bind(options.port ?? 5514, host, () => {
          s.off('error', reject);
          s.on('error', (err) => log.warn({ err }, 'syslog socket error'));
          socket = s;
          const a = s.address();
          resolve({ address: a.address, port: a.port });
        });
      });
    },
    async flush() {
      await Promise.all([...pending.keys()].map((name) => fire(name)));
    },
    async stop() {
      for (const p of pending.values()) clearTimeout(p.timer);
      pending.clear();
      const s = socket;
      socket = undefined;
      if (s) await new Promise<void>((r) => s.close(() => r()));
    },
    stats: () => ({ ...stats }),
  };
  return receiver;
}
