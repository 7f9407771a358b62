import type { SimVendor as Vendor } from '../vendors.js';
import { createRng, hashString, type Rng } from './rng.js';

/** Vendor-neutral facts about one simulated device, drawn from its seed. */
export interface SimFacts {
  vendor: Vendor;
  hostname: string;
  model: string;
  version: string;
  serial: string;
  baseMac: string;
  bootEpochMs: number;
  asn: number;
  routerId: string;
  interfaceCount: number;
  bgpPeers: Array<{ ip: string; asn: number; description: string }>;
  lldp: Array<{ local: number; remoteName: string; remotePort: string }>;
  secrets: { enable: string; userHash: string; community: string; tacacsKey: string; bgpPassword: string };
}

const MODELS: Record<Vendor, string[]> = {
  cisco_iosxe: ['C9300-48P', 'C9500-24Y4C', 'ISR4451-X/K9', 'C8300-1N1S-6T'],
  cisco_nxos: ['C93180YC-EX', 'C9336C-FX2', 'C93108TC-FX'],
  arista_eos: ['DCS-7050SX3-48YC8-F', 'DCS-7280SR-48C6-F', 'DCS-7020TR-48-F'],
  juniper_junos: ['mx204', 'qfx5120-48y', 'ex4300-48t', 'srx1500'],
  frr: ['FRRouting'],
  linux: ['x86_64'],
};

const VERSIONS: Record<Vendor, string[]> = {
  cisco_iosxe: ['17.03.04a', '17.06.05', '17.09.04a'],
  cisco_nxos: ['9.3(10)', '10.2(5)', '10.3(3)'],
  arista_eos: ['4.28.3M', '4.30.1F', '4.29.2F'],
  juniper_junos: ['21.4R3-S2.3', '22.2R3.15', '23.2R1.14'],
  frr: ['8.4.4'],
  linux: ['6.1.0-18-amd64'],
};

const SERIAL_PREFIX: Record<Vendor, string> = {
  cisco_iosxe: 'FCW',
  cisco_nxos: 'FDO',
  arista_eos: 'JPE',
  juniper_junos: 'JN',
  frr: '',
  linux: '',
};

function serialFor(rng: Rng, vendor: Vendor): string {
  const p = SERIAL_PREFIX[vendor];
  if (!p) return '';
  const digits = String(rng.int(1000, 9999));
  const tail = Array.from({ length: 4 }, () => rng.pick('ABCDEFGHJKLMNPQRSTUVWXYZ0123456789'.split(''))).join(
    '',
  );
  return `${p}${digits}${tail}`.slice(0, 11).toUpperCase();
}

export function simFacts(
  vendor: Vendor,
  name: string,
  seed: number | string,
  options: { interfaces?: number } = {},
): SimFacts {
  const rng = createRng(`${vendor}:${name}:${seed}`);
  const n = rng.int(1, 200);
  const asn = 65000 + rng.int(1, 500);
  const peers = Array.from({ length: rng.int(2, 5) }, (_, i) => ({
    ip: `10.${rng.int(0, 255)}.${rng.int(0, 255)}.${i * 4 + 2}`,
    asn: rng.chance(0.3) ? asn : 65000 + rng.int(501, 999),
    description: `peer-${rng.pick(['core', 'edge', 'transit', 'leaf', 'spine'])}${rng.int(1, 9)}`,
  }));
  const count = options.interfaces ?? rng.int(24, 48);
  return {
    vendor,
    hostname: name,
    model: rng.pick(MODELS[vendor]),
    version: rng.pick(VERSIONS[vendor]),
    serial: serialFor(rng, vendor),
    baseMac: `${rng.hex(4)}.${rng.hex(4)}.${rng.hex(4)}`,
    // A fixed epoch so uptime text depends on the seed and the clock only.
    bootEpochMs: Date.UTC(2026, 9, 1) + rng.int(0, 20 * 86_400) * 1000,
    asn,
    routerId: `10.255.${Math.floor(n / 10)}.${n}`,
    interfaceCount: count,
    bgpPeers: peers,
    lldp: Array.from({ length: rng.int(2, 4) }, (_, i) => ({
      local: i + 1,
      remoteName: `${rng.pick(['spine', 'leaf', 'core', 'dist'])}${rng.int(1, 20)}`,
      remotePort: `Ethernet${rng.int(1, 48)}`,
    })),
    secrets: {
      enable: `$9$${rng.hex(14)}$${rng.hex(40)}`,
      userHash: `$9$${rng.hex(14)}$${rng.hex(40)}`,
      community: `c0mm-${rng.hex(8)}`,
      tacacsKey: rng.hex(20).toUpperCase(),
      bgpPassword: rng.hex(16).toUpperCase(),
    },
  };
}

/** Stable per-name coin: is this interface's link up? (Admin state comes from the config.) */
export function linkUp(device: string, iface: string): boolean {
  return hashString(`${device}/${iface}`) % 5 !== 0;
}

/** Uptime in the "2 weeks, 3 days, 4 hours, 5 minutes" style. */
export function uptimeParts(ms: number): {
  w: number;
  d: number;
  h: number;
  m: number;
  s: number;
  days: number;
} {
  const total = Math.max(0, Math.floor(ms / 1000));
  const days = Math.floor(total / 86_400);
  return {
    w: Math.floor(days / 7),
    d: days % 7,
    h: Math.floor((total % 86_400) / 3600),
    m: Math.floor((total % 3600) / 60),
    s: total % 60,
    days,
  };
}
