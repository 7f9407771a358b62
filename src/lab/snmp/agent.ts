import { type Socket, createSocket } from 'node:dgram';
import type { SimVendor as Vendor } from '../vendors.js';
import { TAG, type Value, Writer, compareOid, decodeRequest, encodeOidTlv, parseOid } from './ber.js';
import {
  type SimDeviceModel,
  VENDOR_IDENTITY,
  buildDeviceModel,
  deviceGauges,
  discardsAtKnot,
  errorsAtKnot,
  hash01,
  integrate,
  rebootsBetween,
  utilAtKnot,
} from './model.js';

export interface SimNeighbour {
  /** Our port (ifIndex) the neighbour is seen on. */
  localIfIndex: number;
  sysName: string;
  portId: string;
  /** IPv4 management address the neighbour advertises. */
  manAddr: string;
  sysDescr?: string;
}

export interface SimDeviceSpec {
  name: string;
  vendor: Vendor;
  /** Interface count; defaults to 48. */
  interfaces?: number;
  /** Address to bind (any 127.x.y.z works on Linux without configuration); defaults to the lab's. */
  host?: string;
  port?: number;
  community?: string;
  /** False: an old agent with 32-bit counters only (no ifHC* columns). */
  hc?: boolean;
  neighbours?: SimNeighbour[];
  rebootPerDay?: number;
  /** 'near-wrap': 64-bit counters start just below 2^64 so the first minutes cross the wrap. */
  counterStart?: 'zero' | 'near-wrap';
  /** Link state by interface name, e.g. the CLI simulator's `linkUp(device, iface)`. */
  linkUp?: (ifName: string) => boolean;
}

/** What the SNMP side needs to mirror a CLI-simulated device (structurally `SimFacts` from src/lab/fleet). */
export interface FleetFacts {
  name: string;
  vendor: Vendor;
  interfaceCount: number;
  lldp?: { local: number; remoteName: string; remotePort: string }[];
}

/**
 * Agent specs that mirror the CLI fleet: same interface count and names, LLDP neighbours with
 * management addresses where the neighbour is itself in the lab (`hostFor`).
 */
export function fleetSnmpSpecs(
  fleet: readonly FleetFacts[],
  options: {
    hostFor: (name: string) => string | undefined;
    port?: number;
    linkUp?: (device: string, ifName: string) => boolean;
  },
): SimDeviceSpec[] {
  return fleet.map((f) => ({
    name: f.name,
    vendor: f.vendor,
    interfaces: f.interfaceCount,
    ...(options.hostFor(f.name) ? { host: options.hostFor(f.name) } : {}),
    ...(options.port ? { port: options.port } : {}),
    ...(options.linkUp ? { linkUp: (i: string) => options.linkUp!(f.name, i) } : {}),
    neighbours: (f.lldp ?? [])
      .filter((n) => n.local <= f.interfaceCount)
      .map((n) => ({
        localIfIndex: n.local,
        sysName: n.remoteName,
        portId: n.remotePort,
        manAddr: options.hostFor(n.remoteName) ?? '192.0.2.1',
      })),
  }));
}

export interface SnmpLabOptions {
  devices: SimDeviceSpec[];
  seed?: number;
  clock?: () => number;
  host?: string;
  port?: number;
  community?: string;
}

const W64 = 1n << 64n;
const W32 = 1n << 32n;
/** Accumulators per interface: in/out octets, in/out errors, in/out discards. */
const ACC = 6;

/** A simulated device: its model plus the counter state the agent advances lazily. */
export class SimDevice {
  readonly model: SimDeviceModel;
  readonly spec: SimDeviceSpec;
  bootAt: number;
  private tAcc: number;
  private acc: Float64Array;
  private offset: bigint[];
  readonly discontinuity: number[];
  private manualReboots: number[] = [];

  constructor(spec: SimDeviceSpec, seed: number, now: number) {
    this.spec = spec;
    this.model = buildDeviceModel(
      seed,
      spec.name,
      spec.vendor,
      spec.interfaces ?? 48,
      spec.rebootPerDay,
      spec.linkUp,
    );
    const n = this.model.interfaces.length;
    const past = rebootsBetween(this.model, now - 30 * 86_400_000, now);
    this.bootAt = past.length
      ? past[past.length - 1]!
      : now - Math.floor(hash01(this.model.key, 51) * 30 * 86_400_000);
    this.tAcc = now;
    this.acc = new Float64Array(n * ACC);
    // Counters of a box that has been up for weeks are not zero: start them somewhere plausible.
    // two per interface: in, out
    this.offset = this.model.interfaces.flatMap((i) =>
      [0, 1].map((dir) =>
        spec.counterStart === 'near-wrap'
          ? W64 - 50_000_000n - BigInt(i.ifIndex * 2 + dir)
          : BigInt(Math.floor(hash01(i.key, 52, dir) * 2 ** 40)),
      ),
    );
    this.discontinuity = new Array(n).fill(0);
  }

  /** Restart "now": uptime and counters go back to zero. */
  reboot(at: number): void {
    this.manualReboots.push(at);
  }

  /** `clear counters` on one interface: counters reset, ifCounterDiscontinuityTime moves. */
  clearCounters(ifIndex: number, now: number): void {
    this.advance(now);
    const r = ifIndex - 1;
    for (let k = 0; k < ACC; k++) this.acc[r * ACC + k] = 0;
    this.offset[2 * r] = 0n;
    this.offset[2 * r + 1] = 0n;
    this.discontinuity[r] = this.uptimeCs(now);
  }

  uptimeCs(now: number): number {
    this.advance(now);
    return Math.floor((now - this.bootAt) / 10) % 2 ** 32;
  }

  advance(now: number): void {
    if (now <= this.tAcc) return;
    const boots = [
      ...rebootsBetween(this.model, this.tAcc + 1, now + 1),
      ...this.manualReboots.filter((r) => r > this.tAcc && r <= now),
    ].sort((a, b) => a - b);
    this.manualReboots = this.manualReboots.filter((r) => r > now);
    for (const at of boots) {
      this.integrateTo(at);
      this.bootAt = at;
      this.acc.fill(0);
      this.offset = this.offset.map(() => 0n);
      this.discontinuity.fill(0);
    }
    this.integrateTo(now);
  }

  private integrateTo(t: number): void {
    if (t <= this.tAcc) return;
    const a = this.tAcc;
    this.model.interfaces.forEach((i, r) => {
      if (!i.operUp) return;
      const o = r * ACC;
      const bytes = i.speedBps / 8;
      this.acc[o]! += integrate((k) => utilAtKnot(i, k, 0) * bytes, a, t);
      this.acc[o + 1]! += integrate((k) => utilAtKnot(i, k, 1) * bytes, a, t);
      this.acc[o + 2]! += integrate((k) => errorsAtKnot(i, k, 0), a, t);
      this.acc[o + 3]! += integrate((k) => errorsAtKnot(i, k, 1), a, t);
      this.acc[o + 4]! += integrate((k) => discardsAtKnot(i, k, 0), a, t);
      this.acc[o + 5]! += integrate((k) => discardsAtKnot(i, k, 1), a, t);
    });
    this.tAcc = t;
  }

  /** Unwrapped counter value (the agent serves it modulo 2^32 or 2^64). */
  counter(
    row: number,
    which:
      | 'inOctets'
      | 'outOctets'
      | 'inPkts'
      | 'outPkts'
      | 'inErrors'
      | 'outErrors'
      | 'inDiscards'
      | 'outDiscards',
  ): bigint {
    const o = row * ACC;
    const i = this.model.interfaces[row]!;
    switch (which) {
      case 'inOctets':
        return this.offset[2 * row]! + BigInt(Math.floor(this.acc[o]!));
      case 'outOctets':
        return this.offset[2 * row + 1]! + BigInt(Math.floor(this.acc[o + 1]!));
      case 'inPkts':
        return this.offset[2 * row]! / BigInt(i.pktBytes) + BigInt(Math.floor(this.acc[o]! / i.pktBytes));
      case 'outPkts':
        return (
          this.offset[2 * row + 1]! / BigInt(i.pktBytes) + BigInt(Math.floor(this.acc[o + 1]! / i.pktBytes))
        );
      case 'inErrors':
        return BigInt(Math.floor(this.acc[o + 2]!));
      case 'outErrors':
        return BigInt(Math.floor(this.acc[o + 3]!));
      case 'inDiscards':
        return BigInt(Math.floor(this.acc[o + 4]!));
      case 'outDiscards':
        return BigInt(Math.floor(this.acc[o + 5]!));
    }
  }
}

interface Entry {
  oid: number[];
  tlv: Buffer;
  get: (d: SimDevice, now: number) => Value;
}

const str = (s: string): Value => ({ t: TAG.OCTET_STRING, v: Buffer.from(s) });
const c32 = (v: bigint): Value => ({ t: TAG.COUNTER32, v: Number(v % W32) });
const c64 = (v: bigint): Value => ({ t: TAG.COUNTER64, v: v % W64 });
const entry = (oid: string, get: Entry['get']): Entry => {
  const o = parseOid(oid);
  return { oid: o, tlv: encodeOidTlv(o), get };
};

/**
 * The interface part of the MIB has the same layout for every device of one shape (vendor, count,
 * hc): built once and shared; every getter reads the device it is called for.
 */
function interfaceEntries(count: number, hc: boolean): Entry[] {
  const out: Entry[] = [entry('1.3.6.1.2.1.2.1.0', () => ({ t: TAG.INTEGER, v: count }))];
  for (let r = 0; r < count; r++) {
    const x = r + 1;
    const spec = (d: SimDevice) => d.model.interfaces[r]!;
    const IF = (c: number, get: Entry['get']) => out.push(entry(`1.3.6.1.2.1.2.2.1.${c}.${x}`, get));
    const IFX = (c: number, get: Entry['get']) => out.push(entry(`1.3.6.1.2.1.31.1.1.1.${c}.${x}`, get));
    const counter =
      (which: Parameters<SimDevice['counter']>[1], wide: boolean): Entry['get'] =>
      (d, now) => {
        d.advance(now);
        return wide ? c64(d.counter(r, which)) : c32(d.counter(r, which));
      };
    IF(1, () => ({ t: TAG.INTEGER, v: x }));
    IF(2, (d) => str(spec(d).name));
    IF(3, () => ({ t: TAG.INTEGER, v: 6 }));
    IF(4, () => ({ t: TAG.INTEGER, v: 1500 }));
    IF(5, (d) => ({ t: TAG.GAUGE32, v: Math.min(spec(d).speedBps, 4294967295) }));
    IF(7, (d) => ({ t: TAG.INTEGER, v: spec(d).adminUp ? 1 : 2 }));
    IF(8, (d) => ({ t: TAG.INTEGER, v: spec(d).operUp ? 1 : 2 }));
    IF(10, counter('inOctets', false));
    IF(11, counter('inPkts', false));
    IF(13, counter('inDiscards', false));
    IF(14, counter('inErrors', false));
    IF(16, counter('outOctets', false));
    IF(17, counter('outPkts', false));
    IF(19, counter('outDiscards', false));
    IF(20, counter('outErrors', false));
    IFX(1, (d) => str(spec(d).name));
    if (hc) {
      IFX(6, counter('inOctets', true));
      IFX(7, counter('inPkts', true));
      IFX(10, counter('outOctets', true));
      IFX(11, counter('outPkts', true));
    }
    IFX(15, (d) => ({ t: TAG.GAUGE32, v: Math.round(spec(d).speedBps / 1e6) }));
    IFX(18, (d) => str(spec(d).alias));
    IFX(19, (d) => ({ t: TAG.TIMETICKS, v: d.discontinuity[r]! }));
  }
  return out;
}

function deviceEntries(d: SimDevice): Entry[] {
  const id = VENDOR_IDENTITY[d.spec.vendor];
  const out: Entry[] = [
    entry('1.3.6.1.2.1.1.1.0', () => str(id.descr(d.spec.name))),
    entry('1.3.6.1.2.1.1.2.0', () => ({ t: TAG.OID, v: parseOid(id.objectId) })),
    entry('1.3.6.1.2.1.1.3.0', (dev, now) => ({ t: TAG.TIMETICKS, v: dev.uptimeCs(now) })),
    entry('1.3.6.1.2.1.1.4.0', () => str('noc@example.net')),
    entry('1.3.6.1.2.1.1.5.0', () => str(d.spec.name)),
    entry('1.3.6.1.2.1.1.6.0', () => str('lab')),
    entry('1.3.6.1.2.1.25.2.3.1.2.1', () => ({ t: TAG.OID, v: parseOid('1.3.6.1.2.1.25.2.1.2') })),
    entry('1.3.6.1.2.1.25.2.3.1.3.1', () => str('Physical memory')),
    entry('1.3.6.1.2.1.25.2.3.1.4.1', () => ({ t: TAG.INTEGER, v: 1024 })),
    entry('1.3.6.1.2.1.25.2.3.1.5.1', () => ({ t: TAG.INTEGER, v: 8_388_608 })),
    entry('1.3.6.1.2.1.25.2.3.1.6.1', (dev, now) => ({
      t: TAG.INTEGER,
      v: Math.round((8_388_608 * deviceGauges(dev.model, now).mem) / 100),
    })),
    entry('1.3.6.1.2.1.25.3.3.1.2.1', (dev, now) => ({
      t: TAG.INTEGER,
      v: deviceGauges(dev.model, now).cpu,
    })),
  ];
  for (const i of d.model.interfaces)
    out.push(entry(`1.0.8802.1.1.2.1.3.7.1.3.${i.ifIndex}`, () => str(i.name)));
  for (const n of d.spec.neighbours ?? []) {
    const idx = `0.${n.localIfIndex}.1`;
    const mac = Buffer.from([
      0x02,
      0,
      ...Buffer.from(n.sysName)
        .subarray(0, 4)
        .toString('hex')
        .padEnd(8, '0')
        .match(/../g)!
        .map((h) => Number.parseInt(h, 16)),
    ]);
    const rem = (c: number, v: Value) => out.push(entry(`1.0.8802.1.1.2.1.4.1.1.${c}.${idx}`, () => v));
    rem(4, { t: TAG.INTEGER, v: 4 });
    rem(5, { t: TAG.OCTET_STRING, v: mac });
    rem(6, { t: TAG.INTEGER, v: 5 });
    rem(7, str(n.portId));
    rem(8, str(n.portId));
    rem(9, str(n.sysName));
    rem(10, str(n.sysDescr ?? ''));
    const addr = `${idx}.1.4.${n.manAddr}`;
    out.push(entry(`1.0.8802.1.1.2.1.4.2.1.3.${addr}`, () => ({ t: TAG.INTEGER, v: 2 })));
    out.push(entry(`1.0.8802.1.1.2.1.4.2.1.4.${addr}`, () => ({ t: TAG.INTEGER, v: 0 })));
  }
  return out;
}

const templates = new Map<string, Entry[]>();

function mibFor(d: SimDevice): Entry[] {
  const shapeKey = `${d.spec.vendor}|${d.model.interfaces.length}|${d.spec.hc !== false}`;
  let shared = templates.get(shapeKey);
  if (!shared) {
    shared = interfaceEntries(d.model.interfaces.length, d.spec.hc !== false);
    templates.set(shapeKey, shared);
  }
  return [...shared, ...deviceEntries(d)].sort((a, b) => compareOid(a.oid, b.oid));
}

/** Index of the first entry whose OID is > oid (getNext), or === oid when `exact`. */
function search(mib: Entry[], oid: number[], exact: boolean): number {
  let lo = 0;
  let hi = mib.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const c = compareOid(mib[mid]!.oid, oid);
    if (c < 0 || (!exact && c === 0)) lo = mid + 1;
    else hi = mid;
  }
  if (exact) return lo < mib.length && compareOid(mib[lo]!.oid, oid) === 0 ? lo : -1;
  return lo;
}

/** Largest response we build; beyond it GetBulk answers with fewer rows, as real agents do. */
const MAX_RESPONSE = 60_000;

export function respond(
  w: Writer,
  mib: Entry[],
  d: SimDevice,
  req: ReturnType<typeof decodeRequest>,
  now: number,
): Buffer {
  w.reset();
  const msg = w.open(TAG.SEQUENCE);
  w.int(TAG.INTEGER, req.version);
  w.value({ t: TAG.OCTET_STRING, v: req.community });
  const pdu = w.open(TAG.RESPONSE);
  w.raw(req.reqIdTlv);
  w.int(TAG.INTEGER, 0);
  w.int(TAG.INTEGER, 0);
  const list = w.open(TAG.SEQUENCE);
  const vb = (idx: number, oid: number[], missing: Value) => {
    const s = w.open(TAG.SEQUENCE);
    if (idx >= 0 && idx < mib.length) {
      const e = mib[idx]!;
      w.raw(e.tlv);
      w.value(e.get(d, now));
    } else {
      w.raw(encodeOidTlv(oid));
      w.value(missing);
    }
    w.close(s);
  };
  const END: Value = { t: TAG.END_OF_MIB_VIEW };
  if (req.pdu === TAG.GET) {
    for (const oid of req.oids) vb(search(mib, oid, true), oid, { t: TAG.NO_SUCH_OBJECT });
  } else if (req.pdu === TAG.GET_NEXT) {
    for (const oid of req.oids) vb(search(mib, oid, false), oid, END);
  } else {
    const n = Math.max(0, Math.min(req.nonRepeaters, req.oids.length));
    for (let i = 0; i < n; i++) vb(search(mib, req.oids[i]!, false), req.oids[i]!, END);
    const reps = req.oids.slice(n);
    const cur = reps.map((o) => search(mib, o, false));
    const maxRep = Math.max(0, Math.min(req.maxRepetitions, 10_000));
    outer: for (let r = 0; r < maxRep && reps.length; r++) {
      let live = false;
      for (let j = 0; j < reps.length; j++) {
        if (w.pos > MAX_RESPONSE) break outer;
        const idx = cur[j]!;
        vb(idx, reps[j]!, END);
        if (idx < mib.length) live = true;
        cur[j] = Math.min(idx + 1, mib.length);
      }
      if (!live) break;
    }
  }
  w.close(list);
  w.close(pdu);
  w.close(msg);
  return Buffer.from(w.buf.subarray(0, w.pos));
}

export interface SnmpLab {
  devices: SimDevice[];
  endpoint(name: string): { host: string; port: number };
  device(name: string): SimDevice;
  /** Requests answered since start. */
  stats(): { requests: number; dropped: number };
  close(): Promise<void>;
}

/**
 * Starts one SNMPv2c agent per simulated device, each on its own UDP socket (a device is an
 * address, as on a real network: discovery and LLDP see distinct management addresses when each
 * device binds its own 127.x.y.z). Requests with the wrong community are dropped, like snmpd does.
 */
export async function startSnmpLab(options: SnmpLabOptions): Promise<SnmpLab> {
  const clock = options.clock ?? Date.now;
  const seed = options.seed ?? 1;
  const now = clock();
  const w = new Writer();
  const sockets: Socket[] = [];
  const byName = new Map<string, { dev: SimDevice; host: string; port: number }>();
  let requests = 0;
  let dropped = 0;
  try {
    for (const spec of options.devices) {
      const dev = new SimDevice(spec, seed, now);
      const mib = mibFor(dev);
      const community = Buffer.from(spec.community ?? options.community ?? 'public');
      const sock = createSocket('udp4');
      sock.on('message', (msg, rinfo) => {
        let req: ReturnType<typeof decodeRequest>;
        try {
          req = decodeRequest(msg);
        } catch {
          dropped++;
          return;
        }
        if (!req.community.equals(community) || req.version !== 1) {
          dropped++;
          return;
        }
        requests++;
        sock.send(respond(w, mib, dev, req, clock()), rinfo.port, rinfo.address);
      });
      sock.on('error', () => {});
      const host = spec.host ?? options.host ?? '127.0.0.1';
      await new Promise<void>((resolve, reject) => {
        sock.once('error', reject);
        sock.bind(spec.port ?? options.port ?? 0, host, () => {
          sock.off('error', reject);
          resolve();
        });
      });
      sockets.push(sock);
      byName.set(spec.name, { dev, host, port: sock.address().port });
    }
  } catch (err) {
    for (const s of sockets) s.close();
    throw err;
  }
  return {
    devices: [...byName.values()].map((x) => x.dev),
    endpoint(name) {
      const x = byName.get(name);
      if (!x) throw new Error(`no simulated device ${name}`);
      return { host: x.host, port: x.port };
    },
    device(name) {
      const x = byName.get(name);
      if (!x) throw new Error(`no simulated device ${name}`);
      return x.dev;
    },
    stats: () => ({ requests, dropped }),
    async close() {
      await Promise.all(sockets.map((s) => new Promise<void>((r) => s.close(() => r()))));
    },
  };
}
