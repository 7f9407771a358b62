import type { Device } from './types.js';
import { ErrorCode, NetopsError } from '../errors.js';
import { type Logger, silentLogger } from '../log.js';
import type { SshCredentialSource } from './credentials.js';
import { Semaphore } from './limiter.js';
import type { Lease, SessionLeases } from './session-leases.js';
import { type SshCredential, SshSession, type SshSessionOptions } from './transport/ssh.js';
import type { CommandOutput, DeviceService, RunOptions } from './types.js';
import { getVendor } from './vendors/index.js';
import type { InterfaceInfo, NeighborInfo, VendorDefinition, VersionInfo } from './vendors/define.js';

/** Where pinned-on-first-use host keys live. The default is in memory (per worker process). */
export interface HostKeyStore {
  get(device: string): string | undefined;
  set(device: string, fingerprint: string): void;
}

/** The part of the inventory the device layer listens to (src/inventory's Inventory fits). */
export interface InventoryEvents {
  on(
    event: 'change',
    listener: (diff: { removed: readonly Device[]; changed: readonly Device[] }) => void,
  ): void;
}

export interface DeviceServiceOptions {
  /** When given, sessions of removed or changed devices are closed on inventory changes. */
  inventory?: InventoryEvents;
  credentials: SshCredentialSource;
  log?: Logger;
  limits?: {
    /** Commands in flight across all devices (default 64). */
    global?: number;
    /**
     * Sessions per device (default 2): most network OSes allow few vty lines. Per process, and
     * across all workers when `leases` is given.
     */
    perDevice?: number;
  };
  /**
   * Counts each device's sessions across every worker (src/devices/session-leases.ts): a new
   * session takes a lease first. Without it, or while Redis is away, the limit is per process.
   * The service owns it: close() closes it too.
   */
  leases?: SessionLeases;
  timeouts?: {
    connectMs?: number;
    /** Overrides the vendor default per-command timeout. */
    commandMs?: number;
    /** Idle sessions are closed after this long (default 60 s). */
    idleMs?: number;
    keepaliveMs?: number;
    /** How long a new session waits for a device's fleet-wide lease (default 60 s). */
    leaseWaitMs?: number;
    /** How often idle sessions look for other workers waiting on their device (default 250 ms). */
    handOverCheckMs?: number;
  };
  /** Per-device overrides (a slow chassis, a satellite link): merged over `timeouts`. */
  timeoutsFor?: (device: Device) => { connectMs?: number; commandMs?: number } | undefined;
  /** Trust-on-first-use store for devices without a pinned hostKey. Set `tofu: false` to accept any key. */
  hostKeys?: HostKeyStore;
  tofu?: boolean;
  /** Adapter seam (tests, other transports). */
  openSession?: (options: SshSessionOptions) => Promise<SshSession>;
}

export interface DeviceFacts extends VersionInfo {
  device: string;
  vendor: string;
}

/** DeviceService plus the parsed views jobs use. */
export interface DeviceServiceImpl extends DeviceService {
  facts(device: Device, options?: RunOptions): Promise<DeviceFacts>;
  interfaces(device: Device, options?: RunOptions): Promise<InterfaceInfo[]>;
  neighbors(device: Device, options?: RunOptions): Promise<NeighborInfo[]>;
  /** Closes pooled sessions of one device (after a re-key, a config change of its address…). */
  forget(deviceName: string): Promise<void>;
  /** Commands running, idle pooled sessions, sessions open (busy or idle). */
  stats(): { active: number; idle: number; open: number };
}

interface Idle {
  session: SshSession;
  device: string;
  timer: NodeJS.Timeout;
}

/** An open session and its fleet-wide lease (none: opened while Redis was away). */
interface Held {
  device: string;
  lease: Lease | undefined;
  /** Over the fleet-wide limit (its lease lapsed and was taken): closed instead of pooled. */
  surplus: boolean;
}

/** After Redis failed, new sessions skip it this long (each try would cost a timeout). */
const REDIS_BACKOFF_MS = 5_000;

export function memoryHostKeyStore(): HostKeyStore {
  const m = new Map<string, string>();
  return { get: (d) => m.get(d), set: (d, f) => void m.set(d, f) };
}

/** Lines to look at for failure indicators: a device prints errors right after the echo or at the end. */
function edges(output: string): string {
  const ls = output.split('\n');
  return ls.length <= 10 ? output : [...ls.slice(0, 5), ...ls.slice(-5)].join('\n');
}

export function checkFailures(
  vendor: VendorDefinition,
  device: string,
  command: string,
  output: string,
): void {
  const text = edges(output);
  for (const f of vendor.failures) {
    const m = f.pattern.exec(text);
    if (!m) continue;
    const lineStart = text.lastIndexOf('\n', m.index) + 1;
    const lineEnd = text.indexOf('\n', m.index);
    const line = text.slice(lineStart, lineEnd === -1 ? undefined : lineEnd).trim();
    throw new NetopsError(f.code, `${device} rejected "${command}": ${line}`, {
      context: { device, command, output: line },
      userMessage: `\`${device}\` rejected \`${command}\`: ${line}`,
      hint: f.message,
    });
  }
}

function scrub(text: string, secrets: string[]): string {
  let out = text;
  for (const s of secrets) if (s.length >= 4 && out.includes(s)) out = out.split(s).join('********');
  return out;
}

export function createDeviceService(options: DeviceServiceOptions): DeviceServiceImpl {
  const log = options.log ?? silentLogger;
  const global = new Semaphore(options.limits?.global ?? 64);
  const perDeviceLimit = options.limits?.perDevice ?? 2;
  const deviceSlots = new Map<string, Semaphore>();
  const idle = new Map<string, Idle[]>();
  const hostKeys = options.hostKeys ?? memoryHostKeyStore();
  const tofu = options.tofu ?? true;
  const idleMs = options.timeouts?.idleMs ?? 60_000;
  const open = options.openSession ?? ((o: SshSessionOptions) => SshSession.open(o));
  const leases = options.leases;
  const leaseWaitMs = options.timeouts?.leaseWaitMs ?? 60_000;
  const checkMs = options.timeouts?.handOverCheckMs ?? 250;
  const held = new Map<SshSession, Held>();
  /** Devices a waiter in another worker wants and we had no idle session of (last check). */
  const wantedElsewhere = new Set<string>();
  let active = 0;
  let closed = false;
  /** Set while Redis cannot be asked: sessions then count per process only. */
  let redisAwaySince: number | undefined;

  function redisAway(err: unknown): void {
    if (redisAwaySince === undefined) {
      log.warn(
        { err: err instanceof Error ? err.message : String(err), perDevice: perDeviceLimit },
        'Redis unreachable: limits.sessionsPerDevice holds per worker process only until it is back',
      );
    }
    redisAwaySince = Date.now();
  }

  function redisBack(): void {
    if (redisAwaySince === undefined) return;
    redisAwaySince = undefined;
    log.info(
      { perDevice: perDeviceLimit },
      'Redis reachable again: limits.sessionsPerDevice holds across workers',
    );
  }

  const slotFor = (name: string) => {
    let s = deviceSlots.get(name);
    if (!s) {
      s = new Semaphore(perDeviceLimit);
      deviceSlots.set(name, s);
    }
    return s;
  };

  async function credentialsFor(device: Device): Promise<SshCredential[]> {
    const out = [await options.credentials.resolve(device.credential)];
    if (device.fallbackCredential) {
      try {
        out.push(await options.credentials.resolve(device.fallbackCredential));
      } catch (err) {
        log.warn(
          { device: device.name, credential: device.fallbackCredential, code: (err as NetopsError).code },
          'fallback credential unavailable',
        );
      }
    }
    return out;
  }

  async function openFor(
    device: Device,
    vendor: VendorDefinition,
    signal?: AbortSignal,
  ): Promise<SshSession> {
    const creds = await credentialsFor(device);
    const pinned = device.hostKey ?? (tofu ? hostKeys.get(device.name) : undefined);
    const own = options.timeoutsFor?.(device);
    const started = Date.now();
    const session = await open({
      device: device.name,
      host: device.host,
      port: device.port,
      credentials: creds,
      profile: vendor,
      hostKey: {
        ...(pinned ? { expected: pinned } : {}),
        onUnknown: (fp) => {
          if (tofu) hostKeys.set(device.name, fp);
        },
      },
      legacyAlgorithms: device.legacyAlgorithms,
      connectTimeoutMs: own?.connectMs ?? options.timeouts?.connectMs ?? 15_000,
      commandTimeoutMs: own?.commandMs ?? options.timeouts?.commandMs ?? vendor.commandTimeoutMs,
      ...(options.timeouts?.keepaliveMs ? { keepaliveIntervalMs: options.timeouts.keepaliveMs } : {}),
      ...(signal ? { signal } : {}),
    });
    log.debug(
      { device: device.name, credential: session.credentialName, ms: Date.now() - started },
      'ssh session opened',
    );
    return session;
  }

  /**
   * Pooled sessions are shared only by requests that would open the same session: same address,
   * credentials, host-key pin and algorithms. An inventory edit or another credential gets its own.
   */
  function poolKey(d: Device): string {
    return [
      d.name,
      d.host,
      d.port,
      d.credential,
      d.fallbackCredential ?? '',
      d.hostKey ?? '',
      d.legacyAlgorithms ? 'legacy' : '',
    ].join('|');
  }

  /** Closes a session and gives its lease back, once the device has seen it go. */
  async function dispose(session: SshSession): Promise<void> {
    const h = held.get(session);
    held.delete(session);
    await session.close().catch(() => {});
    if (h?.lease) await releaseLease(h.lease);
  }

  async function releaseLease(lease: Lease): Promise<void> {
    try {
      await leases?.release(lease);
    } catch (err) {
      // It lapses by itself within the lease TTL.
      redisAway(err);
    }
  }

  function takeIdle(name: string): SshSession | undefined {
    const list = idle.get(name);
    while (list?.length) {
      const it = list.pop()!;
      clearTimeout(it.timer);
      if (it.session.alive) return it.session;
      void dispose(it.session);
    }
    return undefined;
  }

  function unpool(key: string, it: Idle): void {
    const list = idle.get(key);
    const i = list?.indexOf(it) ?? -1;
    if (i !== -1) list!.splice(i, 1);
    if (list && !list.length) idle.delete(key);
    clearTimeout(it.timer);
  }

  /** Closes the longest-idle session of a device (any pool key); false if it has none. */
  async function closeOneIdle(device: string): Promise<boolean> {
    let oldest: { key: string; it: Idle } | undefined;
    for (const [key, list] of idle) {
      const it = list.find((x) => x.device === device);
      if (it && (!oldest || it.session.lastUsed < oldest.it.session.lastUsed)) oldest = { key, it };
    }
    if (!oldest) return false;
    unpool(oldest.key, oldest.it);
    await dispose(oldest.it.session);
    return true;
  }

  function park(key: string, session: SshSession): void {
    const device = held.get(session)?.device ?? key.split('|')[0]!;
    // Another worker waits for this device (as of the last check): it gets this session's lease,
    // rather than the next request here, so a busy worker cannot starve the others.
    const handOff = wantedElsewhere.delete(device);
    if (closed || !session.alive || held.get(session)?.surplus || handOff) {
      void dispose(session);
      return;
    }
    const list = idle.get(key) ?? [];
    idle.set(key, list);
    const it: Idle = {
      session,
      device,
      timer: setTimeout(() => {
        unpool(key, it);
        void dispose(session);
      }, idleMs),
    };
    it.timer.unref();
    list.push(it);
  }

  /**
   * For each device of ours another worker waits for: closes one idle session, or, when all are
   * busy, marks the device so the next session parked there closes instead.
   */
  async function handOver(): Promise<void> {
    const devices = [...new Set([...held.values()].map((h) => h.device))];
    if (!leases || !devices.length || redisAwaySince !== undefined) {
      wantedElsewhere.clear();
      return;
    }
    let wanted: Set<string>;
    try {
      wanted = await leases.wantedByOthers(devices);
    } catch (err) {
      redisAway(err);
      return;
    }
    wantedElsewhere.clear();
    await Promise.all(
      [...wanted].map(async (d) => {
        if (!(await closeOneIdle(d))) wantedElsewhere.add(d);
      }),
    );
  }

  /** A lease for a new session to this device: undefined when there is no fleet-wide count. */
  async function leaseFor(device: Device, signal?: AbortSignal): Promise<Lease | undefined> {
    if (!leases) return undefined;
    if (redisAwaySince !== undefined && Date.now() - redisAwaySince < REDIS_BACKOFF_MS) return undefined;
    const lease = await leases.acquire(device.name, perDeviceLimit, {
      ...(signal ? { signal } : {}),
      waitMs: leaseWaitMs,
      // An idle session of ours to the same device (another credential, or one parked while we
      // waited) holds a lease this request needs more.
      onRefused: () => closeOneIdle(device.name),
    });
    if (lease === null) {
      redisAway(new Error('session lease: Redis did not answer'));
      return undefined;
    }
    redisBack();
    return lease;
  }

  async function openNew(
    device: Device,
    vendor: VendorDefinition,
    lease: Lease | undefined,
    signal?: AbortSignal,
  ): Promise<SshSession> {
    let session: SshSession;
    try {
      session = await openFor(device, vendor, signal);
    } catch (err) {
      if (lease) void releaseLease(lease);
      throw err;
    }
    held.set(session, { device: device.name, lease, surplus: false });
    return session;
  }

  /**
   * Keeps the fleet-wide count true: renews the leases of open sessions (idle or busy), takes one
   * for sessions opened while Redis was away (or whose lease lapsed), and marks the ones that
   * cannot get one as surplus, closed as soon as they are idle.
   */
  async function renewAll(): Promise<void> {
    if (!leases || !held.size) return;
    const entries = [...held];
    try {
      const lost = new Set(
        (await leases.renew(entries.flatMap(([, h]) => (h.lease ? [h.lease] : [])))).map((l) => l.holder),
      );
      for (const [session, h] of entries) {
        if (h.lease && !lost.has(h.lease.holder)) continue;
        if (h.lease) log.warn({ device: h.device }, 'SSH session lease lapsed; taking it again');
        h.lease = await leases.tryAcquire(h.device, perDeviceLimit);
        // The session may have closed meanwhile: its new lease goes back at once.
        if (h.lease && !held.has(session)) await releaseLease(h.lease);
        else if (h.lease) h.surplus = false;
        else if (!h.surplus) {
          h.surplus = true;
          log.warn(
            { device: h.device },
            'SSH session over limits.sessionsPerDevice across workers: closing it when idle',
          );
        }
      }
      redisBack();
    } catch (err) {
      redisAway(err);
      return;
    }
    for (const [key, list] of [...idle]) {
      for (const it of [...list]) {
        if (!held.get(it.session)?.surplus) continue;
        unpool(key, it);
        void dispose(it.session);
      }
    }
  }

  let lastRenew = Date.now();
  let ticker: NodeJS.Timeout | undefined;
  const tick = async () => {
    // Sessions the device dropped while idle give their lease back now, not after idleMs.
    for (const [key, list] of [...idle]) {
      for (const it of [...list]) {
        if (it.session.alive) continue;
        unpool(key, it);
        void dispose(it.session);
      }
    }
    const renewEvery = redisAwaySince !== undefined ? 2_000 : leases!.ttlMs / 3;
    if (Date.now() - lastRenew >= renewEvery) {
      lastRenew = Date.now();
      await renewAll();
    }
    await handOver();
  };
  const schedule = () => {
    if (closed) return;
    ticker = setTimeout(() => {
      tick().then(schedule, (err: unknown) => {
        log.warn({ err }, 'session lease tick failed');
        schedule();
      });
    }, checkMs);
    ticker.unref();
  };
  if (leases) schedule();
  // Told at once when another worker begins to wait for a device of ours, rather than at the next
  // check: its wait is then the time to close one session (or finish the current command).
  leases?.onWanted((device) => {
    if (closed || redisAwaySince !== undefined) return;
    if (![...held.values()].some((h) => h.device === device)) return;
    void closeOneIdle(device).then((gone) => {
      if (!gone) wantedElsewhere.add(device);
    });
  });

  async function withSession<T>(
    device: Device,
    options: RunOptions | undefined,
    fn: (s: SshSession, v: VendorDefinition) => Promise<T>,
  ): Promise<T> {
    if (closed) throw new NetopsError(ErrorCode.INTERNAL, 'device service is closed');
    if (!device.enabled) {
      // Not transient: retrying a device someone switched off only delays the answer.
      throw new NetopsError(ErrorCode.DEVICE_DISABLED, `${device.name} is disabled in the inventory`, {
        context: { device: device.name },
      });
    }
    const vendor = getVendor(device.vendor);
    const signal = options?.signal;
    const releaseDevice = await slotFor(device.name).acquire(signal);
    let releaseGlobal: (() => void) | undefined;
    const key = poolKey(device);
    try {
      let session = takeIdle(key);
      const reused = session !== undefined;
      // A new session waits for a fleet-wide lease before it takes a global slot: a device busy
      // elsewhere must not hold up sessions to other devices.
      let lease: Lease | undefined;
      try {
        if (!session) lease = await leaseFor(device, signal);
        releaseGlobal = await global.acquire(signal);
      } catch (err) {
        if (session) park(key, session);
        if (lease) void releaseLease(lease);
        throw err;
      }
      active++;
      session ??= await openNew(device, vendor, lease, signal);
      try {
        const result = await fn(session, vendor);
        park(key, session);
        return result;
      } catch (err) {
        // A pooled session the device dropped while idle: one fresh try.
        if (reused && !session.alive && (err as NetopsError).code === ErrorCode.DEVICE_UNREACHABLE) {
          await dispose(session);
          session = await openNew(device, vendor, await leaseFor(device, signal), signal);
          const result = await fn(session, vendor);
          park(key, session);
          return result;
        }
        park(key, session);
        throw err;
      }
    } finally {
      if (releaseGlobal) {
        active--;
        releaseGlobal();
      }
      releaseDevice();
    }
  }

  async function runOn(device: Device, commands: string[], options?: RunOptions): Promise<CommandOutput[]> {
    const creds = await credentialsFor(device);
    const secrets = creds.flatMap((c) =>
      [c.password, c.enable, c.passphrase].filter((s): s is string => !!s),
    );
    return withSession(device, options, async (session, vendor) => {
      const out: CommandOutput[] = [];
      for (const command of commands) {
        const t0 = performance.now();
        const raw = await session.run(command, {
          ...(options?.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
          ...(options?.signal ? { signal: options.signal } : {}),
        });
        checkFailures(vendor, device.name, command, raw);
        out.push({ command, output: scrub(raw, secrets), durationMs: performance.now() - t0 });
      }
      return out;
    });
  }

  if (options.inventory) {
    options.inventory.on('change', (diff) => {
      for (const d of [...diff.removed, ...diff.changed]) void service.forget(d.name);
    });
  }

  const service: DeviceServiceImpl = {
    run: runOn,
    async runningConfig(device, opts) {
      const vendor = getVendor(device.vendor);
      const [r] = await runOn(device, [vendor.commands.runningConfig], opts);
      return r!.output;
    },
    async facts(device, opts) {
      const vendor = getVendor(device.vendor);
      const outs = await runOn(device, vendor.commands.version, opts);
      const v = vendor.parse.version(outs.map((o) => o.output).join('\n'));
      return { ...v, hostname: v.hostname || device.name, device: device.name, vendor: device.vendor };
    },
    async interfaces(device, opts) {
      const vendor = getVendor(device.vendor);
      const [r] = await runOn(device, [vendor.commands.interfaces], opts);
      return vendor.parse.interfaces(r!.output);
    },
    async neighbors(device, opts) {
      const vendor = getVendor(device.vendor);
      const cmds = [
        vendor.commands.bgpNeighbors,
        ...(vendor.commands.lldpNeighbors ? [vendor.commands.lldpNeighbors] : []),
      ];
      const outs = await runOn(device, cmds, opts);
      return [
        ...vendor.parse.bgpNeighbors(outs[0]!.output),
        ...(outs[1] && vendor.parse.lldpNeighbors ? vendor.parse.lldpNeighbors(outs[1].output) : []),
      ];
    },
    async forget(name) {
      const keys = [...idle.keys()].filter((k) => k === name || k.startsWith(`${name}|`));
      const list = keys.flatMap((k) => idle.get(k) ?? []);
      for (const k of keys) idle.delete(k);
      await Promise.all(
        list.map((it) => {
          clearTimeout(it.timer);
          return dispose(it.session);
        }),
      );
    },
    stats: () => ({
      active,
      idle: [...idle.values()].reduce((n, l) => n + l.length, 0),
      open: held.size,
    }),
    async close() {
      closed = true;
      clearTimeout(ticker);
      await Promise.all([...idle.keys()].map((k) => service.forget(k)));
      leases?.close();
    },
  };
  return service;
}
