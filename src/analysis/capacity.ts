import { type LineFit, leastSquares, quantileSorted, theilSen } from './stats.js';
import type { Point } from './baseline.js';
import { localDay } from './local-time.js';

const DAY = 86_400_000;

export interface DailyValue {
  /** The site's calendar date, as the UTC midnight of that date (epoch ms). */
  day: number;
  p95: number;
  n: number;
}

/**
 * The 95th percentile of each day's samples (5-minute averages: the usual billing/capacity p95).
 * Days with less than half their samples are left out: a day cut short by an outage is no trend.
 */
export function dailyP95(points: readonly Point[], stepMs: number, timezone = 'UTC'): DailyValue[] {
  const byDay = new Map<number, number[]>();
  for (const p of points) {
    if (p.v === null || !Number.isFinite(p.v)) continue;
    const d = localDay(p.t, timezone);
    const a = byDay.get(d);
    if (a) a.push(p.v);
    else byDay.set(d, [p.v]);
  }
  const need = (DAY / stepMs) * 0.5;
  const out: DailyValue[] = [];
  for (const [day, vs] of byDay) {
    if (vs.length < need) continue;
    out.push({ day, p95: quantileSorted(Float64Array.from(vs).sort(), 0.95), n: vs.length });
  }
  return out.sort((a, b) => a.day - b.day);
}

export interface CapacityOptions {
  /** The level that counts as saturation (default: 80 % of speed, computed by the caller). */
  thresholdBps: number;
  now: number;
  /** Fewer daily values than this: "not enough data" (default 14). */
  minDays?: number;
  /** Crossings further out than this are reported as "not within" (default 365 days). */
  horizonDays?: number;
}

export type CapacityStatus =
  | 'crossing'
  | 'already-above'
  | 'no-growth'
  | 'beyond-horizon'
  | 'not-enough-data';

export interface TrendFit extends LineFit {
  method: 'theil-sen' | 'least-squares';
  windowDays: number;
  /** Crossing date of this fit (null when it does not rise or crosses beyond the horizon). */
  crossingAt: number | null;
}

export interface CapacityForecast {
  status: CapacityStatus;
  /** One honest sentence ("not enough data: 9 of 14 days", "crosses 8 Gbps around 12 Mar (3 Mar – 2 Apr)"). */
  reason: string;
  days: number;
  thresholdBps: number;
  /** The fit the answer rests on (Theil–Sen over the longest window with data), and the others. */
  primary?: TrendFit;
  fits: TrendFit[];
  crossingAt: number | null;
  /** Earliest and latest plausible crossing (the slope's confidence interval); latest null = open. */
  crossingLow: number | null;
  crossingHigh: number | null;
  /** Bits per second gained per day. */
  slopePerDay: number;
  lastLevel: number;
}

function crossing(fit: LineFit, slope: number, x0: number, threshold: number, fromX: number): number | null {
  // Days after fromX at which the line through the fit's level at x0 with this slope reaches threshold.
  const levelAtFrom = fit.intercept + fit.slope * x0 + slope * (fromX - x0);
  if (levelAtFrom >= threshold) return fromX;
  if (slope <= 0) return null;
  return fromX + (threshold - levelAtFrom) / slope;
}

/**
 * Daily p95s → when the trend reaches the threshold. Theil–Sen is the answer (one outage or one
 * flash crowd does not bend it); least squares is fitted alongside and reported. Windows of 30
 * and 90 days; the primary is the longest window with at least two thirds of its days.
 */
export function forecastCapacity(daily: readonly DailyValue[], options: CapacityOptions): CapacityForecast {
  const minDays = options.minDays ?? 14;
  const horizon = options.horizonDays ?? 365;
  const now = options.now;
  const nowX = now / DAY;
  const base = {
    thresholdBps: options.thresholdBps,
    fits: [] as TrendFit[],
    crossingAt: null,
    crossingLow: null,
    crossingHigh: null,
    slopePerDay: 0,
    lastLevel: daily.at(-1)?.p95 ?? 0,
  };
  const recent = daily.filter((d) => d.day <= now && d.day > now - 90 * DAY);
  if (recent.length < minDays) {
    return {
      ...base,
      status: 'not-enough-data',
      days: recent.length,
      reason: `not enough data: ${recent.length} of the ${minDays} days of history a trend needs`,
    };
  }
  const fits: TrendFit[] = [];
  for (const windowDays of [30, 90]) {
    const w = recent.filter((d) => d.day > now - windowDays * DAY);
    if (w.length < Math.max(minDays, (windowDays * 2) / 3) && !(windowDays === 30 && w.length >= minDays))
      continue;
    const xs = w.map((d) => d.day / DAY + 0.5);
    const ys = w.map((d) => d.p95);
    const x0 = xs[xs.length - 1]!;
    for (const [method, f] of [
      ['theil-sen', theilSen(xs, ys)],
      ['least-squares', leastSquares(xs, ys)],
    ] as const) {
      const c = crossing(f, f.slope, x0, options.thresholdBps, nowX);
      fits.push({
        ...f,
        method,
        windowDays,
        crossingAt: c !== null && c - nowX <= horizon ? c * DAY : null,
      });
    }
  }
  const primary =
    [...fits].reverse().find((f) => f.method === 'theil-sen') ?? fits.find((f) => f.method === 'theil-sen')!;
  const w = recent.filter((d) => d.day > now - primary.windowDays * DAY);
  const x0 = w[w.length - 1]!.day / DAY + 0.5;
  const level = primary.intercept + primary.slope * nowX;
  const mid = crossing(primary, primary.slope, x0, options.thresholdBps, nowX);
  const early = crossing(primary, primary.slopeHigh, x0, options.thresholdBps, nowX);
  const late = crossing(primary, primary.slopeLow, x0, options.thresholdBps, nowX);
  const out: CapacityForecast = {
    ...base,
    fits,
    primary,
    days: recent.length,
    status: 'crossing',
    reason: '',
    slopePerDay: primary.slope,
    lastLevel: level,
  };
  if (level >= options.thresholdBps) {
    out.status = 'already-above';
    out.crossingAt = now;
    out.crossingLow = now;
    out.crossingHigh = now;
    out.reason = 'the trend is already above the threshold';
    return out;
  }
  if (mid === null || primary.slope <= 0) {
    out.status = 'no-growth';
    out.reason = `no growth trend over ${primary.windowDays} days (${recent.length} daily p95 values)`;
    return out;
  }
  if (mid - nowX > horizon) {
    out.status = 'beyond-horizon';
    out.reason = `growing, but not reaching the threshold within ${horizon} days`;
    out.crossingLow = early !== null && early - nowX <= horizon ? early * DAY : null;
    return out;
  }
  out.crossingAt = mid * DAY;
  out.crossingLow = early !== null ? early * DAY : null;
  // A slope interval reaching zero means "maybe never": the late end stays open.
  out.crossingHigh = late !== null && primary.slopeLow > 0 ? late * DAY : null;
  out.reason = `Theil–Sen over ${primary.windowDays} days`;
  return out;
}

/** Projection points and the slope-interval band from `from` to `until`, for the forecast chart. */
export function projection(
  f: CapacityForecast,
  from: number,
  until: number,
  steps = 30,
): {
  line: { x: number; y: number }[];
  upper: { x: number; y: number }[];
  lower: { x: number; y: number }[];
} {
  const line: { x: number; y: number }[] = [];
  const upper: { x: number; y: number }[] = [];
  const lower: { x: number; y: number }[] = [];
  const p = f.primary;
  if (!p) return { line, upper, lower };
  for (let i = 0; i <= steps; i++) {
    const t = from + ((until - from) * i) / steps;
    const d = (t - from) / DAY;
    line.push({ x: t, y: Math.max(0, f.lastLevel + p.slope * d) });
    upper.push({ x: t, y: Math.max(0, f.lastLevel + p.slopeHigh * d) });
    lower.push({ x: t, y: Math.max(0, f.lastLevel + p.slopeLow * d) });
  }
  return { line, upper, lower };
}
