import type { Device } from './types.js';
import { ErrorCode, NetopsError } from '../errors.js';
import { type Logger, silentLogger } from '../log.js';
import type { SshCredentialSource } from './credentials.js';
import { Semaphore } from './limiter.js';
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
    /** Sessions per device (default 2): most network OSes allow few vty lines. */
    perDevice?: number;
  };
  timeouts?: {
    connectMs?: number;
    /** Overrides the vendor default per-command timeout. */
    commandMs?: number;
    /** Idle sessions are closed after this long (default 60 s). */
    idleMs?: number;
    keepaliveMs?: number;
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
  stats(): { active: number; idle: number };
}

interface Idle {
  session: SshSession;
  timer: NodeJS.Timeout;
}

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
  let active = 0;
  let closed = false;

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

  function takeIdle(name: string): SshSession | undefined {
    const list = idle.get(name);
    while (list?.length) {
      const it = list.pop()!;
      clearTimeout(it.timer);
      if (it.session.alive) return it.session;
    }
    return undefined;
  }

  function park(name: string, session: SshSession): void {
    if (closed || !session.alive) {
      void session.close();
      return;
    }
    const list = idle.get(name) ?? [];
    idle.set(name, list);
    const it: Idle = {
      session,
      timer: setTimeout(() => {
        const i = list.indexOf(it);
        if (i !== -1) list.splice(i, 1);
        void session.close();
      }, idleMs),
    };
    it.timer.unref();
    list.push(it);
  }

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
    const releaseDevice = await slotFor(device.name).acquire(options?.signal);
    let releaseGlobal: (() => void) | undefined;
    try {
      releaseGlobal = await global.acquire(options?.signal);
      active++;
      const key = poolKey(device);
      let session = takeIdle(key);
      const reused = session !== undefined;
      session ??= await openFor(device, vendor, options?.signal);
      try {
        const result = await fn(session, vendor);
        park(key, session);
        return result;
      } catch (err) {
        // A pooled session the device dropped while idle: one fresh try.
        if (reused && !session.alive && (err as NetopsError).code === ErrorCode.DEVICE_UNREACHABLE) {
          session = await openFor(device, vendor, options?.signal);
          const result = await fn(session, vendor);
          park(key, session);
          return result;
        }
        if (session.alive) park(key, session);
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
          return it.session.close();
        }),
      );
    },
    stats: () => ({ active, idle: [...idle.values()].reduce((n, l) => n + l.length, 0) }),
    async close() {
      closed = true;
      await Promise.all([...idle.keys()].map((k) => service.forget(k)));
    },
  };
  return service;
}
