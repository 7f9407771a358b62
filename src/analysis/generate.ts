import { counterRate, WRAP32, WRAP64 } from '../snmp/counters.js';
import type { Point } from './baseline.js';
import type { StatusSample } from './snmp.js';

/**
 * A seeded generator of labelled interface series for evaluation: daily and weekly seasonality,
 * multiplicative noise with slow autocorrelated wander and day-to-day level changes (what real
 * links do), SNMP realities (counter wraps, reboots with counter resets, polling gaps) and
 * labelled anomalies. Rates are computed from generated counters by src/snmp's counter maths, as
 * the poller does, so wraps and resets reach the detectors exactly as they would in production.
 */

export type LabelKind = 'spike' | 'level-shift' | 'drop-to-zero' | 'ramp' | 'error-burst' | 'flap';

export interface Label {
  kind: LabelKind;
  metric: 'in_bps' | 'in_errors' | 'status';
  start: number;
  end: number;
}

export interface GeneratedInterface {
  id: string;
  speedBps: number;
  stepMs: number;
  /** Rates as the poller would store them (null: gap, wrap ambiguity, reset). */
  inBps: Point[];
  inErrors: Point[];
  status: StatusSample[];
  labels: Label[];
  /** Where evaluation starts (history before it is for the baseline). */
  testFrom: number;
  /** Counts of realities injected (for the report). */
  realities: { wraps: number; resets: number; gaps: number };
}

export interface GenerateOptions {
  seed: number;
  /** Days of history before the test window (≥ 14 gives an hour-of-week baseline). */
  historyDays: number;
  testDays: number;
  stepMs?: number;
  /** Number of labelled anomalies in the test window (0 = clean series). */
  anomalies: number;
  start?: number;
  kinds?: readonly LabelKind[];
}

function rng(seed: number) {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const gauss = () => {
    const u = Math.max(next(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
  };
  return { next, gauss, uni: (a: number, b: number) => a + (b - a) * next() };
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
export const ALL_KINDS: readonly LabelKind[] = [
  'spike',
  'level-shift',
  'drop-to-zero',
  'ramp',
  'error-burst',
  'flap',
];

export function generateInterface(options: GenerateOptions): GeneratedInterface {
  const r = rng(options.seed);
  const step = options.stepMs ?? 300_000;
  // Monday 00:00 UTC, so weekends are where a reader expects them.
  const start = options.start ?? Date.UTC(2026, 0, 5);
  const testFrom = start + options.historyDays * DAY;
  const end = testFrom + options.testDays * DAY;
  const n = Math.floor((end - start) / step);
  const speedBps = [100e6, 1e9, 1e9, 10e9][Math.floor(r.next() * 4)]!;
  const level = speedBps * Math.exp(r.uni(Math.log(0.01), Math.log(0.35)));
  const noise = r.uni(0.03, 0.1);
  const weekendFactor = r.next() < 0.7 ? r.uni(0.4, 0.8) : 1;
  const peakHour = r.uni(11, 16);
  const nightFloor = r.uni(0.15, 0.45);

  // Labelled anomalies, placed apart from each other in the test window.
  const labels: Label[] = [];
  const kinds = options.kinds ?? ALL_KINDS;
  const slots = Math.max(1, options.anomalies);
  for (let i = 0; i < options.anomalies; i++) {
    const kind = kinds[Math.floor(r.next() * kinds.length)]!;
    const slotLen = (end - testFrom) / slots;
    const s0 = testFrom + i * slotLen + r.uni(0.15, 0.45) * slotLen;
    const s = Math.floor(s0 / step) * step;
    const dur =
      kind === 'spike'
        ? Math.round(r.uni(2, 6)) * step
        : kind === 'level-shift'
          ? r.uni(3, 18) * HOUR
          : kind === 'drop-to-zero'
            ? r.uni(1, 6) * HOUR
            : kind === 'ramp'
              ? r.uni(6, 18) * HOUR
              : kind === 'error-burst'
                ? Math.round(r.uni(3, 12)) * step
                : r.uni(6, 14) * 60_000;
    labels.push({
      kind,
      metric: kind === 'error-burst' ? 'in_errors' : kind === 'flap' ? 'status' : 'in_bps',
      start: s,
      end: Math.min(end - step, s + Math.floor(dur / step) * step),
    });
  }
  const factor = labels.map((l) => {
    if (l.kind === 'spike') return r.uni(3, 6);
    if (l.kind === 'level-shift') return r.next() < 0.5 ? r.uni(2, 3.5) : r.uni(0.1, 0.3);
    if (l.kind === 'ramp') return r.uni(2.5, 4);
    return 0;
  });
  // A few unlabelled events in the history: a baseline must survive the past's outages.
  const historyEvents: { s: number; e: number; f: number }[] = [];
  for (let i = 0; i < 2; i++) {
    const s = start + r.uni(0.1, 0.9) * (testFrom - start);
    historyEvents.push({ s, e: s + r.uni(1, 5) * HOUR, f: r.next() < 0.5 ? 0 : r.uni(2, 4) });
  }

  const wide32 = speedBps <= 100e6 && r.next() < 0.5;
  const width = wide32 ? 32 : 64;
  let octets = wide32 ? BigInt(Math.floor(r.next() * 2 ** 32)) : WRAP64 - BigInt(Math.floor(r.uni(1, 4e13)));
  let errCount = BigInt(Math.floor(r.next() * 1e6));
  const errBase = r.next() < 0.6 ? 0 : r.uni(0.001, 0.05);
  const gapProb = r.uni(0.001, 0.01);
  const resetProb = 1 / (r.uni(5, 30) * (DAY / step));
  let ar = 0;
  let dayFactor = 1;
  let prevOct: bigint | undefined;
  let prevErr: bigint | undefined;
  let prevT = 0;
  let gapLeft = 0;
  const inBps: Point[] = [];
  const inErrors: Point[] = [];
  const status: StatusSample[] = [];
  const realities = { wraps: 0, resets: 0, gaps: 0 };

  for (let i = 0; i < n; i++) {
    const t = start + i * step;
    if (t % DAY === 0) dayFactor = Math.exp(0.06 * r.gauss());
    const h = ((t % DAY) / HOUR + 24) % 24;
    const dow = (Math.floor(t / DAY) + 4) % 7; // 0 = Sunday (1970-01-01 was a Thursday)
    const shape = nightFloor + (1 - nightFloor) * Math.exp(-(((h - peakHour) / 4.5) ** 2));
    ar = 0.85 * ar + 0.5 * noise * r.gauss();
    let rate = level * shape * (dow === 0 || dow === 6 ? weekendFactor : 1) * dayFactor;
    rate *= Math.exp(noise * r.gauss() + ar);
    let errRate = errBase > 0 && r.next() < 0.3 ? errBase * r.uni(0, 3) : 0;
    let down = false;
    for (const ev of historyEvents) if (t >= ev.s && t < ev.e) rate = ev.f === 0 ? 0 : rate * ev.f;
    labels.forEach((l, k) => {
      if (t < l.start || t > l.end) return;
      if (l.kind === 'spike' || l.kind === 'level-shift') rate *= factor[k]!;
      if (l.kind === 'drop-to-zero') rate = 0;
      if (l.kind === 'ramp') rate *= 1 + (factor[k]! - 1) * Math.min(1, (t - l.start) / (l.end - l.start));
      if (l.kind === 'error-burst') errRate += r.uni(0.5, 20);
      if (l.kind === 'flap') down = true;
    });
    rate = Math.min(rate, speedBps);
    if (down) {
      // The poller reads ifOperStatus every minute: the link bounces down and up within the step.
      for (let m = 0; m < step / 60_000; m++)
        status.push({
          t: t + m * 60_000,
          status: Math.floor((t + m * 60_000) / 60_000) % 4 < 2 ? 'down' : 'up',
        });
      rate *= 0.5;
    } else status.push({ t, status: 'up' });

    // The counters move whether or not we poll.
    const bytes = BigInt(Math.round((rate * step) / 8000)); // bit/s × ms → bytes
    const before = octets;
    octets = (octets + bytes) % (width === 32 ? WRAP32 : WRAP64);
    if (octets < before) realities.wraps++;
    errCount += BigInt(Math.round(errRate * (step / 1000)));
    if (r.next() < resetProb) {
      // Reboot: counters start again from zero and the next two polls fail.
      octets = BigInt(Math.floor(r.uni(0, 1e6)));
      errCount = 0n;
      gapLeft = 2;
      realities.resets++;
    }
    if (gapLeft === 0 && r.next() < gapProb) gapLeft = 1 + Math.floor(r.next() * 6);
    if (gapLeft > 0) {
      gapLeft--;
      realities.gaps++;
      inBps.push({ t, v: null });
      inErrors.push({ t, v: null });
      continue;
    }
    const dt = prevT ? (t - prevT) / 1000 : 0;
    const o = counterRate(prevOct, octets, width, dt, { maxPerSec: speedBps / 8 });
    const e = counterRate(prevErr, errCount, 64, dt, { maxPerSec: speedBps / 8 / 84 });
    inBps.push({ t, v: o === null ? null : o * 8 });
    inErrors.push({ t, v: e });
    prevOct = octets;
    prevErr = errCount;
    prevT = t;
  }
  return {
    id: `if${options.seed}`,
    speedBps,
    stepMs: step,
    inBps,
    inErrors,
    status,
    labels,
    testFrom,
    realities,
  };
}

/**
 * A capacity trend with known truth: daily seasonality and noise on top of linear growth, and
 * the exact day the underlying p95 crosses the threshold.
 */
export function generateTrend(options: { seed: number; days: number; stepMs?: number; start?: number }): {
  points: Point[];
  speedBps: number;
  thresholdBps: number;
  now: number;
  trueCrossingAt: number;
} {
  const r = rng(options.seed);
  const step = options.stepMs ?? 300_000;
  const start = options.start ?? Date.UTC(2026, 0, 5);
  const speedBps = 10e9;
  const thresholdBps = 0.8 * speedBps;
  const now = start + options.days * DAY;
  // Start well below (10–35 % of the threshold at the start of the history) and cross 20–150 days
  // after "now": traffic that grows, never a line that was negative in the past.
  const crossDays = r.uni(20, 150);
  const p95Start = r.uni(0.1, 0.35) * thresholdBps;
  const slopePerDay = (thresholdBps - p95Start) / (options.days + crossDays);
  const p95Now = p95Start + slopePerDay * options.days;
  const noise = r.uni(0.02, 0.06);
  const points: Point[] = [];
  // Peak of the daily shape is 1.0 and the p95 of a day sits close to it; scale so the p95 follows the trend.
  let dayFactor = 1;
  for (let t = start; t < now; t += step) {
    // Each day busier or quieter than the trend (±5 %), and 3 % of days an outlier: an outage
    // (a third of the traffic) or a flash crowd (half as much again). The trend must see through them.
    if (t % DAY === 0) {
      const u = r.next();
      dayFactor = Math.exp(0.05 * r.gauss()) * (u < 0.015 ? 0.33 : u < 0.03 ? 1.5 : 1);
    }
    const h = (t % DAY) / HOUR;
    const shape = 0.3 + 0.7 * Math.exp(-(((h - 14) / 4) ** 2));
    const trend = p95Now - slopePerDay * ((now - t) / DAY);
    const v = trend * dayFactor * shape * Math.exp(noise * r.gauss());
    points.push({ t, v: r.next() < 0.005 ? null : Math.max(0, v) });
  }
  // The p95 of one day relative to its trend level, noise included (averaged over many days), so
  // the truth uses the same definition of "daily p95" as the forecast does.
  const shapeP95 = (() => {
    const r2 = rng(options.seed ^ 0x5bd1e995);
    let sum = 0;
    const days = 60;
    for (let d = 0; d < days; d++) {
      const vs: number[] = [];
      for (let i = 0; i < DAY / step; i++) {
        const h = (i * step) / HOUR;
        vs.push((0.3 + 0.7 * Math.exp(-(((h - 14) / 4) ** 2))) * Math.exp(noise * r2.gauss()));
      }
      vs.sort((a, b) => a - b);
      const pos = 0.95 * (vs.length - 1);
      const lo = Math.floor(pos);
      sum += vs[lo]! + (vs[Math.min(lo + 1, vs.length - 1)]! - vs[lo]!) * (pos - lo);
    }
    return sum / days;
  })();
  // Days until trend·shapeP95 reaches the threshold.
  const trendNow = p95Now;
  const daysToCross = (thresholdBps / shapeP95 - trendNow) / slopePerDay;
  return { points, speedBps, thresholdBps, now, trueCrossingAt: now + daysToCross * DAY };
}
