import type { BaselineOptions, Point } from './baseline.js';
import type { DetectorOptions } from './detect.js';
import { ANALYSED_METRICS, type AnalysedMetric } from '../metrics/names.js';

/**
 * What SNMP does to a series before any detector sees it. Gaps (missed polls), counter wraps and
 * resets (reboots) arrive as null rates from src/snmp's counter maths; a rate above the port's
 * speed is physically impossible, so it is a measurement problem, never traffic, and becomes a
 * gap too. None of these is an anomaly by itself.
 */

export { ANALYSED_METRICS, type AnalysedMetric };

/** Slack over ifSpeed: poll jitter makes an honest line-rate sample read a little high. */
const SPEED_TOLERANCE = 1.05;

export interface Sanitised {
  points: Point[];
  gaps: number;
  impossible: number;
}

/** The highest believable value of a metric on a port (traffic: its speed, with slack). */
export function ceilingOf(metric: AnalysedMetric, speedBps: number | null): number {
  const traffic = metric === 'in_bps' || metric === 'out_bps';
  return traffic && speedBps && speedBps > 0 ? speedBps * SPEED_TOLERANCE : Number.POSITIVE_INFINITY;
}

/** Whether sanitise keeps a value (under `ceilingOf`); the others become gaps. */
export function saneValue(v: number | null, ceiling: number): v is number {
  return !(v === null || !Number.isFinite(v) || v < 0) && !(v > ceiling);
}

export function sanitise(
  points: readonly Point[],
  metric: AnalysedMetric,
  speedBps: number | null,
): Sanitised {
  const ceiling = ceilingOf(metric, speedBps);
  let gaps = 0;
  let impossible = 0;
  const out: Point[] = [];
  for (const p of points) {
    if (p.v === null || !Number.isFinite(p.v) || p.v < 0) {
      gaps++;
      out.push({ t: p.t, v: null });
    } else if (p.v > ceiling) {
      impossible++;
      out.push({ t: p.t, v: null });
    } else out.push(p);
  }
  return { points: out, gaps, impossible };
}

/** The offset of a port with no known speed, as a fraction of its usual daily peak (see metricSettings). */
const UNKNOWN_SPEED_PEAK_OFFSET = 0.05;

/** Baseline and detector settings per metric: traffic is seasonal and two-sided, errors only go up. */
export function metricSettings(
  metric: AnalysedMetric,
  stepMs: number,
  speedBps: number | null,
): { baseline: BaselineOptions; detector: Omit<DetectorOptions, 'bandFactor'> } {
  const stepS = stepMs / 1000;
  if (metric === 'in_bps' || metric === 'out_bps') {
    const known = speedBps !== null && speedBps > 0;
    return {
      // Multiplicative noise (log scale) with an offset of 10 kb/s or 0.05 % of the port, so an idle
      // port's management chatter is not a 100 % swing; at least 3 % noise on a very steady link.
      // With no speed (ifSpeed 0 or missing) the offset comes from the series itself: 5 % of its
      // usual daily peak, what 0.05 % of the speed is for a port whose day peaks at 1 % of it. Left
      // at 10 kb/s, an idle port's every burst (and the ramp into it) looked huge.
      baseline: {
        season: 'auto',
        log: true,
        minScale: Math.max(10_000, known ? speedBps * 0.0005 : 0),
        relScale: 0.03,
        ...(known ? {} : { peakOffset: UNKNOWN_SPEED_PEAK_OFFSET }),
      },
      detector: { stepMs, sides: 'both' },
    };
  }
  // Counts per poll are small integers: a Poisson-sized floor (two events per step) keeps a quiet
  // port's first CRC error from being a "burst".
  const floor = Math.max(0.01, 2 / stepS);
  return {
    baseline: {
      season: metric.endsWith('errors') ? 'none' : 'auto',
      minScale: floor,
      relScale: 0.1,
      tailScale: true,
      minHistoryMs: 86_400_000,
    },
    detector: { stepMs, sides: 'high', burst: true },
  };
}

export type SpeedIssue =
  | { kind: 'zero-speed'; detail: string }
  | { kind: 'wrong-speed'; detail: string; impossible: number; maxBps: number };

/**
 * An interface whose ifSpeed cannot be right: zero/unknown while it carries traffic, or several
 * rates above it. Reported once per interface (the caller remembers), and its impossible samples
 * are dropped from analysis rather than called anomalies.
 */
export function speedIssue(speedBps: number | null, rates: readonly Point[]): SpeedIssue | null {
  const seen = newRatesSeen();
  for (const p of rates) seeRate(seen, speedBps, p.v);
  return speedIssueOf(speedBps, seen);
}

/** What speedIssue needs of the rates, gathered one value at a time (seeRate). */
export interface RatesSeen {
  max: number;
  above: number;
}

export const newRatesSeen = (): RatesSeen => ({ max: 0, above: 0 });

export function seeRate(seen: RatesSeen, speedBps: number | null, v: number | null): void {
  if (v === null || !Number.isFinite(v)) return;
  if (v > seen.max) seen.max = v;
  if (speedBps && speedBps > 0 && v > speedBps * SPEED_TOLERANCE) seen.above++;
}

/** speedIssue from the rates as seeRate gathered them. */
export function speedIssueOf(speedBps: number | null, { max, above }: RatesSeen): SpeedIssue | null {
  if (!speedBps || speedBps <= 0) {
    return max > 0 ? { kind: 'zero-speed', detail: 'reports speed 0 but carries traffic' } : null;
  }
  if (above >= 3) {
    return {
      kind: 'wrong-speed',
      detail: `${above} rates above its reported speed`,
      impossible: above,
      maxBps: max,
    };
  }
  return null;
}

export interface StatusSample {
  t: number;
  /** ifOperStatus as text: up, down, lowerLayerDown, … */
  status: string;
}

export interface Flap {
  since: number;
  until: number;
  /** Transitions to a non-up state within the window. */
  downs: number;
}

/**
 * Link flaps from oper-status observations: at least `minDowns` transitions up → not-up within
 * `windowMs`. A single sustained down is not a flap (the traffic detectors see the drop).
 */
export function detectFlaps(
  samples: readonly StatusSample[],
  options: { windowMs?: number; minDowns?: number } = {},
): Flap[] {
  const windowMs = options.windowMs ?? 15 * 60_000;
  const minDowns = options.minDowns ?? 2;
  const downs: number[] = [];
  let prev: string | undefined;
  for (const s of samples) {
    if (prev === 'up' && s.status !== 'up') downs.push(s.t);
    prev = s.status;
  }
  const flaps: Flap[] = [];
  let i = 0;
  while (i < downs.length) {
    let j = i;
    while (j + 1 < downs.length && downs[j + 1]! - downs[j]! <= windowMs) j++;
    if (j - i + 1 >= minDowns) flaps.push({ since: downs[i]!, until: downs[j]!, downs: j - i + 1 });
    i = j + 1;
  }
  return flaps;
}
