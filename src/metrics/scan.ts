import type { Bucket } from './downsample.js';
import type { SampleChunk } from './packed.js';

/**
 * One pass over an interface's samples that yields both the pixel buckets a chart draws and the
 * summary figures printed under it (peak and when, p95, average, latest), so a chart over a
 * million samples reads them once. Pure: chunks in, numbers out.
 */

export interface ScanStats {
  peak: number;
  /** Epoch ms of the first sample holding the peak. */
  peakAt: number;
  avg: number;
  /** The latest known value and when it was taken. */
  current: number;
  currentAt: number;
  samples: number;
  /** percentile_disc(0.95) over every known value, as PostgreSQL computes it. */
  p95: number;
}

export interface ScanResult {
  series: Record<string, Bucket[]>;
  stats: Record<string, ScanStats>;
  /** Samples read (rows, whatever their nulls). */
  rows: number;
}

export interface ScanOptions {
  from: number;
  to: number;
  bucketMs: number;
  /** Start of the pixel grid (differs from `from` when reading only the tail of a range). */
  origin?: number;
  /** Skip the p95 (it needs every value kept until the end). */
  p95?: boolean;
}

/** The k-th smallest (0-based) of xs, rearranging xs (Hoare's selection, expected linear). */
export function select(xs: Float64Array, k: number): number {
  let lo = 0;
  let hi = xs.length - 1;
  while (hi > lo) {
    const pivot = xs[(lo + hi) >>> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (xs[i]! < pivot) i++;
      while (xs[j]! > pivot) j--;
      if (i <= j) {
        const t = xs[i]!;
        xs[i] = xs[j]!;
        xs[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return xs[k]!;
  }
  return xs[k]!;
}

/**
 * percentile_disc(f): the first value whose cumulative share reaches f. Exact, in two cheap
 * passes instead of a selection over every value: a histogram between min and max finds the bin
 * holding the wanted rank, and only that bin's values are selected from.
 */
export function percentileDisc(xs: Float64Array, f: number, min?: number, max?: number): number {
  const n = xs.length;
  if (!n) return Number.NaN;
  const k = Math.max(1, Math.ceil(f * n)) - 1;
  let lo = min ?? Number.POSITIVE_INFINITY;
  let hi = max ?? Number.NEGATIVE_INFINITY;
  if (min === undefined || max === undefined) {
    for (let i = 0; i < n; i++) {
      const v = xs[i]!;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  if (!(hi > lo) || n < 4096) return select(xs, k);
  const bins = 4096;
  // bins by multiplication (no division per value), recomputed in the second pass rather than
  // stored: both cheaper than a per-value bin array for the million values of a long chart
  const inv = bins / (hi - lo);
  if (!Number.isFinite(inv) || inv === 0) return select(xs, k);
  const count = new Uint32Array(bins + 1);
  for (let i = 0; i < n; i++) count[Math.min(bins, Math.floor((xs[i]! - lo) * inv))]!++;
  let below = 0;
  let bin = 0;
  while (below + count[bin]! <= k) below += count[bin++]!;
  const inBin = new Float64Array(count[bin]!);
  let j = 0;
  for (let i = 0; i < n; i++) {
    const v = xs[i]!;
    if (Math.min(bins, Math.floor((v - lo) * inv)) === bin) inBin[j++] = v;
  }
  return select(inBin, k - below);
}

export interface HeadFigures {
  count: number;
  min: number;
  max: number;
  sum: number;
  tMin: number;
  tMax: number;
  tFirst: number;
  tLast: number;
}

/**
 * Value arrays a finished scan hands back for the next one: a chart over a million samples keeps
 * 8 MB per metric for its p95, and allocating that afresh each time costs more in garbage
 * collection than the scan itself. A few are kept (concurrent scans take different ones).
 */
const spare: Float64Array[] = [];

class Growable {
  buf: Float64Array = spare.pop() ?? new Float64Array(1024);
  len = 0;
  release(): void {
    if (spare.length < 4) spare.push(this.buf);
    this.buf = new Float64Array(0);
    this.len = 0;
  }
  /** Room for `more` values after `len`; returns the buffer to write them into. */
  reserve(more: number): Float64Array {
    if (this.len + more > this.buf.length) {
      const next = new Float64Array(Math.max(this.len + more, this.buf.length * 2));
      next.set(this.buf.subarray(0, this.len));
      this.buf = next;
    }
    return this.buf;
  }
}

function growInt(a: Int32Array, min: number): Int32Array {
  const next = new Int32Array(Math.max(min, a.length * 2));
  next.set(a);
  return next;
}

interface MetricAcc {
  n: Float64Array;
  min: Float64Array;
  max: Float64Array;
  sum: Float64Array;
  first: Float64Array;
  last: Float64Array;
  tMin: Float64Array;
  tMax: Float64Array;
  /** Moments of the first and last known value (µs). */
  tFirstV: Float64Array;
  tLastV: Float64Array;
  keep: Growable | undefined;
}

/**
 * The pixel buckets and summary figures of one interface, fed runs of decoded samples and the
 * heads of whole rows in any order: first, last and the extremes are decided by time (the
 * earliest extreme wins a tie), so a late row or a parallel read cannot change them. A value a
 * head stands for is unknown here: a bucket whose first or last sample came from a head has no
 * `first`/`last`, which the M4 drawing does without (a bucket spans a whole row, so one pixel).
 */
export class BucketScan {
  readonly size: number;
  private readonly origin: number;
  private readonly originUs: number;
  private readonly bucketUs: number;
  private readonly tFirst: Float64Array;
  private readonly tLast: Float64Array;
  private readonly acc: MetricAcc[];
  /** (bucket, start, end) of each segment of the run being added. */
  private segs: Int32Array = new Int32Array(3 * 256);
  rows = 0;

  constructor(
    readonly metrics: readonly string[],
    private readonly o: ScanOptions,
  ) {
    this.origin = o.origin ?? o.from;
    this.bucketUs = o.bucketMs * 1000;
    this.originUs = this.origin * 1000;
    const size = Math.ceil((o.to - this.origin) / o.bucketMs) + 1;
    this.size = size;
    this.tFirst = new Float64Array(size).fill(Number.POSITIVE_INFINITY);
    this.tLast = new Float64Array(size).fill(Number.NEGATIVE_INFINITY);
    this.acc = metrics.map(() => ({
      n: new Float64Array(size),
      min: new Float64Array(size),
      max: new Float64Array(size),
      sum: new Float64Array(size),
      first: new Float64Array(size),
      last: new Float64Array(size),
      tMin: new Float64Array(size),
      tMax: new Float64Array(size),
      tFirstV: new Float64Array(size),
      tLastV: new Float64Array(size),
      keep: o.p95 === false ? undefined : new Growable(),
    }));
  }

  /** Expect about `n` more samples (sizes the values a p95 keeps in one allocation). */
  reserve(n: number): void {
    for (const x of this.acc) x.keep?.reserve(n);
  }

  /** Which bucket a moment (µs) falls in. */
  bucketOf(tUs: number): number {
    return Math.floor((tUs - this.originUs) / this.bucketUs);
  }

  /**
   * Samples a..b-1 of a run in time order (µs), values per metric in `metrics` order (NaN =
   * unknown; a missing array = every value unknown).
   */
  addRun(
    tsUs: ArrayLike<number>,
    values: readonly (ArrayLike<number> | undefined)[],
    a: number,
    b: number,
  ): void {
    if (b <= a) return;
    // Split the run where it crosses a pixel column's edge (samples are in time order), then
    // reduce each segment in locals: one comparison per sample finds the edges, and the
    // per-metric loop below touches the bucket arrays once per segment, not once per sample.
    const { originUs, bucketUs, tFirst, tLast } = this;
    let nseg = 0;
    let i = a;
    while (i < b) {
      const k = Math.floor((tsUs[i]! - originUs) / bucketUs);
      const edge = originUs + (k + 1) * bucketUs;
      let j = i + 1;
      while (j < b && tsUs[j]! < edge) j++;
      if (nseg * 3 + 3 > this.segs.length) this.segs = growInt(this.segs, nseg * 3 + 3);
      this.segs[nseg * 3] = k;
      this.segs[nseg * 3 + 1] = i;
      this.segs[nseg * 3 + 2] = j;
      nseg++;
      if (tsUs[i]! < tFirst[k]!) tFirst[k] = tsUs[i]!;
      if (tsUs[j - 1]! > tLast[k]!) tLast[k] = tsUs[j - 1]!;
      i = j;
    }
    this.rows += b - a;
    const sg = this.segs;
    for (let m = 0; m < this.acc.length; m++) {
      const vs = values[m];
      if (!vs) continue;
      const acc = this.acc[m]!;
      const { n, min, max, sum, first, last, tMin, tMax, tFirstV, tLastV } = acc;
      let kept = 0;
      let keep: Float64Array | undefined;
      if (acc.keep) {
        keep = acc.keep.reserve(b - a);
        kept = acc.keep.len;
      }
      for (let g = 0; g < nseg; g++) {
        const k = sg[g * 3]!;
        const e = sg[g * 3 + 2]!;
        let cnt = 0;
        // continuing the bucket's own sum keeps the additions in sample order, as one long run would
        let total = sum[k]!;
        let lo = Number.POSITIVE_INFINITY;
        let hi = Number.NEGATIVE_INFINITY;
        let iLo = -1;
        let iHi = -1;
        let iFirst = -1;
        let iLast = -1;
        for (let x = sg[g * 3 + 1]!; x < e; x++) {
          const v = vs[x]!;
          if (Number.isNaN(v)) continue; // unknown
          if (iFirst < 0) iFirst = x;
          iLast = x;
          cnt++;
          total += v;
          if (v < lo) {
            lo = v;
            iLo = x;
          }
          if (v > hi) {
            hi = v;
            iHi = x;
          }
          if (keep) keep[kept++] = v;
        }
        if (!cnt) continue;
        sum[k] = total;
        const tLo = tsUs[iLo]!;
        const tHi = tsUs[iHi]!;
        const tF = tsUs[iFirst]!;
        const tL = tsUs[iLast]!;
        if (n[k] === 0) {
          min[k] = lo;
          max[k] = hi;
          tMin[k] = tLo;
          tMax[k] = tHi;
          first[k] = vs[iFirst]!;
          last[k] = vs[iLast]!;
          tFirstV[k] = tF;
          tLastV[k] = tL;
        } else {
          if (lo < min[k]! || (lo === min[k] && tLo < tMin[k]!)) {
            min[k] = lo;
            tMin[k] = tLo;
          }
          if (hi > max[k]! || (hi === max[k] && tHi < tMax[k]!)) {
            max[k] = hi;
            tMax[k] = tHi;
          }
          if (tF < tFirstV[k]!) {
            first[k] = vs[iFirst]!;
            tFirstV[k] = tF;
          }
          if (tL >= tLastV[k]!) {
            last[k] = vs[iLast]!;
            tLastV[k] = tL;
          }
        }
        n[k]! += cnt;
      }
      if (acc.keep) acc.keep.len = kept;
    }
  }

  /**
   * A whole row from its head: `n` samples from tFirstUs to tLastUs, all in one bucket (the
   * caller decodes any row that a bucket boundary or the range's ends cut). Per metric in
   * `metrics` order, its figures or null when unknown throughout.
   */
  addHead(tFirstUs: number, tLastUs: number, n: number, figures: readonly (HeadFigures | null)[]): void {
    if (this.acc.some((x) => x.keep)) throw new Error('a head cannot give the values a p95 needs');
    const k = this.bucketOf(tFirstUs);
    if (k !== this.bucketOf(tLastUs)) throw new RangeError('a head spans two buckets');
    if (tFirstUs < this.tFirst[k]!) this.tFirst[k] = tFirstUs;
    if (tLastUs > this.tLast[k]!) this.tLast[k] = tLastUs;
    this.rows += n;
    for (let m = 0; m < this.acc.length; m++) {
      const h = figures[m];
      if (!h?.count) continue;
      const { n: cnt, min, max, sum, first, last, tMin, tMax, tFirstV, tLastV } = this.acc[m]!;
      if (cnt[k] === 0) {
        min[k] = h.min;
        max[k] = h.max;
        tMin[k] = h.tMin;
        tMax[k] = h.tMax;
        first[k] = Number.NaN;
        last[k] = Number.NaN;
        tFirstV[k] = h.tFirst;
        tLastV[k] = h.tLast;
      } else {
        if (h.min < min[k]! || (h.min === min[k] && h.tMin < tMin[k]!)) {
          min[k] = h.min;
          tMin[k] = h.tMin;
        }
        if (h.max > max[k]! || (h.max === max[k] && h.tMax < tMax[k]!)) {
          max[k] = h.max;
          tMax[k] = h.tMax;
        }
        if (h.tFirst < tFirstV[k]!) {
          first[k] = Number.NaN;
          tFirstV[k] = h.tFirst;
        }
        if (h.tLast >= tLastV[k]!) {
          last[k] = Number.NaN;
          tLastV[k] = h.tLast;
        }
      }
      cnt[k]! += h.count;
      sum[k]! += h.sum;
    }
  }

  finish(): ScanResult {
    const { o, origin, size } = this;
    const series: Record<string, Bucket[]> = {};
    const stats: Record<string, ScanStats> = {};
    for (let m = 0; m < this.metrics.length; m++) {
      const { n, min, max, sum, first, last, tMin, tMax, tLastV, keep } = this.acc[m]!;
      const out: Bucket[] = [];
      let peak = Number.NEGATIVE_INFINITY;
      let peakAt = 0;
      let low = Number.POSITIVE_INFINITY;
      let all = 0;
      let allSum = 0;
      let lastB = -1;
      for (let b = 0; b < size; b++) {
        if (!n[b]) continue;
        const x0 = origin + b * o.bucketMs;
        const bucket: Bucket = {
          x0,
          x1: Math.min(x0 + o.bucketMs, o.to),
          n: n[b]!,
          min: min[b]!,
          max: max[b]!,
          avg: sum[b]! / n[b]!,
          // the bucket's span is that of all its samples, as a chart's gaps are judged by rows
          tFirst: Math.floor(this.tFirst[b]! / 1000),
          tLast: Math.floor(this.tLast[b]! / 1000),
          tMin: Math.floor(tMin[b]! / 1000),
          tMax: Math.floor(tMax[b]! / 1000),
        };
        // from a head: not known (see the class comment)
        if (!Number.isNaN(first[b]!)) bucket.first = first[b]!;
        if (!Number.isNaN(last[b]!)) bucket.last = last[b]!;
        out.push(bucket);
        if (max[b]! > peak) {
          peak = max[b]!;
          peakAt = tMax[b]!;
        }
        if (min[b]! < low) low = min[b]!;
        all += n[b]!;
        allSum += sum[b]!;
        lastB = b;
      }
      const name = this.metrics[m]!;
      series[name] = out;
      if (all) {
        stats[name] = {
          peak,
          peakAt: Math.floor(peakAt / 1000),
          avg: allSum / all,
          current: last[lastB]!,
          currentAt: Math.floor(tLastV[lastB]! / 1000),
          samples: all,
          p95: keep ? percentileDisc(keep.buf.subarray(0, keep.len), 0.95, low, peak) : Number.NaN,
        };
      }
      keep?.release();
    }
    return { series, stats, rows: this.rows };
  }
}

export function scanChunks(
  chunks: readonly SampleChunk[],
  metrics: readonly string[],
  o: ScanOptions,
): ScanResult {
  const scan = new BucketScan(metrics, o);
  for (const c of chunks) {
    scan.addRun(
      c.tsUs,
      metrics.map((m) => c.values[m as keyof SampleChunk['values']]),
      0,
      c.tsUs.length,
    );
  }
  return scan.finish();
}
