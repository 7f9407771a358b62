import { localOffset } from './local-time.js';
import { MAD_TO_SIGMA, quantileRange, weightedQuantileRange } from './stats.js';

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
  /**
   * Log only: the offset is at least this fraction of the history's usual daily peak (the upper
   * quartile, over its last two weeks, of each day's highest value). For a series with nothing else to scale
   * its offset by (a port whose speed is unknown): the offset then sits where it would for a port
   * of a plausible size, not at a floor made for the slowest one.
   */
  peakOffset?: number;
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
 * residuals, since one slot holds only a few dozen points). Each day weighs alike in a slot's median
 * and MAD however many points it has there (a sparse day is not outvoted by dense ones). Slots are
 * one hour wide; the expected value between slot centres is interpolated so a morning ramp is not a
 * step.
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
  /**
   * Per hour of the site's day (0–23, model units): the median over the last two weeks' days of
   * that hour's highest sample, where at least three days have it (null otherwise). A short burst
   * no higher than this happens at that hour on most days (a backup, a cron job's transfer every
   * hour): routine, not news. Absent in baselines cached before it was kept.
   */
  routineHigh?: (number | null)[];
  /**
   * For a bursty series only (a quiet port whose day's highest sample, on most days, is a burst far
   * above every hour's usual level): the median over the last two weeks of the day's highest
   * sample (model units). Bursts no higher come at any hour and are routine; absent otherwise.
   */
  routineBurst?: number;
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
  if (h !== memoHour || b.season !== memoSeason || b.slots !== memoSlots) {
    // A series is scored in time order: a dozen samples in a row share their hour's slots.
    memoHour = h;
    memoSeason = b.season;
    memoSlots = b.slots;
    memoOwn = slotOfHour(h, b.season, b.slots);
    memoBefore = slotOfHour(h - 1, b.season, b.slots);
    memoAfter = slotOfHour(h + 1, b.season, b.slots);
  }
  atSlot = memoOwn;
  if (frac < 0.5) {
    atPrev = memoBefore;
    atNext = atSlot;
    atFrac = frac + 0.5;
  } else {
    atPrev = atSlot;
    atNext = memoAfter;
    atFrac = frac - 0.5;
  }
}
let memoHour = Number.NaN;
let memoSeason: Season = 'none';
let memoSlots = 0;
let memoOwn = 0;
let memoBefore = 0;
let memoAfter = 0;

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

/*
 * The time axis of a history, computed once and shared: every interface of a fleet is polled on
 * the same 5-minute grid, so the slot, day and neighbouring slots of each timestamp are the same
 * for all of their series. A few axes are kept (the last ones seen), each checked point by point
 * against the history before use, so a series on another grid just computes its own.
 */
interface Axis {
  tz: string;
  t: Float64Array;
  /** Local hour index and the fraction of the hour (0..1) of each timestamp. */
  hour: Float64Array;
  frac: Float64Array;
  /** Per season/slots: own slot, the slots whose centres each timestamp lies between, and where. */
  slotted: Map<string, SlotAxis>;
}
interface SlotAxis {
  slot: Int32Array;
  prev: Int32Array;
  next: Int32Array;
  at: Float64Array;
}

const AXES = 4;
const axes: Axis[] = [];

function axisOf(history: readonly Point[], tz: string): Axis {
  const n = history.length;
  for (let a = 0; a < axes.length; a++) {
    const x = axes[a]!;
    if (x.tz !== tz || x.t.length !== n) continue;
    let same = true;
    for (let i = 0; i < n; i++)
      if (history[i]!.t !== x.t[i]) {
        same = false;
        break;
      }
    if (!same) continue;
    if (a > 0) {
      axes.splice(a, 1);
      axes.unshift(x);
    }
    return x;
  }
  const x: Axis = {
    tz,
    t: new Float64Array(n),
    hour: new Float64Array(n),
    frac: new Float64Array(n),
    slotted: new Map(),
  };
  const utc = tz === 'UTC';
  for (let i = 0; i < n; i++) {
    const t = history[i]!.t;
    x.t[i] = t;
    const local = t + (utc ? 0 : localOffset(t, tz));
    const h = Math.floor(local / HOUR);
    x.hour[i] = h;
    x.frac[i] = (local - h * HOUR) / HOUR;
  }
  axes.unshift(x);
  if (axes.length > AXES) axes.pop();
  return x;
}

function slotAxis(x: Axis, season: Season, slots: number): SlotAxis {
  const key = `${season}/${slots}`;
  let s = x.slotted.get(key);
  if (s) return s;
  const n = x.t.length;
  s = { slot: new Int32Array(n), prev: new Int32Array(n), next: new Int32Array(n), at: new Float64Array(n) };
  for (let i = 0; i < n; i++) {
    if (season === 'none') continue; // all zero, as locate() says
    const h = x.hour[i]!;
    const frac = x.frac[i]!;
    const own = slotOfHour(h, season, slots);
    s.slot[i] = own;
    if (frac < 0.5) {
      s.prev[i] = slotOfHour(h - 1, season, slots);
      s.next[i] = own;
      s.at[i] = frac + 0.5;
    } else {
      s.prev[i] = own;
      s.next[i] = slotOfHour(h + 1, season, slots);
      s.at[i] = frac - 0.5;
    }
  }
  x.slotted.set(key, s);
  return s;
}

/*
 * Scratch buffers reused by every buildBaseline call (it is synchronous: one set per thread), so
 * learning a fleet's baselines allocates per baseline only what it returns.
 */
let cap = 0;
let sIdx = new Int32Array(0);
let sYs = new Float64Array(0);
let sSlot = new Int32Array(0);
let sDay = new Float64Array(0);
let sOrder = new Int32Array(0);
let sProfile = new Float64Array(0);
let sRes = new Float64Array(0);
let sTmp = new Float64Array(0);
let sOwn = new Float64Array(0);
let sW = new Float64Array(0);
let sTmpW = new Float64Array(0);
function scratch(n: number): void {
  if (n <= cap) return;
  cap = Math.max(n, cap * 2);
  sIdx = new Int32Array(cap);
  sYs = new Float64Array(cap);
  sSlot = new Int32Array(cap);
  sDay = new Float64Array(cap);
  sOrder = new Int32Array(cap);
  sProfile = new Float64Array(cap);
  sRes = new Float64Array(cap);
  sTmp = new Float64Array(cap);
  sOwn = new Float64Array(cap);
  sW = new Float64Array(cap);
  sTmpW = new Float64Array(cap);
}

/** Median absolute deviation around `center` of a[from..to), in scratch (a itself is untouched). */
function madRange(a: Float64Array, from: number, to: number, center: number): number {
  for (let i = from, o = 0; i < to; i++, o++) sTmp[o] = Math.abs(a[i]! - center);
  return quantileRange(sTmp, 0, to - from, 0.5);
}

function quantileCopy(a: Float64Array, from: number, to: number, q: number): number {
  for (let i = from, o = 0; i < to; i++, o++) sTmp[o] = a[i]!;
  return quantileRange(sTmp, 0, to - from, q);
}

/** As quantileCopy, each value weighing w[i] (a and w untouched). */
function weightedQuantileCopy(a: Float64Array, w: Float64Array, from: number, to: number, q: number): number {
  for (let i = from, o = 0; i < to; i++, o++) {
    sTmp[o] = a[i]!;
    sTmpW[o] = w[i]!;
  }
  return weightedQuantileRange(sTmp, sTmpW, 0, to - from, q);
}

/** As madRange, each value weighing w[i]. */
function weightedMadRange(
  a: Float64Array,
  w: Float64Array,
  from: number,
  to: number,
  center: number,
): number {
  for (let i = from, o = 0; i < to; i++, o++) {
    sTmp[o] = Math.abs(a[i]! - center);
    sTmpW[o] = w[i]!;
  }
  return weightedQuantileRange(sTmp, sTmpW, 0, to - from, 0.5);
}

const ROUTINE_DAYS = 14;

/** Baseline.routineHigh from the history's model values (ys[j] is point idx[j], day dayIdx[j]). */
function routineHighs(
  ys: Float64Array,
  dayIdx: Int32Array | Float64Array,
  hour: Float64Array,
  idx: Int32Array | Float64Array,
  n: number,
): { hourly: (number | null)[]; daily: number; max: Float64Array } {
  const last = dayIdx[n - 1]!;
  const first = Math.max(dayIdx[0]!, last - ROUTINE_DAYS + 1);
  const days = last - first + 1;
  const max = new Float64Array(days * 24).fill(Number.NEGATIVE_INFINITY);
  for (let j = n - 1; j >= 0 && dayIdx[j]! >= first; j--) {
    const h = hour[idx[j]!]!;
    const cell = (dayIdx[j]! - first) * 24 + (((h % 24) + 24) % 24);
    if (ys[j]! > max[cell]!) max[cell] = ys[j]!;
  }
  const out: (number | null)[] = new Array(24).fill(null);
  const col = new Float64Array(days);
  for (let h = 0; h < 24; h++) {
    let m = 0;
    for (let d = 0; d < days; d++) {
      const v = max[d * 24 + h]!;
      if (v > Number.NEGATIVE_INFINITY) col[m++] = v;
    }
    if (m >= 3) out[h] = quantileRange(col, 0, m, 0.5);
  }
  // The day's highest sample, on days with most of their hours polled.
  let m = 0;
  for (let d = 0; d < days; d++) {
    let top = Number.NEGATIVE_INFINITY;
    let hours = 0;
    for (let h = 0; h < 24; h++) {
      const v = max[d * 24 + h]!;
      if (v > Number.NEGATIVE_INFINITY) hours++;
      if (v > top) top = v;
    }
    if (hours >= 18) col[m++] = top;
  }
  return { hourly: out, daily: m >= 3 ? quantileRange(col, 0, m, 0.5) : Number.NaN, max };
}

/**
 * The upper quartile, over the last ROUTINE_DAYS days of the history (site's days), of each day's
 * highest value: what the series reaches on an ordinary busy day, in its own unit.
 */
function usualPeak(history: readonly Point[], idx: Int32Array, n: number, hour: Float64Array): number {
  const last = Math.floor(hour[idx[n - 1]!]! / 24);
  const first = Math.max(Math.floor(hour[idx[0]!]! / 24), last - ROUTINE_DAYS + 1);
  const top = new Float64Array(last - first + 1).fill(Number.NEGATIVE_INFINITY);
  for (let j = n - 1; j >= 0; j--) {
    const d = Math.floor(hour[idx[j]!]! / 24) - first;
    if (d < 0) break;
    const v = history[idx[j]!]!.v as number;
    if (v > top[d]!) top[d] = v;
  }
  let m = 0;
  for (let d = 0; d < top.length; d++) if (top[d]! > Number.NEGATIVE_INFINITY) top[m++] = top[d]!;
  return m ? quantileRange(top, 0, m, 0.75) : 0;
}

/**
 * Whether `v` at `t` is no higher than what that hour of the site's day reaches on most days
 * (within `z` noise scales: the same burst is never quite the same size twice).
 */
export function isRoutineHigh(b: Baseline, t: number, v: number, z: number): boolean {
  const r = b.routineHigh;
  if (!r) return false;
  const local = t + (b.timezone && b.timezone !== 'UTC' ? localOffset(t, b.timezone) : 0);
  const h = ((Math.floor(local / HOUR) % 24) + 24) % 24;
  const high = Math.max(r[h] ?? Number.NEGATIVE_INFINITY, b.routineBurst ?? Number.NEGATIVE_INFINITY);
  return toModel(b, v) <= high + z * scaleModel(b, t);
}

export function buildBaseline(
  history: readonly Point[],
  options: BaselineOptions = {},
): Baseline | undefined {
  const n0 = history.length;
  scratch(n0);
  const idx = sIdx;
  let n = 0;
  for (let i = 0; i < n0; i++) {
    const v = history[i]!.v;
    if (v !== null && Number.isFinite(v)) idx[n++] = i;
  }
  if (n < 12) return undefined;
  const from = history[idx[0]!]!.t;
  const to = history[idx[n - 1]!]!.t;
  const span = to - from;
  let season: Season;
  if (options.season === 'none') {
    if (span < (options.minHistoryMs ?? DAY) - HOUR) return undefined;
    season = 'none';
  } else if (span >= 2 * WEEK - DAY / 2) season = 'week';
  else if (span >= (options.minHistoryMs ?? 2 * DAY) - HOUR) season = 'day';
  else return undefined;

  const log = options.log ?? false;
  const timezone = options.timezone ?? 'UTC';
  const axis = axisOf(history, timezone);
  let offset = log ? Math.max(options.minScale ?? 1, 1e-9) : 0;
  if (log && options.peakOffset) {
    const peak = usualPeak(history, idx, n, axis.hour);
    if (peak * options.peakOffset > offset) offset = peak * options.peakOffset;
  }
  let slots = season === 'week' ? 168 : season === 'day' ? 24 : 1;
  if (season === 'day') {
    // Under two weeks, weekends still differ from weekdays: learn them apart when the history
    // holds at least one weekend day and two weekdays (about a day's worth of samples each).
    const split = slotAxis(axis, 'day', 48).slot;
    let weekend = 0;
    for (let j = 0; j < n; j++) if (split[idx[j]!]! >= 24) weekend++;
    const dayPts = n / (span / DAY);
    if (weekend >= 0.8 * dayPts && n - weekend >= 1.6 * dayPts) slots = 48;
  }
  const sa = slotAxis(axis, season, slots);
  const ys = sYs;
  const slotIdx = sSlot;
  const dayIdx = sDay;
  const count = new Int32Array(slots + 1);
  for (let j = 0; j < n; j++) {
    const i = idx[j]!;
    dayIdx[j] = Math.floor(axis.hour[i]! / 24);
    const v = history[i]!.v as number;
    ys[j] = log ? Math.log(Math.max(v, 0) + offset) : v;
    const k = sa.slot[i]!;
    slotIdx[j] = k;
    count[k + 1]!++;
  }
  // Counting sort of point indices by slot; within a slot they stay in time order, so each day is
  // one contiguous run.
  for (let k = 0; k < slots; k++) count[k + 1]! += count[k]!;
  const order = sOrder;
  const fill = count.slice(0, slots);
  for (let j = 0; j < n; j++) order[fill[slotIdx[j]!]!++] = j;
  // Each day weighs alike in its slot: a point weighs 1 / (the points its day has in the slot), so a
  // day polled every 30 minutes (a poller's outage, a sparse import) is not outvoted by the dense
  // days after it. Slots whose days hold about as many points (the usual case: every day polled,
  // a missed poll here and there) take the plain, faster statistics, which are nearly the same.
  const weight = sW;
  /** Fills weight[lo..hi) for one slot. */
  const dayWeights = (lo: number, hi: number) => {
    let start = lo;
    while (start < hi) {
      let end = start + 1;
      while (end < hi && dayIdx[order[end]!] === dayIdx[order[end - 1]!]) end++;
      for (let j = start; j < end; j++) weight[j] = 1 / (end - start);
      start = end;
    }
  };
  const uneven = new Uint8Array(slots);
  // Days of a slot (one day's points in one slot) in all, and those with fewer points than the
  // slot's fullest day.
  let runs = 0;
  let shortRuns = 0;
  const med: number[] = new Array(slots);
  let empty = false;
  for (let k = 0; k < slots; k++) {
    const lo = count[k]!;
    const hi = count[k + 1]!;
    if (hi === lo) {
      med[k] = Number.NaN;
      empty = true;
      continue;
    }
    // Copy the slot's values and count its days and their fewest and most points in one pass.
    let day = dayIdx[order[lo]!]!;
    let run = 0;
    let fewest = hi - lo;
    let most = 0;
    let days = 1;
    for (let j = lo, o = 0; j < hi; j++, o++) {
      const p = order[j]!;
      sTmp[o] = ys[p]!;
      if (dayIdx[p] !== day) {
        if (run < fewest) fewest = run;
        if (run > most) most = run;
        run = 0;
        days++;
        day = dayIdx[p]!;
      }
      run++;
    }
    if (run < fewest) fewest = run;
    if (run > most) most = run;
    runs += days;
    // Days within a quarter of each other (a missed poll or two) weigh alike as they are.
    if (fewest * 4 >= most * 3) {
      med[k] = quantileRange(sTmp, 0, hi - lo, 0.5);
      continue;
    }
    uneven[k] = 1;
    dayWeights(lo, hi);
    for (let j = lo; j < hi; j++) if (weight[j]! * most * 3 > 4) shortRuns += weight[j]!;
    for (let j = lo, o = 0; j < hi; j++, o++) sTmpW[o] = weight[j]!;
    med[k] = weightedQuantileRange(sTmp, sTmpW, 0, hi - lo, 0.5);
  }
  // The statistics over all slots (the global scale, the EWMA's limit) are weighted too when a tenth
  // of the days of slots are short: a partial first hour or an outage of an hour cannot move a
  // median of thousands, and weighing every point costs a tenth of the build.
  const weighAll = shortRuns * 10 >= runs;
  if (weighAll) for (let k = 0; k < slots; k++) if (!uneven[k]) dayWeights(count[k]!, count[k + 1]!);
  if (empty) {
    // An empty slot (a week with a gap) borrows its nearest filled neighbour, then the global median.
    const globalMedian = quantileCopy(ys, 0, n, 0.5);
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
  }
  const routine = season === 'none' ? undefined : routineHighs(ys, dayIdx, axis.hour, idx, n);
  const routineHigh = routine?.hourly;
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
    ...(routineHigh ? { routineHigh } : {}),
  };
  // Residuals out of sample: each point against its slot's median over the *other* days. In-sample
  // residuals are too small (with three weeks, a slot's median sits on one of the three days it
  // was taken from), and a band learnt from them is too narrow for the next day.
  // The interpolated profile at each sample, once.
  const profileAt = sProfile;
  for (let j = 0; j < n; j++) {
    const i = idx[j]!;
    const a = med[sa.prev[i]!]!;
    profileAt[j] = a + (med[sa.next[i]!]! - a) * sa.at[i]!;
  }
  const res = sRes;
  const own = sOwn;
  for (let k = 0; k < slots; k++) {
    const lo = count[k]!;
    const hi = count[k + 1]!;
    if (hi === lo) continue;
    // Runs of one day within the slot. Unseasonal series: one slot over many days, whose median
    // one day barely moves.
    let days = 1;
    for (let j = lo + 1; j < hi; j++) if (dayIdx[order[j]!] !== dayIdx[order[j - 1]!]) days++;
    const loo = days >= 2 && season !== 'none';
    let start = lo;
    while (start < hi) {
      let end = start + 1;
      while (end < hi && dayIdx[order[end]!] === dayIdx[order[end - 1]!]) end++;
      let shift = 0;
      if (loo) {
        // Leaving day r out moves the slot's centre away from that day's own centre by about
        // (its median − the slot's) / (days − 1): the exact identity for a mean, close for a median,
        // and a fraction of the cost of re-selecting the median of all other days.
        let o = 0;
        for (let j = start; j < end; j++) own[o++] = ys[order[j]!]!;
        shift = -(quantileRange(own, 0, o, 0.5) - med[k]!) / (days - 1);
      }
      for (let j = start; j < end; j++) {
        const i = order[j]!;
        // The scale is learnt around the interpolated profile (the full spread), even though
        // scoring later forgives the span between it and the slot's median.
        res[j] = ys[i]! - (profileAt[i]! + shift);
      }
      start = end;
    }
  }
  // Deviations from the profile itself (centre 0): a slot the interpolation misses is wider, not hidden.
  // Weighted as the medians are (res[j] and weight[j] are both by position in `order`).
  const robust = (lo: number, hi: number, weighted: boolean) => {
    if (weighted) {
      const s = MAD_TO_SIGMA * weightedMadRange(res, weight, lo, hi, 0);
      return options.tailScale ? Math.max(s, weightedQuantileCopy(res, weight, lo, hi, 0.99) / 2.33) : s;
    }
    const s = MAD_TO_SIGMA * madRange(res, lo, hi, 0);
    return options.tailScale ? Math.max(s, quantileCopy(res, lo, hi, 0.99) / 2.33) : s;
  };
  const g = robust(0, n, weighAll);
  b.globalScale = g;
  const scale: number[] = new Array(slots);
  for (let k = 0; k < slots; k++) {
    const len = count[k + 1]! - count[k]!;
    if (!len) {
      scale[k] = g;
      continue;
    }
    // One slot (unseasonal) spans every residual: its scale is the global one, already known.
    const s = len === n ? g : robust(count[k]!, count[k + 1]!, uneven[k] === 1);
    // A slot's scale from a few dozen points is itself noisy: shrink it towards the global one.
    scale[k] = Math.sqrt((len * s * s + SHRINK * g * g) / (len + SHRINK));
  }
  b.scale = scale;
  // The EWMA of the out-of-sample residuals in time order, in scales, clipped as the detector does.
  const byPoint = profileAt; // no longer needed: reused
  const weightByPoint = own; // likewise
  for (let j = 0; j < n; j++) byPoint[order[j]!] = res[j]!;
  if (weighAll) for (let j = 0; j < n; j++) weightByPoint[order[j]!] = weight[j]!;
  const ewma = res; // likewise
  let e = 0;
  for (let i = 0; i < n; i++) {
    const k = slotIdx[i]!;
    const sc = scaleOfSlot(b, k, med[k]!);
    const r = Math.max(-6, Math.min(6, byPoint[i]! / sc));
    e = 0.3 * r + 0.7 * e;
    ewma[i] = e;
  }
  b.ewmaLimit =
    6 * MAD_TO_SIGMA * (weighAll ? weightedMadRange(ewma, weightByPoint, 0, n, 0) : madRange(ewma, 0, n, 0));
  // Bursty: the usual day's top is far (more than BURSTY scales) above every hour's usual level,
  // so it is made of bursts, not of the busy hour. A smooth daily curve's top is its busy hour.
  // And its bursts come at many hours of the day (a nightly backup's do not: its hours have their
  // own routineHigh, and the same burst in the afternoon is news).
  if (routine && Number.isFinite(routine.daily)) {
    let top = Number.NEGATIVE_INFINITY;
    for (let k = 0; k < slots; k++) if (med[k]! > top) top = med[k]!;
    if (routine.daily > top + BURSTY * Math.max(g, b.log ? b.relScale : b.minScale)) {
      const half = (routine.daily + top) / 2;
      let hours = 0;
      for (let h = 0; h < 24; h++)
        for (let d = h; d < routine.max.length; d += 24)
          if (routine.max[d]! >= half) {
            hours++;
            break;
          }
      if (hours >= BURST_HOURS) b.routineBurst = routine.daily;
    }
  }
  return b;
}

/** How far (in scales) a day's usual top must stand above every hour's level to call a series bursty. */
const BURSTY = 12;
/** Hours of the day that must have seen such a burst for bursts to count as coming at any hour. */
const BURST_HOURS = 8;
