/**
 * Deterministic traffic model for the simulated fleet. Everything is a pure function of
 * (seed, device, interface, time): the agents integrate it into counters, the backfill writes its
 * averages straight into `samples`, and tests compare what the poller measured with it.
 *
 * Rates are piecewise linear between one-minute knots, so a counter's growth over any interval
 * is an exact trapezoid sum and the agent can advance counters cheaply on each request.
 */
import type { SimVendor as Vendor } from '../vendors.js';

export const KNOT_MS = 60_000;
const DAY_MS = 86_400_000;

/** 32-bit mix of integers → [0, 1). Small and fast; quality is ample for a traffic simulator. */
export function hash01(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const p of parts) {
    h = Math.imul(h ^ (p | 0), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return (h >>> 0) / 4294967296;
}

export function hashString(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h | 0;
}

/** Interface names as each vendor's CLI prints them (the CLI simulator uses the same convention). */
export function simInterfaces(vendor: Vendor, count: number): string[] {
  const names: Record<Vendor, (i: number) => string> = {
    cisco_iosxe: (i) => `GigabitEthernet1/0/${i + 1}`,
    cisco_nxos: (i) => `Ethernet1/${i + 1}`,
    arista_eos: (i) => `Ethernet${i + 1}`,
    juniper_junos: (i) => `ge-0/0/${i}`,
    frr: (i) => `eth${i}`,
    linux: (i) => `eth${i}`,
  };
  return Array.from({ length: count }, (_, i) => names[vendor](i));
}

/** sysObjectID and sysDescr per vendor, as real boxes answer them (discovery maps them back). */
export const VENDOR_IDENTITY: Record<
  Vendor,
  { objectId: string; descr: (name: string) => string; speedBps: number }
> = {
  cisco_iosxe: {
    objectId: '1.3.6.1.4.1.9.1.2494',
    descr: () =>
      'Cisco IOS Software [Amsterdam], Catalyst L3 Switch Software (CAT9K_IOSXE), Version 17.3.4, RELEASE SOFTWARE (fc3)',
    speedBps: 1e9,
  },
  cisco_nxos: {
    objectId: '1.3.6.1.4.1.9.12.3.1.3.1812',
    descr: () => 'Cisco NX-OS(tm) nxos.9.3.8.bin, Software (nxos), Version 9.3(8), RELEASE SOFTWARE',
    speedBps: 1e10,
  },
  arista_eos: {
    objectId: '1.3.6.1.4.1.30065.1.3011.7050.3741.64',
    descr: () => 'Arista Networks EOS version 4.28.3M running on an Arista Networks DCS-7050SX3-48YC8',
    speedBps: 1e10,
  },
  juniper_junos: {
    objectId: '1.3.6.1.4.1.2636.1.1.1.2.29',
    descr: () => 'Juniper Networks, Inc. mx240 internet router, kernel JUNOS 21.4R3-S2.3',
    speedBps: 1e9,
  },
  frr: {
    objectId: '1.3.6.1.4.1.8072.3.2.10',
    descr: (n) => `Linux ${n} 6.1.0-18-amd64 #1 SMP Debian x86_64 (FRRouting 8.4.4)`,
    speedBps: 1e10,
  },
  linux: {
    objectId: '1.3.6.1.4.1.8072.3.2.10',
    descr: (n) => `Linux ${n} 6.1.0-18-amd64 #1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 x86_64`,
    speedBps: 1e10,
  },
};

export interface SimInterfaceSpec {
  ifIndex: number;
  name: string;
  alias: string;
  speedBps: number;
  adminUp: boolean;
  operUp: boolean;
  /** Mean utilisation at the daily peak, 0..1. */
  peak: number;
  /** Average packet size in bytes (packets = octets / this). */
  pktBytes: number;
  key: number;
}

export interface SimDeviceModel {
  name: string;
  vendor: Vendor;
  key: number;
  seed: number;
  interfaces: SimInterfaceSpec[];
  /** Probability of a reboot on a given day. */
  rebootPerDay: number;
}

export function buildDeviceModel(
  seed: number,
  name: string,
  vendor: Vendor,
  count: number,
  rebootPerDay = 0.02,
  /** Link state from elsewhere (the CLI simulator's), so `show interfaces` and SNMP agree. */
  linkUp?: (ifName: string) => boolean,
): SimDeviceModel {
  const key = hashString(name) ^ seed;
  const base = VENDOR_IDENTITY[vendor].speedBps;
  const interfaces = simInterfaces(vendor, count).map((n, i): SimInterfaceSpec => {
    const k = hashString(n) ^ key;
    const adminUp = hash01(k, 1) > 0.03;
    // the last two ports are uplinks: ten times faster, always up, busier
    const uplink = count > 4 && i >= count - 2;
    return {
      ifIndex: i + 1,
      name: n,
      alias: uplink ? `uplink ${i - count + 3}` : hash01(k, 2) < 0.5 ? `access port ${i + 1}` : '',
      speedBps: uplink ? base * 10 : base,
      adminUp: adminUp || uplink,
      operUp: linkUp ? (adminUp || uplink) && linkUp(n) : uplink || (adminUp && hash01(k, 3) > 0.08),
      peak: uplink ? 0.35 + 0.4 * hash01(k, 4) : 0.02 + 0.5 * hash01(k, 4) ** 2,
      pktBytes: 300 + Math.floor(1100 * hash01(k, 5)),
      key: k,
    };
  });
  return { name, vendor, key, seed, interfaces, rebootPerDay };
}

/** Daily shape: quiet at night, peak mid-afternoon (UTC), weekends at 60 %. */
function diurnal(tMs: number): number {
  const hour = (tMs % DAY_MS) / 3_600_000;
  const day = Math.floor(tMs / DAY_MS);
  // 1970-01-01 was a Thursday: (day + 4) % 7 counts from Sunday (0) to Saturday (6).
  const dow = (day + 4) % 7;
  const weekend = dow === 0 || dow === 6;
  const shape = 0.15 + 0.85 * (0.5 - 0.5 * Math.cos((2 * Math.PI * (hour - 3)) / 24)) ** 1.5;
  return weekend ? shape * 0.6 : shape;
}

/** Utilisation (0..1 of speed) at a knot, direction 0 = in, 1 = out. */
/** The model's interfaces as the `interfaces` table holds them (names, speeds, states). */
export function modelInterfaceRows(m: SimDeviceModel) {
  return m.interfaces.map((i) => ({
    ifIndex: i.ifIndex,
    name: i.name,
    alias: i.alias,
    speedBps: i.speedBps,
    operStatus: i.operUp ? ('up' as const) : ('down' as const),
    adminStatus: i.adminUp ? ('up' as const) : ('down' as const),
  }));
}

export function utilAtKnot(i: SimInterfaceSpec, knot: number, dir: 0 | 1): number {
  if (!i.operUp) return 0;
  const t = knot * KNOT_MS;
  const noise = 0.85 + 0.3 * hash01(i.key, knot, dir, 11);
  const level = levelAt(i, t);
  const spike = spikeAtKnot(i, knot);
  const asym = dir === 0 ? 1 : 0.55 + 0.4 * hash01(i.key, 15);
  return Math.min(0.97, i.peak * diurnal(t) * noise * level * spike * asym);
}

/** The port's level at `tMs`, 0.7–1.3: it shifts every 3 days (UTC midnights), for good. */
export function levelAt(i: SimInterfaceSpec, tMs: number): number {
  return 0.7 + 0.6 * hash01(i.key, Math.floor(tMs / (3 * DAY_MS)), 12);
}

/**
 * The model's own occasional spikes: 2–4× the traffic for a 10-minute slot, on 0.4 % of slots (1
 * otherwise). Real events that the analysis may report; tests tell them from false alarms with it.
 */
export function spikeAtKnot(i: SimInterfaceSpec, knot: number): number {
  const slot = Math.floor(knot / 10);
  return hash01(i.key, slot, 13) < 0.004 ? 2 + 2 * hash01(i.key, slot, 14) : 1;
}

/** Errors per second at a knot: ~0, with occasional bursts lasting a quarter of an hour. */
export function errorsAtKnot(i: SimInterfaceSpec, knot: number, dir: 0 | 1): number {
  if (!i.operUp) return 0;
  const slot = Math.floor(knot / 15);
  return hash01(i.key, slot, dir, 21) < 0.003 ? 5 + 200 * hash01(i.key, slot, 22) : 0;
}

/** Discards per second: the output queue drops when the port runs hot. */
export function discardsAtKnot(i: SimInterfaceSpec, knot: number, dir: 0 | 1): number {
  return discardsAt(i, utilAtKnot(i, knot, dir));
}

/** Discards per second at utilisation `u` (utilAtKnot's). */
export function discardsAt(i: SimInterfaceSpec, u: number): number {
  return u > 0.8 ? ((u - 0.8) * i.speedBps * 0.02) / 8 / i.pktBytes : 0;
}

export type RateFn = (i: SimInterfaceSpec, knot: number, dir: 0 | 1) => number;

/** ∫ rate dt over [a, b] ms, in units (rate per second × seconds), for a piecewise-linear rate. */
export function integrate(fn: (knot: number) => number, aMs: number, bMs: number): number {
  if (bMs <= aMs) return 0;
  let total = 0;
  let t = aMs;
  while (t < bMs) {
    const k = Math.floor(t / KNOT_MS);
    const kEnd = (k + 1) * KNOT_MS;
    const u = Math.min(bMs, kEnd);
    const r0 = fn(k);
    const r1 = fn(k + 1);
    const at = (x: number) => r0 + ((r1 - r0) * (x - k * KNOT_MS)) / KNOT_MS;
    total += ((at(t) + at(u)) / 2) * ((u - t) / 1000);
    t = u;
  }
  return total;
}

/** Average bytes/s in or out over [a, b]. */
export function avgOctetRate(i: SimInterfaceSpec, dir: 0 | 1, aMs: number, bMs: number): number {
  return integrate((k) => (utilAtKnot(i, k, dir) * i.speedBps) / 8, aMs, bMs) / ((bMs - aMs) / 1000);
}

/** Reboot instants of a device within [a, b) (at most one per day). */
export function rebootsBetween(d: SimDeviceModel, aMs: number, bMs: number): number[] {
  const out: number[] = [];
  for (let day = Math.floor(aMs / DAY_MS); day * DAY_MS < bMs; day++) {
    if (hash01(d.key, day, 31) >= d.rebootPerDay) continue;
    const at = day * DAY_MS + Math.floor(hash01(d.key, day, 32) * DAY_MS);
    if (at >= aMs && at < bMs) out.push(at);
  }
  return out;
}

/** CPU % and memory % of a device at time t: follows the traffic shape a little. */
export function deviceGauges(d: SimDeviceModel, tMs: number): { cpu: number; mem: number } {
  const k = Math.floor(tMs / KNOT_MS);
  return {
    cpu: Math.round(5 + 40 * diurnal(tMs) * (0.8 + 0.4 * hash01(d.key, k, 41))),
    mem: 35 + 25 * hash01(d.key, 42) + 3 * hash01(d.key, Math.floor(k / 60), 43),
  };
}
