import { type Baseline, bandAt, isRoutineHigh, type Point, residual } from './baseline.js';

/**
 * Detection on one series against its baseline, one point at a time, so the same code serves the
 * incremental run after each poll round and a batch over a week. Three rules, each a standard
 * control-chart idea on robust residuals r = (observed − expected) / scale:
 *  - k of n: at least k of the last n points outside the band (|r| > z) on the same side. One noisy
 *    sample is never an alert.
 *  - hard: the last 2 points, one poll apart, far outside (|r| > hardZ): a spike is seen in two
 *    samples, not seven; unless it is no higher than that hour of the day reaches on most days.
 *  - EWMA of the clipped residual beyond a limit: a level shift too small for the hard rule is seen
 *    after a few samples instead of k.
 * Gaps reset the rule state: a reboot or a polling hole is never an anomaly by itself.
 */

export type AnomalyKind = 'spike' | 'dip' | 'level-shift' | 'drop-to-zero' | 'burst';
export type Side = 'high' | 'low';

export interface DetectorOptions {
  /** Sampling step of the series (gap detection). */
  stepMs: number;
  /** Band half-width in scales (default 4). */
  z?: number;
  /** k of the last n outside the band (defaults 7 and 9, as the issue asks). */
  k?: number;
  n?: number;
  hardZ?: number;
  ewmaLambda?: number;
  ewmaLimit?: number;
  /** Residuals are clipped here before the EWMA so one wild sample cannot carry it alone. */
  clip?: number;
  /** Consecutive in-band points that clear an open anomaly. */
  clearAfter?: number;
  /** Which deviations count: counters of errors only matter upwards. */
  sides?: 'both' | 'high';
  /** Multiplier on the band from "expected" feedback (1 = as learnt). */
  bandFactor?: number;
  /** 'burst' for error/discard series; level kinds otherwise. */
  burst?: boolean;
}

export interface SeriesAnomaly {
  kind: AnomalyKind;
  side: Side;
  rule: 'hard' | 'k-of-n' | 'ewma';
  /** First sample of the excursion. */
  since: number;
  /** The sample that made the rule true. */
  detectedAt: number;
  clearedAt?: number;
  observed: number;
  expected: number;
  low: number;
  high: number;
  peak: number;
  peakAt: number;
  /** Largest |residual| in scales. */
  score: number;
}

export interface DetectorState {
  ewma: number;
  lastT: number | null;
  /** Ring buffer of the last n samples (time, value, residual); `len` of them valid. */
  rt: Float64Array;
  rv: Float64Array;
  rr: Float64Array;
  head: number;
  len: number;
  open: SeriesAnomaly | null;
  inBand: number;
}

export type DetectorEvent =
  | { type: 'open'; anomaly: SeriesAnomaly }
  | { type: 'clear'; anomaly: SeriesAnomaly };

const RING = 32;

export function newDetectorState(): DetectorState {
  return {
    ewma: 0,
    lastT: null,
    rt: new Float64Array(RING),
    rv: new Float64Array(RING),
    rr: new Float64Array(RING),
    head: 0,
    len: 0,
    open: null,
    inBand: 0,
  };
}

const defaults = {
  z: 4,
  k: 7,
  n: 9,
  hardZ: 6,
  ewmaLambda: 0.3,
  ewmaLimit: 3.5,
  clip: 6,
  clearAfter: 3,
};

interface Resolved {
  stepMs: number;
  z: number;
  k: number;
  n: number;
  hardZ: number;
  ewmaLambda: number;
  ewmaLimit: number;
  clip: number;
  clearAfter: number;
  high: boolean;
  bandFactor: number;
  burst: boolean;
}
const cache = new WeakMap<DetectorOptions, Resolved>();
/** Options resolved once per options object: this runs for every sample of every series. */
function resolved(options: DetectorOptions): Resolved {
  let o = cache.get(options);
  if (!o) {
    o = {
      stepMs: options.stepMs,
      z: options.z ?? defaults.z,
      k: options.k ?? defaults.k,
      n: Math.min(options.n ?? defaults.n, RING),
      hardZ: options.hardZ ?? defaults.hardZ,
      ewmaLambda: options.ewmaLambda ?? defaults.ewmaLambda,
      ewmaLimit: options.ewmaLimit ?? defaults.ewmaLimit,
      clip: options.clip ?? defaults.clip,
      clearAfter: options.clearAfter ?? defaults.clearAfter,
      high: options.sides === 'high',
      bandFactor: options.bandFactor ?? 1,
      burst: options.burst ?? false,
    };
    cache.set(options, o);
  }
  return o;
}

/** Index of the i-th oldest sample of the window (a function, not a closure: this is the hot loop). */
function ringAt(state: DetectorState, i: number): number {
  return (state.head - (state.len - 1 - i) + RING) % RING;
}

/** Feeds one point; returns the event it caused, if any. Mutates `state`. */
export function stepDetector(
  state: DetectorState,
  p: Point,
  b: Baseline,
  options: DetectorOptions,
): DetectorEvent | null {
  if (p.v === null || !Number.isFinite(p.v)) return null;
  return step(state, p.t, p.v, b, resolved(options));
}

/** stepDetector with its options already resolved (detectSeries resolves them once per series). */
function step(state: DetectorState, t: number, v: number, b: Baseline, o: Resolved): DetectorEvent | null {
  const factor = o.bandFactor;
  if (state.lastT !== null && t - state.lastT > 3 * o.stepMs) {
    // A hole longer than a few polls: what came before says nothing about what follows.
    state.ewma = 0;
    state.len = 0;
  }
  state.lastT = t;
  let r = residual(b, t, v, factor);
  if (o.high && r < 0) r = 0;
  state.head = (state.head + 1) % RING;
  state.rt[state.head] = t;
  state.rv[state.head] = v;
  state.rr[state.head] = r;
  if (state.len < o.n) state.len++;
  const clipped = Math.max(-o.clip, Math.min(o.clip, r));
  state.ewma = o.ewmaLambda * clipped + (1 - o.ewmaLambda) * state.ewma;

  if (state.open && (state.open.side === 'high' ? -r : r) > o.z) {
    // Far outside on the other side (a drop, then a surge well above the band): the open anomaly is
    // over, and this sample may start its own. Kept open, the surge would only count as "back in
    // band" and clear it, and the surge be seen k samples late.
    const a = state.open;
    a.clearedAt = t;
    state.open = null;
    state.inBand = 0;
    state.ewma = clipped;
    const next = openIfRuleHolds(state, t, v, b, o, r);
    return next ?? { type: 'clear', anomaly: a };
  }
  if (state.open) {
    const a = state.open;
    const dev = a.side === 'high' ? r : -r;
    if (Math.abs(r) > a.score) a.score = Math.abs(r);
    if ((a.side === 'high' && v > a.peak) || (a.side === 'low' && v < a.peak)) {
      a.peak = v;
      a.peakAt = t;
    }
    if (dev <= o.z) state.inBand++;
    else state.inBand = 0;
    if (a.kind === 'spike' || a.kind === 'dip') {
      // Still outside after a dozen samples: that is a new level, not a spike.
      if (state.inBand === 0 && t - a.since >= 12 * o.stepMs) a.kind = 'level-shift';
    }
    if (state.inBand >= o.clearAfter) {
      a.clearedAt = t;
      state.open = null;
      state.inBand = 0;
      state.ewma = 0;
      state.len = 0;
      return { type: 'clear', anomaly: a };
    }
    return null;
  }
  return openIfRuleHolds(state, t, v, b, o, r);
}

/** With no anomaly open: the rules on the window ending at `p`; opens one when a rule holds. */
function openIfRuleHolds(
  state: DetectorState,
  t: number,
  v: number,
  b: Baseline,
  o: Resolved,
  r: number,
): DetectorEvent | null {
  const factor = o.bandFactor;
  // A short burst no higher than this hour of the day reaches on most days is routine (a nightly
  // backup, a job that transfers every hour): the fast rules (hard, EWMA) are waived for it. If it
  // lasts, k of n still sees it; dips and error bursts are never waived.
  const routine = () => r > 0 && !o.burst && isRoutineHigh(b, t, v, 1);
  // Window: the last `len` samples; ringAt(state, i) is the i-th oldest.
  let rule: SeriesAnomaly['rule'] | null = null;
  let side: Side = r >= 0 ? 'high' : 'low';
  if (Math.abs(r) > o.z) {
    // Only the current sample's side can fire: the rule must hold at the sample that reports it.
    const sign = r > 0 ? 1 : -1;
    let soft = 0;
    for (let i = 0; i < state.len; i++) if (sign * state.rr[ringAt(state, i)]! > o.z) soft++;
    // Hard: this sample and the one before it, one poll apart, both far outside. Two far samples
    // with a normal one between them are two blips, not one event: on real traffic that "2 of 3"
    // fired on every hourly pair of cron bursts.
    const prev = state.len >= 2 ? ringAt(state, state.len - 2) : -1;
    if (
      prev >= 0 &&
      sign * r > o.hardZ &&
      sign * state.rr[prev]! > o.hardZ &&
      t - state.rt[prev]! <= 1.5 * o.stepMs &&
      !routine()
    )
      rule = 'hard';
    else if (soft >= o.k) rule = 'k-of-n';
  }
  if (
    !rule &&
    Math.abs(state.ewma) > Math.max(o.ewmaLimit, b.ewmaLimit) &&
    Math.sign(state.ewma) * r > o.z &&
    !(state.ewma > 0 && routine())
  ) {
    rule = 'ewma';
    side = state.ewma > 0 ? 'high' : 'low';
  }
  if (!rule) return null;
  if (o.high && side === 'low') return null;

  const sign = side === 'high' ? 1 : -1;
  // Since when: walk back over the run of samples already leaning the same way.
  let since = t;
  for (let i = state.len - 1; i >= 0 && sign * state.rr[ringAt(state, i)]! > Math.min(2, o.z / 2); i--)
    since = state.rt[ringAt(state, i)]!;
  let peak = v;
  let peakAt = t;
  let score = 0;
  for (let i = 0; i < state.len; i++) {
    const k = ringAt(state, i);
    if (state.rt[k]! < since) continue;
    if (sign * state.rv[k]! > sign * peak) {
      peak = state.rv[k]!;
      peakAt = state.rt[k]!;
    }
    score = Math.max(score, Math.abs(state.rr[k]!));
  }
  const band = bandAt(b, t, o.z, factor);
  const e = band.expected;
  let kind: AnomalyKind;
  if (o.burst) kind = 'burst';
  // Down to next to nothing: under 2 % of expected, and (traffic) under the model's offset (0.05 %
  // of the port's speed), so a 1 Gb/s port dipping to 40 kb/s from 250 kb/s is a dip, not "zero".
  else if (side === 'low' && v <= (b.log ? Math.min(b.offset, 0.02 * e) : Math.max(b.minScale, 0.02 * e)))
    kind = 'drop-to-zero';
  else if (rule === 'hard') kind = side === 'high' ? 'spike' : 'dip';
  else kind = 'level-shift';
  const a: SeriesAnomaly = {
    kind,
    side,
    rule,
    since,
    detectedAt: t,
    observed: v,
    expected: e,
    low: band.low,
    high: band.high,
    peak,
    peakAt,
    score,
  };
  state.open = a;
  state.inBand = 0;
  return { type: 'open', anomaly: a };
}

/*
 * The state of a one-off run (no state passed in), reused: a round scores 60,000 series, and three
 * fresh typed arrays each were a good part of its allocations. Reset as newDetectorState() makes
 * it; the ring's old contents are never read (only the `len` newest entries are).
 */
const scratch = newDetectorState();
function freshScratch(): DetectorState {
  scratch.ewma = 0;
  scratch.lastT = null;
  scratch.head = 0;
  scratch.len = 0;
  scratch.open = null;
  scratch.inBand = 0;
  return scratch;
}

/** detectSeries' points as detectValues takes them (a gap: NaN), reused as the state above is. */
let seriesT = new Float64Array(64);
let seriesV = new Float64Array(64);

/** Runs the detector over a whole series; returns every anomaly (open ones without clearedAt). */
export function detectSeries(
  points: readonly Point[],
  b: Baseline,
  options: DetectorOptions,
  state: DetectorState = freshScratch(),
): SeriesAnomaly[] {
  const n = points.length;
  if (seriesT.length < n) {
    seriesT = new Float64Array(n);
    seriesV = new Float64Array(n);
  }
  for (let i = 0; i < n; i++) {
    const p = points[i]!;
    seriesT[i] = p.t;
    seriesV[i] = p.v ?? Number.NaN;
  }
  return detectValues(seriesT, seriesV, n, b, options, state);
}

/**
 * detectSeries over a series held as two arrays (times, values; a value that is not finite is a
 * gap), the first `n` of them: the analysis job's rounds, without a point object per sample.
 */
export function detectValues(
  ts: ArrayLike<number>,
  vs: ArrayLike<number>,
  n: number,
  b: Baseline,
  options: DetectorOptions,
  state: DetectorState = freshScratch(),
): SeriesAnomaly[] {
  const out: SeriesAnomaly[] = [];
  const o = resolved(options);
  for (let i = 0; i < n; i++) {
    const v = vs[i]!;
    if (!Number.isFinite(v)) continue;
    const ev = step(state, ts[i]!, v, b, o);
    if (ev?.type === 'open') out.push(ev.anomaly);
  }
  return out;
}
