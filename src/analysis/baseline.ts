import { localHour, localOffset } from './local-time.js';
import { MAD_TO_SIGMA, mad, median, quantile, quantileInPlace } from './stats.js';

/** One observation; `v: null` is a gap (missed poll, reset, impossible rate): never a value. */
export interface Point {
  t: number;
  v: number | null;
}

export type Season = 'week' | 'day' | 'none';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;

export interface BaselineOptions {
  /** 'auto': hour-of-week with two weeks of history, hour-of-day with two days, else none yet. */
  season?: 'auto' | 'none';
  /**
   * Model the noise as multiplicative (traffic: a busy hour is noisier in bits/s but not in
   * percent), i.e. work on log(v + offset). Off for counts of rare events.
   */
  log?: boolean;
  /** The offset (log) or absolute floor of the scale (linear), in the metric's unit. */
  minScale?: number;
  /** Least scale in transformed units (log: a fraction, 0.03 = 3 %; linear: fraction of expected). */
  relScale?: number;
  /**
   * Scale from the upper tail (q99 − median) / 2.33 as well as the MAD: for zero-inflated counters
   * (errors are 0 most of the time) the MAD is 0 and would call every single error an anomaly.
   */
  tailScale?: boolean;
  /** Least history for a seasonal profile; shorter history means no baseline yet. */
  minHistoryMs?: number;
  /**
   * The site's IANA timezone (default UTC): slots are hours of the site's week, and weekends its
   * Saturdays and Sundays, across daylight-saving changes.
   */
  timezone?: string;
}

/**
 * A robust seasonal profile: per slot (hour of week, or hour of day) the median of the history's
 * values, and the scaled MAD of the residuals around the profile (shrunk towards the MAD of all
 * residuals, since one slot holds only a few dozen points). Slots are one hour wide; the expected
 * value between slot centres is interpolated so a morning ramp is not a step.
 */
export interface Baseline {
  season: Season;
  /** 168 (hour of week), 48 (hour of day, weekdays and weekends apart), 24 (hour of day) or 1. */
  slots: number;
  /** IANA name; baselines cached before it was kept (absent) are UTC. */
  timezone?: string;
  log: boolean;
  offset: number;
  /** In transformed units (log(v + offset) when `log`). */
  median: number[];
  scale: number[];
  minScale: number;
  relScale: number;
  globalScale: number;
  /**
   * How far an EWMA (λ 0.3) of this series' residuals wanders on its own: 6 robust σ of the EWMA
   * over the history. Real traffic residuals are autocorrelated (a busy day is busy all day), so
   * a fixed EWMA limit that suits white noise would call every busy afternoon a level shift.
   */
  ewmaLimit: number;
  historyFrom: number;
  historyTo: number;
  points: number;
}

/** Pseudo-count of the shrinkage of a slot's scale towards the global one. */
const SHRINK = 60;

/** The slot of a local hour index (hours since 1970-01-01 00:00 on the site's clock). */
function slotOfHour(h: number, season: Season, slots: number): number {
  if (season === 'none') return 0;
  if (season === 'week' || slots === 24) return ((h % slots) + slots) % slots;
  // 1970-01-01 was a Thursday: day 2 and 3 of each week (mod 7) are Saturday and Sunday.
  const dow = (((Math.floor(h / 24) + 4) % 7) + 7) % 7; // 0 = Sunday
  return (dow === 0 || dow === 6 ? 24 : 0) + (((h % 24) + 24) % 24);
}

/** Hour-wide slots: hour of week, hour of day (weekdays and weekends apart when split), or one. */
function slotOf(t: number, season: Season, slots: number, tz = 'UTC'): number {
  return season === 'none' ? 0 : slotOfHour(localHour(t, tz), season, slots);
}

/*
 * Where `t` sits in a baseline, computed once per sample (the hot path of learning and scoring):
 * its own slot, the two slots whose centres it lies between, and how far it is from the first
 * centre (0..1). Module-level scratch instead of a returned object: nothing is allocated.
 */
let atSlot = 0;
let atPrev = 0;
let atNext = 0;
let atFrac = 0;

function locate(b: Baseline, t: number): void {
  if (b.season === 'none') {
    atSlot = atPrev = atNext = 0;
    atFrac = 0;
    return;
  }
  // The offset at `t` itself: around a daylight-saving change the profile follows the wall clock.
  const local = t + (b.timezone && b.timezone !== 'UTC' ? localOffset(t, b.timezone) : 0);
  const h = Math.floor(local / HOUR);
  const frac = (local - h * HOUR) / HOUR;
  atSlot = slotOfHour(h, b.season, b.slots);
  if (frac < 0.5) {
    atPrev = slotOfHour(h - 1, b.season, b.slots);
    atNext = atSlot;
    atFrac = frac + 0.5;
  } else {
    atPrev = atSlot;
    atNext = slotOfHour(h + 1, b.season, b.slots);
    atFrac = frac - 0.5;
  }
}

export function toModel(b: Pick<Baseline, 'log' | 'offset'>, v: number): number {
  return b.log ? Math.log(Math.max(v, 0) + b.offset) : v;
}

export function fromModel(b: Pick<Baseline, 'log' | 'offset'>, y: number): number {
  return b.log ? Math.max(0, Math.exp(y) - b.offset) : y;
}

/** The profile's expected value at `t` in model units (interpolated between slot centres). */
export function expectedModel(b: Baseline, t: number): number {
  locate(b, t);
  return interpolated(b);
}

/** expectedModel for the sample locate() was last called with. */
function interpolated(b: Baseline): number {
  const a = b.median[atPrev]!;
  return a + (b.median[atNext]! - a) * atFrac;
}

/** The floored scale of the slot locate() was last called with. */
function located(b: Baseline, expected: number): number {
  return scaleOfSlot(b, atSlot, expected);
}

function scaleOfSlot(b: Baseline, k: number, expected: number): number {
  const s = b.scale[k]!;
  if (b.log) return s > b.relScale ? s : b.relScale;
  return Math.max(s, b.minScale, b.relScale * Math.abs(expected));
}

/**
 * The centre of the band is a range, not a point: from the interpolated profile to the median of
 * the slot itself. Interpolation follows a morning ramp; the slot's own median follows a step on
 * the hour (a backup that starts at 02:00, a weekend that starts at midnight), where interpolating
 * from the previous hour would be wrong for half an hour.
 */
function centre(b: Baseline, t: number): { lo: number; hi: number } {
  locate(b, t);
  const e = interpolated(b);
  const m = b.median[atSlot]!;
  return e < m ? { lo: e, hi: m } : { lo: m, hi: e };
}

/** The noise scale at `t` in model units, floored. */
export function scaleModel(b: Baseline, t: number, expected = expectedModel(b, t)): number {
  locate(b, t);
  return located(b, expected);
}

/** Expected value at `t` in the metric's unit. */
export function expectedAt(b: Baseline, t: number): number {
  const c = centre(b, t);
  return fromModel(b, (c.lo + c.hi) / 2);
}

/** Residual of an observation in scales: (model(v) − expected) / scale. */
export function residual(b: Baseline, t: number, v: number, bandFactor = 1): number {
  // centre() inlined: this runs for every sample of every series, and allocates nothing.
  locate(b, t);
  const e = interpolated(b);
  const m = b.median[atSlot]!;
  const lo = e < m ? e : m;
  const hi = e < m ? m : e;
  const y = b.log ? Math.log((v > 0 ? v : 0) + b.offset) : v;
  const d = y > hi ? y - hi : y < lo ? y - lo : 0;
  if (d === 0) return 0;
  return d / (located(b, (lo + hi) / 2) * bandFactor);
}

/** The band [low, high] of ±z scales at `t`, in the metric's unit. */
export function bandAt(
  b: Baseline,
  t: number,
  z = 4,
  bandFactor = 1,
): { expected: number; low: number; high: number } {
  const c = centre(b, t);
  const e = (c.lo + c.hi) / 2;
  const w = z * scaleModel(b, t, e) * bandFactor;
  return {
    expected: fromModel(b, e),
    low: Math.max(0, fromModel(b, c.lo - w)),
    high: fromModel(b, c.hi + w),
  };
}

export function buildBaseline(
  history: readonly Point[],
  options: BaselineOptions = {},
): Baseline | undefined {
  const pts: { t: number; v: number }[] = [];
  for (const p of history) if (p.v !== null && Number.isFinite(p.v)) pts.push(p as { t: number; v: number });
  if (pts.length < 12) return undefined;
  const from = pts[0]!.t;
  const to = pts[pts.length - 1]!.t;
  const span = to - from;
  let season: Season;
  if (options.season === 'none') {
    if (span < (options.minHistoryMs ?? DAY) - HOUR) return undefined;
    season = 'none';
  } else if (span >= 2 * WEEK - DAY / 2) season = 'week';
  else if (span >= (options.minHistoryMs ?? 2 * DAY) - HOUR) season = 'day';
  else return undefined;

  const log = options.log ?? false;
  const offset = log ? Math.max(options.minScale ?? 1, 1e-9) : 0;
  const tf = { log, offset };
  const timezone = options.timezone ?? 'UTC';
  let slots = season === 'week' ? 168 : season === 'day' ? 24 : 1;
  if (season === 'day') {
    // Under two weeks, weekends still differ from weekdays: learn them apart when the history
    // holds at least one weekend day and two weekdays (about a day's worth of samples each).
    let weekend = 0;
    for (const p of pts) if (slotOf(p.t, 'day', 48, timezone) >= 24) weekend++;
    const dayPts = pts.length / (span / DAY);
    if (weekend >= 0.8 * dayPts && pts.length - weekend >= 1.6 * dayPts) slots = 48;
  }
  const n = pts.length;
  const ys = new Float64Array(n);
  const slotIdx = new Int32Array(n);
  const ts = new Float64Array(n);
  const dayIdx = new Int32Array(n);
  const count = new Int32Array(slots + 1);
  for (let i = 0; i < n; i++) {
    ts[i] = pts[i]!.t;
    dayIdx[i] = Math.floor(localHour(ts[i]!, timezone) / 24);
    ys[i] = toModel(tf, pts[i]!.v);
    slotIdx[i] = slotOf(pts[i]!.t, season, slots, timezone);
    count[slotIdx[i]! + 1]!++;
  }
  // Counting sort of point indices by slot; within a slot they stay in time order, so each day is
  // one contiguous run.
  for (let k = 0; k < slots; k++) count[k + 1]! += count[k]!;
  const order = new Int32Array(n);
  const fill = count.slice(0, slots);
  for (let i = 0; i < n; i++) order[fill[slotIdx[i]!]!++] = i;
  const slotValues = (k: number) => {
    const out = new Float64Array(count[k + 1]! - count[k]!);
    for (let j = count[k]!, o = 0; j < count[k + 1]!; j++, o++) out[o] = ys[order[j]!]!;
    return out;
  };
  const globalMedian = median(ys);
  const med = Array.from({ length: slots }, (_, k) =>
    count[k + 1]! > count[k]! ? median(slotValues(k)) : Number.NaN,
  );
  // An empty slot (a week with a gap) borrows its nearest filled neighbour, then the global median.
  for (let i = 0; i < slots; i++) {
    if (!Number.isNaN(med[i]!)) continue;
    let fillV = globalMedian;
    for (let d = 1; d < slots / 2; d++) {
      const l = med[(i - d + slots) % slots]!;
      const r = med[(i + d) % slots]!;
      if (!Number.isNaN(l) || !Number.isNaN(r)) {
        fillV = Number.isNaN(l) ? r : l;
        break;
      }
    }
    med[i] = fillV;
  }
  const b: Baseline = {
    season,
    slots,
    timezone,
    log,
    offset,
    median: med,
    scale: new Array(slots).fill(0),
    minScale: options.minScale ?? 0,
    relScale: options.relScale ?? 0,
    globalScale: 0,
    ewmaLimit: 0,
    historyFrom: from,
    historyTo: to,
    points: n,
  };
  // Residuals out of sample: each point against its slot's median over the *other* days. In-sample
  // residuals are too small (with three weeks, a slot's median sits on one of the three days it
  // was taken from), and a band learnt from them is too narrow for the next day.
  // The interpolated profile at each sample, once.
  const profileAt = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    locate(b, ts[i]!);
    profileAt[i] = interpolated(b);
  }
  const res = new Float64Array(n);
  for (let k = 0; k < slots; k++) {
    const lo = count[k]!;
    const hi = count[k + 1]!;
    if (hi === lo) continue;
    // Runs of one day within the slot.
    const runs: number[] = [lo];
    for (let j = lo + 1; j < hi; j++) if (dayIdx[order[j]!] !== dayIdx[order[j - 1]!]) runs.push(j);
    runs.push(hi);
    // Unseasonal series: one slot over many days, whose median one day barely moves.
    const days = runs.length - 1;
    const loo = days >= 2 && season !== 'none';
    const own = new Float64Array(hi - lo);
    for (let r = 0; r + 1 < runs.length; r++) {
      let shift = 0;
      if (loo) {
        // Leaving day r out moves the slot's centre away from that day's own centre by about
        // (its median − the slot's) / (days − 1): the exact identity for a mean, close for a median,
        // and a fraction of the cost of re-selecting the median of all other days.
        let o = 0;
        for (let j = runs[r]!; j < runs[r + 1]!; j++) own[o++] = ys[order[j]!]!;
        shift = -(quantileInPlace(own.subarray(0, o), 0.5) - med[k]!) / (days - 1);
      }
      for (let j = runs[r]!; j < runs[r + 1]!; j++) {
        const i = order[j]!;
        // The scale is learnt around the interpolated profile (the full spread), even though
        // scoring later forgives the span between it and the slot's median.
        res[j] = ys[i]! - (profileAt[i]! + shift);
      }
    }
  }
  const allRes = res;
  const resBySlot = (k: number) => res.subarray(count[k]!, count[k + 1]!);
  // Deviations from the profile itself (centre 0): a slot the interpolation misses is wider, not hidden.
  const robust = (rs: Float64Array) => {
    const s = MAD_TO_SIGMA * mad(rs, 0);
    return options.tailScale ? Math.max(s, quantile(rs, 0.99) / 2.33) : s;
  };
  const g = robust(allRes);
  b.globalScale = g;
  b.scale = Array.from({ length: slots }, (_, k) => {
    const rs = resBySlot(k);
    if (!rs.length) return g;
    const s = robust(rs);
    // A slot's scale from a few dozen points is itself noisy: shrink it towards the global one.
    return Math.sqrt((rs.length * s * s + SHRINK * g * g) / (rs.length + SHRINK));
  });
  // The EWMA of the out-of-sample residuals in time order, in scales, clipped as the detector does.
  const byPoint = new Float64Array(n);
  for (let j = 0; j < n; j++) byPoint[order[j]!] = res[j]!;
  const ewma = new Float64Array(n);
  let e = 0;
  for (let i = 0; i < n; i++) {
    const sc = scaleOfSlot(b, slotIdx[i]!, med[slotIdx[i]!]!);
    const r = Math.max(-6, Math.min(6, byPoint[i]! / sc));
    e = 0.3 * r + 0.7 * e;
    ewma[i] = e;
  }
  b.ewmaLimit = 6 * MAD_TO_SIGMA * mad(ewma, 0);
  return b;
}
