import { formatBits, formatRate } from '../charts/units.js';
import { type Baseline, type Point, residual } from './baseline.js';
import type { SeriesAnomaly } from './detect.js';

/**
 * The one sentence an on-call engineer reads: what moved, against which expectation, since when,
 * what else moved with it, and which configuration change sits next to it.
 */

export interface Movement {
  /** "errors on the same port", "core2 Ethernet1 in" */
  label: string;
  at: number;
  direction: 'rose' | 'fell';
}

export interface ConfigChangeNear {
  at: number;
  author: string | null;
  /** Version id, for "(version 12)". */
  version?: number | string;
}

export interface ExplainInput {
  device: string;
  iface: string;
  /** "in", "out", "in errors", … */
  what: string;
  unit: 'bits' | 'rate';
  anomaly: SeriesAnomaly;
  timezone: string;
  related?: readonly Movement[];
  configChanges?: readonly ConfigChangeNear[];
}

const KIND_WORDS: Record<SeriesAnomaly['kind'], string> = {
  spike: 'spike',
  dip: 'dip',
  'level-shift': 'level shift',
  'drop-to-zero': 'drop to zero',
  burst: 'burst',
};

function clock(t: number, tz: string): string {
  return new Intl.DateTimeFormat('en-GB', {
    timeZone: tz,
    hour: '2-digit',
    minute: '2-digit',
    hour12: false,
  }).format(new Date(t));
}

function slotName(t: number, tz: string): string {
  const wd = new Intl.DateTimeFormat('en-GB', { timeZone: tz, weekday: 'long' }).format(new Date(t));
  const h = new Intl.DateTimeFormat('en-GB', { timeZone: tz, hour: '2-digit', hour12: false }).format(
    new Date(t),
  );
  return `${wd} ${h}:00`;
}

function fmt(v: number, unit: ExplainInput['unit']): string {
  return unit === 'bits' ? formatBits(v) : formatRate(v);
}

export function explainAnomaly(input: ExplainInput): string {
  const a = input.anomaly;
  const tz = input.timezone;
  const value = a.side === 'high' ? a.peak : a.observed;
  const parts = [
    `${input.device} ${input.iface} ${input.what} ${fmt(value, input.unit)} vs ${fmt(a.low, input.unit)}–${fmt(
      a.high,
      input.unit,
    )} expected for ${slotName(a.since, tz)}, since ${clock(a.since, tz)} (${KIND_WORDS[a.kind]})`,
  ];
  for (const m of input.related ?? []) parts.push(`${m.label} ${m.direction} at ${clock(m.at, tz)}`);
  for (const c of input.configChanges ?? []) {
    parts.push(
      `config changed at ${clock(c.at, tz)}${c.author ? ` by ${c.author}` : ''}${c.version !== undefined ? ` (version ${c.version})` : ''}`,
    );
  }
  return parts.join('; ');
}

/**
 * Did another series of the device move around `at` (± windowMs)? The first sample outside its own
 * band (z scales) in that window, with its direction. Used for "errors on the same port rose at
 * 14:04" and for LLDP neighbours' ports when the inventory knows them.
 */
export function movedAround(
  points: readonly Point[],
  baseline: Baseline,
  at: number,
  options: { windowMs?: number; z?: number; sides?: 'both' | 'high' } = {},
): { at: number; direction: 'rose' | 'fell' } | null {
  const windowMs = options.windowMs ?? 10 * 60_000;
  const z = options.z ?? 4;
  for (const p of points) {
    if (p.v === null || p.t < at - windowMs || p.t > at + windowMs) continue;
    const r = residual(baseline, p.t, p.v);
    if (r > z) return { at: p.t, direction: 'rose' };
    if (r < -z && options.sides !== 'high') return { at: p.t, direction: 'fell' };
  }
  return null;
}

/** Config versions of the device within ± windowMs (default 30 min) of the anomaly's start. */
export function changesNear<T extends { at: number }>(
  changes: readonly T[],
  at: number,
  windowMs = 30 * 60_000,
): T[] {
  return changes.filter((c) => Math.abs(c.at - at) <= windowMs).sort((x, y) => x.at - y.at);
}
