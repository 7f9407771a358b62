/**
 * Units and time labels for charts and summary lines. Pure: no chart.js, no date adapter; time
 * labels come from Intl.DateTimeFormat in the configured IANA timezone.
 */

export interface Unit {
  /** Divide a raw value by this to print it in the unit. */
  div: number;
  suffix: string;
}

const BIT_UNITS: readonly Unit[] = [
  { div: 1e12, suffix: 'Tbps' },
  { div: 1e9, suffix: 'Gbps' },
  { div: 1e6, suffix: 'Mbps' },
  { div: 1e3, suffix: 'Kbps' },
  { div: 1, suffix: 'bps' },
];

const RATE_UNITS: readonly Unit[] = [
  { div: 1e6, suffix: 'M/s' },
  { div: 1e3, suffix: 'k/s' },
  { div: 1, suffix: '/s' },
];

/** The largest unit in which `v` is at least 1 (network convention: 1 Gbps = 10^9 bit/s). */
export function bitUnit(v: number): Unit {
  const a = Math.abs(v);
  return BIT_UNITS.find((u) => a >= u.div) ?? BIT_UNITS[BIT_UNITS.length - 1]!;
}

export function rateUnit(v: number): Unit {
  const a = Math.abs(v);
  return RATE_UNITS.find((u) => a >= u.div) ?? RATE_UNITS[RATE_UNITS.length - 1]!;
}

/** Two or three significant digits: 8.2, 82, 820; 0 stays 0. */
export function shortNumber(v: number): string {
  if (!Number.isFinite(v)) return '–';
  if (v === 0) return '0';
  const a = Math.abs(v);
  const digits = a >= 100 ? 0 : a >= 10 ? 1 : a >= 1 ? 1 : 2;
  return Number(v.toFixed(digits)).toString();
}

/** For summaries: "3.0" and "8.2" keep their decimal (they line up when read as a list), 45.6, 10, 512. */
function summaryNumber(v: number): string {
  const a = Math.abs(v);
  // exact round figures (speeds, thresholds) stay round: "8 Gbps", not "8.0 Gbps"
  if (Number.isInteger(v)) return String(v);
  if (a >= 99.95) return v.toFixed(0);
  if (a >= 9.995) return Number(v.toFixed(1)).toString();
  if (a >= 0.995) return v.toFixed(1);
  return shortNumber(v);
}

/** 8_213_000_000 → "8.2 Gbps"; 2_996_000_000 → "3.0 Gbps"; 8e9 → "8 Gbps". */
export function formatBits(v: number): string {
  if (!Number.isFinite(v)) return 'n/a';
  let u = bitUnit(v);
  // 999,999 bps would print as "1000 Kbps": say "1.0 Mbps"
  if (Math.abs(Number(summaryNumber(v / u.div))) >= 999.5) u = bitUnit(Math.sign(v || 1) * u.div * 1000);
  return `${summaryNumber(v / u.div)} ${u.suffix}`;
}

/** Errors, discards, packets per second: 1234 → "1.2k/s". */
export function formatRate(v: number): string {
  if (!Number.isFinite(v)) return 'n/a';
  const u = rateUnit(v);
  return `${shortNumber(v / u.div)}${u.suffix}`;
}

export function formatPercent(fraction: number): string {
  if (!Number.isFinite(fraction)) return 'n/a';
  const p = fraction * 100;
  return `${p >= 10 ? Math.round(p) : Number(p.toFixed(1))}%`;
}

/** A round axis maximum ≥ v: 1, 2, 2.5, 5 × 10^k. */
export function niceCeil(v: number): number {
  if (!(v > 0)) return 1;
  const exp = Math.floor(Math.log10(v));
  const base = 10 ** exp;
  for (const m of [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * base >= v) return m * base;
  return 10 * base;
}

// ---------------------------------------------------------------------------------------------
// Time

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const TICK_STEPS = [
  MINUTE,
  2 * MINUTE,
  5 * MINUTE,
  10 * MINUTE,
  15 * MINUTE,
  30 * MINUTE,
  HOUR,
  2 * HOUR,
  3 * HOUR,
  6 * HOUR,
  12 * HOUR,
  DAY,
  2 * DAY,
  7 * DAY,
  14 * DAY,
  30 * DAY,
  91 * DAY,
];

export function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const offsetCache = new Map<string, Intl.DateTimeFormat>();

/** Offset of `tz` from UTC at instant `t`, in ms (e.g. +3_600_000 for Paris in winter). */
export function tzOffsetMs(t: number, tz: string): number {
  let f = offsetCache.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    offsetCache.set(tz, f);
  }
  const parts = Object.fromEntries(f.formatToParts(new Date(t)).map((p) => [p.type, p.value]));
  const asUtc = Date.UTC(
    Number(parts.year),
    Number(parts.month) - 1,
    Number(parts.day),
    Number(parts.hour),
    Number(parts.minute),
    Number(parts.second),
  );
  return asUtc - (t - (t % 1000));
}

/**
 * Tick positions for a time axis of about `maxTicks` labels, aligned to round local times
 * (whole hours, local midnight) in `tz`.
 */
export function timeTicks(from: number, to: number, tz: string, maxTicks = 8): number[] {
  const span = to - from;
  const step = TICK_STEPS.find((s) => span / s <= maxTicks) ?? TICK_STEPS[TICK_STEPS.length - 1]!;
  const off = tzOffsetMs(from, tz);
  const ticks: number[] = [];
  // align in local time: local = utc + off
  let local = Math.ceil((from + off) / step) * step;
  if (step === 7 * DAY) {
    // weeks start on Monday; the epoch was a Thursday
    local = Math.ceil((from + off - 4 * DAY) / step) * step + 4 * DAY;
  }
  // one offset for the whole range: after a DST switch ticks sit an hour off round, which reads fine
  for (; local - off <= to && ticks.length < 100; local += step) ticks.push(local - off);
  return ticks.filter((t) => t >= from && t <= to);
}

const labelCache = new Map<string, Intl.DateTimeFormat>();

function fmt(tz: string, kind: 'time' | 'dayTime' | 'day' | 'full'): Intl.DateTimeFormat {
  const key = `${tz}|${kind}`;
  let f = labelCache.get(key);
  if (!f) {
    const opts: Intl.DateTimeFormatOptions =
      kind === 'time'
        ? { hour: '2-digit', minute: '2-digit' }
        : kind === 'dayTime'
          ? { weekday: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' }
          : kind === 'day'
            ? { month: 'short', day: 'numeric' }
            : { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' };
    f = new Intl.DateTimeFormat('en-GB', { ...opts, hourCycle: 'h23', timeZone: tz });
    labelCache.set(key, f);
  }
  return f;
}

/** Label for an axis tick, with as much date as the range needs. */
export function formatTick(t: number, rangeMs: number, tz: string): string {
  if (rangeMs <= 1.5 * DAY) return fmt(tz, 'time').format(t);
  if (rangeMs <= 8 * DAY) return fmt(tz, 'dayTime').format(t);
  return fmt(tz, 'day').format(t);
}

/** "14:05" within a day of `now`, else "3 Mar 14:05" (summary lines). */
export function formatWhen(t: number, tz: string, rangeMs: number): string {
  if (rangeMs <= 1.5 * DAY) return fmt(tz, 'time').format(t);
  return fmt(tz, rangeMs <= 8 * DAY ? 'dayTime' : 'full').format(t);
}

export function formatDate(t: number, tz: string): string {
  return new Intl.DateTimeFormat('en-GB', {
    timeZone: tz,
    year: 'numeric',
    month: 'short',
    day: 'numeric',
  }).format(t);
}

/** "24h", "7d", "90m" for titles. */
export function formatRange(ms: number): string {
  if (ms % DAY === 0) return `${ms / DAY}d`;
  if (ms % HOUR === 0) return `${ms / HOUR}h`;
  if (ms % MINUTE === 0) return `${ms / MINUTE}m`;
  return `${Math.round(ms / 1000)}s`;
}
