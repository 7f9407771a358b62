import type { SampleRates } from '../metrics/index.js';
/**
 * Counter maths, pure. SNMP counters only ever go up and wrap at 2^32 or 2^64; a decrease is either
 * a wrap or a reset (reboot, `clear counters`, agent restart). We only call it a wrap when the rate
 * the wrap implies is physically possible on the port; otherwise the sample is unknown (null),
 * because a made-up spike poisons every rollup, percentile and forecast built on top of it.
 */

export type CounterWidth = 32 | 64;
export const WRAP32 = 1n << 32n;
export const WRAP64 = 1n << 64n;

/** Smallest Ethernet frame on the wire (64 B + preamble + inter-frame gap): the packet-rate ceiling. */
export const MIN_FRAME_BITS = 84 * 8;

/**
 * A counter value as net-snmp hands it over: Counter32 as a number, Counter64 as a big-endian Buffer
 * (it cannot fit a double). Anything else (noSuchObject, null, a string) is "absent".
 */
export function toCounter(value: unknown): bigint | undefined {
  if (typeof value === 'bigint') return value >= 0n ? value : undefined;
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0 ? BigInt(value) : undefined;
  if (Buffer.isBuffer(value)) {
    const len = value.length;
    if (len === 0 || len > 9) return undefined;
    // one BigInt per value, not one per byte: up to 6 bytes fit a double exactly, 8 are one read
    if (len <= 6) return BigInt(value.readUIntBE(0, len));
    if (len === 8) return value.readBigUInt64BE(0);
    let n = 0n;
    for (const b of value) n = (n << 8n) | BigInt(b);
    return n;
  }
  return undefined;
}

export interface RateOptions {
  /** Ceiling for this counter in units per second (bytes/s for octets, packets/s for packets). */
  maxPerSec?: number | null;
  /**
   * Slack on the ceiling: poll timing jitter (the agent's counters and our clock disagree by a few
   * hundred ms) makes an honest line-rate sample read a little above line rate.
   */
  tolerance?: number;
}

/**
 * Per-second rate between two readings of one counter, or null when it cannot be known.
 * - increase: delta/dt, capped at the ceiling; far above the ceiling → null (a silent reset).
 * - decrease: a wrap only if (wrap − prev + cur)/dt fits the ceiling; else null.
 */
export function counterRate(
  prev: bigint | undefined,
  cur: bigint | undefined,
  width: CounterWidth,
  dtSec: number,
  options: RateOptions = {},
): number | null {
  if (prev === undefined || cur === undefined || !(dtSec > 0)) return null;
  const max = options.maxPerSec && options.maxPerSec > 0 ? options.maxPerSec : null;
  const tolerance = options.tolerance ?? 0.1;
  let delta: bigint;
  if (cur >= prev) delta = cur - prev;
  else {
    // Without a known speed we cannot tell a wrap from a reset, so we do not guess.
    if (max === null) return null;
    delta = (width === 32 ? WRAP32 : WRAP64) - prev + cur;
  }
  const rate = Number(delta) / dtSec;
  if (max === null) return rate;
  if (rate > max * (1 + tolerance)) return null;
  return Math.min(rate, max);
}

export type CounterName =
  | 'inOctets'
  | 'outOctets'
  | 'inPkts'
  | 'outPkts'
  | 'inErrors'
  | 'outErrors'
  | 'inDiscards'
  | 'outDiscards';

export const COUNTER_NAMES: readonly CounterName[] = [
  'inOctets',
  'outOctets',
  'inPkts',
  'outPkts',
  'inErrors',
  'outErrors',
  'inDiscards',
  'outDiscards',
];

export interface InterfaceReading {
  ifIndex: number;
  /** bits per second (ifHighSpeed × 10^6, or ifSpeed); 0/undefined when unknown. */
  speedBps?: number;
  /** ifCounterDiscontinuityTime in TimeTicks; a change means the counters were reset. */
  discontinuity?: number;
  /** True when octets/packets came from the 64-bit ifHC* columns. */
  hc: boolean;
  counters: Partial<Record<CounterName, bigint>>;
}

export interface DeviceReading {
  /** Wall-clock ms when the poll's first response arrived. */
  ts: number;
  /** sysUpTime in hundredths of a second. */
  uptimeCs?: number;
  interfaces: InterfaceReading[];
}

/**
 * What the counter maths keeps of a poll (the baseline the next poll is compared with): the
 * timestamps and counters, without names, aliases or states.
 */
export function readingOf(r: DeviceReading): DeviceReading {
  return {
    ts: r.ts,
    uptimeCs: r.uptimeCs,
    interfaces: r.interfaces.map(({ ifIndex, speedBps, discontinuity, hc, counters }) => ({
      ifIndex,
      speedBps,
      discontinuity,
      hc,
      counters,
    })),
  };
}

export type ResetReason = 'first-poll' | 'reboot' | 'uptime-wrap' | 'clock' | 'stale';

/**
 * Whether the whole device baseline is void. sysUpTime going backwards is a reboot (or its 497-day
 * wrap, which we treat the same: one unknown sample is cheaper than a wrong one); uptime shorter
 * than the time since the last poll means it rebooted in between, even if it has since climbed back.
 */
export function deviceReset(
  prev: DeviceReading | undefined,
  cur: DeviceReading,
  maxGapMs = Number.POSITIVE_INFINITY,
): ResetReason | null {
  if (!prev) return 'first-poll';
  if (cur.ts <= prev.ts) return 'clock';
  // After a long outage an average over hours says little, and 32-bit wraps become ambiguous.
  if (cur.ts - prev.ts > maxGapMs) return 'stale';
  if (prev.uptimeCs === undefined || cur.uptimeCs === undefined) return null;
  if (cur.uptimeCs < prev.uptimeCs) return prev.uptimeCs > 0xffffffff - 8_640_000 ? 'uptime-wrap' : 'reboot';
  const elapsedCs = (cur.ts - prev.ts) / 10;
  // 5 s of slack: agents cache sysUpTime and answer late.
  if (cur.uptimeCs + 500 < elapsedCs) return 'reboot';
  return null;
}

const WIDTH: Record<CounterName, (hc: boolean) => CounterWidth> = {
  inOctets: (hc) => (hc ? 64 : 32),
  outOctets: (hc) => (hc ? 64 : 32),
  inPkts: (hc) => (hc ? 64 : 32),
  outPkts: (hc) => (hc ? 64 : 32),
  inErrors: () => 32,
  outErrors: () => 32,
  inDiscards: () => 32,
  outDiscards: () => 32,
};

/**
 * Rates for every interface of a device between two readings. Interfaces that are new, whose
 * discontinuity time changed, or whose counter width changed get null rates (a fresh baseline).
 */
export function computeRates(
  prev: DeviceReading | undefined,
  cur: DeviceReading,
  options: { tolerance?: number; maxGapMs?: number } = {},
): { samples: SampleRates[]; reset: ResetReason | null; resetInterfaces: number[] } {
  const reset = deviceReset(prev, cur, options.maxGapMs);
  const prevIf = new Map((reset ? [] : (prev?.interfaces ?? [])).map((i) => [i.ifIndex, i] as const));
  const dt = prev ? (cur.ts - prev.ts) / 1000 : 0;
  const resetInterfaces: number[] = [];
  const samples = cur.interfaces.map((i): SampleRates => {
    const p = prevIf.get(i.ifIndex);
    const fresh = !p || p.hc !== i.hc || (p.discontinuity ?? 0) !== (i.discontinuity ?? 0);
    if (p && fresh) resetInterfaces.push(i.ifIndex);
    const speed = i.speedBps && i.speedBps > 0 ? i.speedBps : null;
    const rate = (name: CounterName, maxPerSec: number | null): number | null =>
      fresh
        ? null
        : counterRate(p.counters[name], i.counters[name], WIDTH[name](i.hc), dt, {
            maxPerSec,
            tolerance: options.tolerance,
          });
    const bytesMax = speed === null ? null : speed / 8;
    const pktMax = speed === null ? null : speed / MIN_FRAME_BITS;
    const inB = rate('inOctets', bytesMax);
    const outB = rate('outOctets', bytesMax);
    return {
      ifIndex: i.ifIndex,
      ts: new Date(cur.ts),
      inBps: inB === null ? null : inB * 8,
      outBps: outB === null ? null : outB * 8,
      inPps: rate('inPkts', pktMax),
      outPps: rate('outPkts', pktMax),
      inErrors: rate('inErrors', pktMax),
      outErrors: rate('outErrors', pktMax),
      inDiscards: rate('inDiscards', pktMax),
      outDiscards: rate('outDiscards', pktMax),
      speedBps: speed,
    };
  });
  return { samples, reset, resetInterfaces };
}

/** JSON-safe form of a reading (bigint → decimal string) for the baseline kept between polls. */
export function serialiseReading(r: DeviceReading): string {
  // Built by hand: a replacer function is called for every key of every interface (10,000
  // devices × 48 interfaces a round); the text is the same JSON parseReading has always read.
  const parts: string[] = [];
  for (const i of r.interfaces) {
    let c = '';
    for (const k in i.counters) {
      const v = i.counters[k as CounterName];
      if (v !== undefined) c += `${c ? ',' : ''}"${k}":"${v}n"`;
    }
    let head = `{"ifIndex":${i.ifIndex}`;
    if (i.speedBps !== undefined) head += `,"speedBps":${JSON.stringify(i.speedBps)}`;
    if (i.discontinuity !== undefined) head += `,"discontinuity":${JSON.stringify(i.discontinuity)}`;
    parts.push(`${head},"hc":${i.hc},"counters":{${c}}}`);
  }
  const up = r.uptimeCs === undefined ? '' : `,"uptimeCs":${JSON.stringify(r.uptimeCs)}`;
  return `{"ts":${JSON.stringify(r.ts)}${up},"interfaces":[${parts.join(',')}]}`;
}

export function parseReading(text: string): DeviceReading {
  return JSON.parse(text, (_k, v) =>
    typeof v === 'string' && /^\d+n$/.test(v) ? BigInt(v.slice(0, -1)) : v,
  ) as DeviceReading;
}
