import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import ssh2, { type Connection, type Server as Ssh2Server, type ServerConfig } from 'ssh2';
import type { Device } from '../../config.js';
import type { SimVendor as Vendor } from '../vendors.js';
import { IosCli } from './cli-ios.js';
import { JunosCli } from './cli-junos.js';
import { LinuxCli } from './cli-linux.js';
import { SimDevice, type SyslogEvent } from './device.js';
import { applyIosConfigLine, type Cursor } from './ios-config.js';
import { applyJunosEdit } from './junos-config.js';
import { createRng } from './rng.js';
import type { LineTerminal, TerminalIo } from './terminal.js';

// ssh2 is CommonJS: named imports of values do not survive ESM interop.
const { Server, utils } = ssh2;

/**
 * A simulated multi-vendor fleet: one ssh2 Server per device on a loopback port, each speaking its
 * vendor's CLI. Many devices share one process (the 500-device bench runs here).
 */

export interface SimUser {
  username: string;
  password?: string;
  /** OpenSSH public key line for key auth. */
  publicKey?: string;
}

export interface FleetDeviceSpec {
  name: string;
  vendor: Vendor;
  seed?: number | string;
  /** Extra accounts (the default `netops` account is always there). */
  users?: SimUser[];
  /** Private host key (OpenSSH/PEM); the fleet key otherwise. */
  hostKey?: string;
  /** Speak only old algorithms (sha1 kex, CBC ciphers, ssh-rsa): for the legacy profile. */
  legacyOnly?: boolean;
  /** Pad the running config to about this many lines. */
  configLines?: number;
  /** Enable secret; null = no secret asked. Defaults to a seeded secret on IOS-XE/EOS. */
  enableSecret?: string | null;
}

export interface StartFleetOptions {
  devices: FleetDeviceSpec[];
  /** Private host key shared by devices that have none of their own. Generated when absent. */
  hostKey?: string;
  host?: string;
  clock?: () => Date;
  minuteMs?: number;
  slowMs?: number;
  onSyslog?: (ev: SyslogEvent) => void;
}

export interface FleetCredential {
  username: string;
  password: string;
  enable?: string;
}

export interface FleetDevice {
  name: string;
  vendor: Vendor;
  host: string;
  port: number;
  credential: FleetCredential;
  /** `SHA256:…` of the host key this device presents. */
  hostKeyFingerprint: string;
  /** base64 of the public key blob (what an inventory `hostKey` pin may hold). */
  hostKeyBlob: string;
  sim: SimDevice;
  /**
   * Open interactive shells right now, and the most seen at once; the same for SSH connections
   * (what takes a vty line on a real device, from the TCP accept until it closes).
   */
  stats(): { shells: number; maxShells: number; logins: number; connections: number; maxConnections: number };
  /** Applies configuration lines as if typed in config mode (Junos: set/delete + commit). */
  configure(lines: string[], user?: string): void;
  setRunningConfig(text: string, user?: string): void;
  runningConfig(): string;
  onSyslog(listener: (ev: SyslogEvent) => void): () => void;
  /** Restarts the SSH server on the same port, e.g. with a new host key. */
  restart(options?: { hostKey?: string }): Promise<void>;
  /** Drops every open connection (a reboot, a flapping link). */
  dropConnections(): void;
}

export interface Fleet {
  devices: FleetDevice[];
  get(name: string): FleetDevice;
  /** Inventory entries for these devices, naming `credential` (credentials are resolved elsewhere). */
  inventory(credential: string, extra?: Partial<Device>): Device[];
  /** Env entries `NETOPS_CRED_<NAME>_*` for a credential every device accepts (the shared lab account). */
  stop(): Promise<void>;
}

export function generateHostKey(type: 'ed25519' | 'rsa' = 'ed25519'): {
  privateKey: string;
  publicKey: string;
} {
  const k =
    type === 'rsa' ? utils.generateKeyPairSync('rsa', { bits: 2048 }) : utils.generateKeyPairSync('ed25519');
  return { privateKey: k.private, publicKey: k.public };
}

function publicBlob(privateKey: string): Buffer {
  const parsed = utils.parseKey(privateKey);
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!key || key instanceof Error) throw new Error('invalid host key');
  return key.getPublicSSH();
}

export const LAB_USERNAME = 'netops';

/** The lab account's password for a device: deterministic, so every process of the lab agrees. */
export function labPassword(seed: number | string = 'lab'): string {
  return `lab-${createRng(`pw:${seed}`).hex(12)}`;
}

function verifyPublicKey(
  ctx: { key: { algo: string; data: Buffer }; signature?: Buffer; blob?: Buffer; hashAlgo?: string },
  publicKey: string,
): boolean {
  const parsed = utils.parseKey(publicKey);
  const pk = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!pk || pk instanceof Error) return false;
  if (ctx.key.algo !== pk.type || !ctx.key.data.equals(pk.getPublicSSH())) return false;
  if (!ctx.signature || !ctx.blob) return true;
  return pk.verify(ctx.blob, ctx.signature, ctx.hashAlgo as never) === true;
}

const LEGACY_SERVER_ALGORITHMS: ServerConfig['algorithms'] = {
  kex: ['diffie-hellman-group14-sha1'],
  cipher: ['aes128-cbc'],
  serverHostKey: ['ssh-rsa'],
  hmac: ['hmac-sha1'],
};

export async function startFleet(options: StartFleetOptions): Promise<Fleet> {
  const host = options.host ?? '127.0.0.1';
  const fleetKey = options.hostKey ?? generateHostKey().privateKey;
  const started = await Promise.all(
    options.devices.map((spec) => startDevice(spec, fleetKey, host, options)),
  );
  const byName = new Map(started.map((d) => [d.name, d]));
  return {
    devices: started,
    get(name) {
      const d = byName.get(name);
      if (!d) throw new Error(`no simulated device ${name}`);
      return d;
    },
    inventory(credential, extra = {}) {
      return started.map((d) => ({
        name: d.name,
        vendor: d.vendor,
        host: d.host,
        port: d.port,
        credential,
        tags: [],
        legacyAlgorithms: false,
        enabled: true,
        ...extra,
      }));
    },
    async stop() {
      await Promise.all(started.map((d) => (d as FleetDeviceInternal).stop()));
    },
  };
}

interface FleetDeviceInternal extends FleetDevice {
  stop(): Promise<void>;
}

async function startDevice(
  spec: FleetDeviceSpec,
  fleetKey: string,
  host: string,
  o: StartFleetOptions,
): Promise<FleetDeviceInternal> {
  const seed = spec.seed ?? spec.name;
  const sim = new SimDevice({
    name: spec.name,
    vendor: spec.vendor,
    seed,
    ...(o.clock ? { clock: o.clock } : {}),
    ...(o.minuteMs ? { minuteMs: o.minuteMs } : {}),
    ...(o.slowMs ? { slowMs: o.slowMs } : {}),
    ...(spec.configLines ? { configLines: spec.configLines } : {}),
  });
  if (o.onSyslog) sim.onSyslog(o.onSyslog);
  const password = labPassword(seed);
  const enable =
    spec.enableSecret === null
      ? undefined
      : (spec.enableSecret ??
        (spec.vendor === 'cisco_iosxe' || spec.vendor === 'arista_eos'
          ? `en-${createRng(`en:${seed}`).hex(8)}`
          : undefined));
  const users: SimUser[] = [{ username: LAB_USERNAME, password }, ...(spec.users ?? [])];
  let hostKey = spec.hostKey ?? (spec.legacyOnly ? generateHostKey('rsa').privateKey : fleetKey);
  let server: Ssh2Server | undefined;
  let port = 0;
  const conns = new Set<Connection>();
  let shells = 0;
  let maxShells = 0;
  let logins = 0;
  let maxConns = 0;

  const makeCli = (io: TerminalIo, user: string): LineTerminal => {
    if (spec.vendor === 'juniper_junos') return new JunosCli(io, sim, user);
    if (spec.vendor === 'linux') return new LinuxCli(io, sim, user);
    return new IosCli(io, sim, user, enable);
  };

  const banner =
    spec.vendor === 'linux' || spec.vendor === 'frr'
      ? spec.vendor === 'frr'
        ? '\nHello, this is FRRouting (version 8.4.4).\nCopyright 1996-2005 Kunihiro Ishiguro, et al.\n'
        : 'Linux 6.1.0-18-amd64 #1 SMP Debian x86_64\n\nLast login: Wed Nov 25 09:00:00 2026 from 10.0.0.5'
      : spec.vendor === 'juniper_junos'
        ? '--- JUNOS 21.4R3-S2.3 Kernel 64-bit  JNPR-12.1-20230414.2d0ff2d_buil'
        : '\n*****************************************************\n*  Authorized access only. All activity is logged.  *\n*  Disconnect now if you are not authorized >       *\n*****************************************************\n';

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const config: ServerConfig = { hostKeys: [hostKey], banner: 'Authorized access only\n' };
      if (spec.legacyOnly) config.algorithms = LEGACY_SERVER_ALGORITHMS;
      server = new Server(config, (client) => {
        conns.add(client);
        maxConns = Math.max(maxConns, conns.size);
        // A CLI writes echo, output and prompt separately; Nagle plus delayed ACKs would add ~40 ms to each.
        (client as Connection & { setNoDelay(v: boolean): void }).setNoDelay(true);
        let user = '';
        client.on('close', () => conns.delete(client));
        client.on('error', () => conns.delete(client));
        client.on('authentication', (ctx) => {
          const u = users.find((x) => x.username === ctx.username);
          const methods = ['password', 'publickey', 'keyboard-interactive'] as const;
          if (!u) return ctx.reject([...methods]);
          if (ctx.method === 'password') {
            if (u.password !== undefined && ctx.password === u.password) {
              user = u.username;
              return ctx.accept();
            }
            return ctx.reject([...methods]);
          }
          if (ctx.method === 'publickey') {
            if (u.publicKey && verifyPublicKey(ctx, u.publicKey)) {
              user = u.username;
              return ctx.accept();
            }
            return ctx.reject([...methods]);
          }
          if (ctx.method === 'keyboard-interactive') {
            return ctx.prompt([{ prompt: 'Password: ', echo: false }], (answers) => {
              if (u.password !== undefined && answers[0] === u.password) {
                user = u.username;
                ctx.accept();
              } else ctx.reject([...methods]);
            });
          }
          return ctx.reject([...methods]);
        });
        client.on('ready', () => {
          logins++;
          client.on('session', (accept) => {
            const session = accept();
            session.on('pty', (acc) => acc?.());
            session.on('window-change', (acc) => acc?.());
            session.on('env', (acc) => acc?.());
            session.on('exec', (_acc, rej) => rej?.());
            session.on('shell', (acc) => {
              const stream = acc();
              shells++;
              maxShells = Math.max(maxShells, shells);
              let open = true;
              const done = () => {
                if (!open) return;
                open = false;
                shells--;
              };
              stream.on('close', done);
              const io: TerminalIo = {
                write: (s) => {
                  if (open && stream.writable) stream.write(s);
                },
                end: () => {
                  done();
                  try {
                    stream.exit(0);
                    stream.end();
                  } catch {
                    // already closed
                  }
                },
              };
              const cli = makeCli(io, user);
              stream.on('data', (d: Buffer) => cli.onData(d.toString('utf8')));
              cli.start(banner);
            });
          });
        });
      });
      server.on('error', reject);
      server.listen(port, host, () => {
        port = (server!.address() as AddressInfo).port;
        resolve();
      });
    });

  await listen();
  const blob = () => publicBlob(hostKey);

  const handle: FleetDeviceInternal = {
    name: spec.name,
    vendor: spec.vendor,
    host,
    get port() {
      return port;
    },
    credential: { username: LAB_USERNAME, password, ...(enable ? { enable } : {}) },
    get hostKeyFingerprint() {
      return `SHA256:${createHash('sha256').update(blob()).digest('base64').replace(/=+$/, '')}`;
    },
    get hostKeyBlob() {
      return blob().toString('base64');
    },
    sim,
    stats: () => ({ shells, maxShells, logins, connections: conns.size, maxConnections: maxConns }),
    configure(lines, user = 'lab') {
      if (spec.vendor === 'juniper_junos') {
        const candidate = [...sim.junosActive];
        for (const l of lines) applyJunosEdit(candidate, l);
        sim.junosHistory.unshift(candidate);
      } else {
        let cursor: Cursor = { block: null, family: null };
        for (const l of lines) {
          const r = applyIosConfigLine(spec.vendor, sim.body, cursor, l);
          if (!r.ok) throw new Error(`simulated ${spec.vendor} rejected "${l}"`);
          cursor = r.cursor;
        }
      }
      sim.touched(user);
    },
    setRunningConfig: (text, user) => sim.setRunningConfig(text, user),
    runningConfig: () => sim.runningConfig(),
    onSyslog: (l) => sim.onSyslog(l),
    dropConnections() {
      for (const c of conns) c.end();
      conns.clear();
    },
    async restart(opts = {}) {
      handle.dropConnections();
      await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
      if (opts.hostKey) hostKey = opts.hostKey;
      await listen();
    },
    async stop() {
      sim.stop();
      handle.dropConnections();
      await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    },
  };
  return handle;
}
