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
  const width = (hi - lo) / bins;
  if (!Number.isFinite(width) || width === 0) return select(xs, k);
  const count = new Uint32Array(bins + 1);
  const binOf = new Uint16Array(n);
  for (let i = 0; i < n; i++) {
    const b = Math.min(bins, Math.floor((xs[i]! - lo) / width));
    binOf[i] = b;
    count[b]!++;
  }
  let below = 0;
  let bin = 0;
  while (below + count[bin]! <= k) below += count[bin++]!;
  const inBin = new Float64Array(count[bin]!);
  let j = 0;
  for (let i = 0; i < n; i++) if (binOf[i] === bin) inBin[j++] = xs[i]!;
  return select(inBin, k - below);
}

export function scanChunks(
  chunks: readonly SampleChunk[],
  metrics: readonly string[],
  o: ScanOptions,
): ScanResult {
  const origin = o.origin ?? o.from;
  const bucketUs = o.bucketMs * 1000;
  const originUs = origin * 1000;
  const size = Math.ceil((o.to - origin) / o.bucketMs) + 1;
  let total = 0;
  for (const c of chunks) total += c.tsUs.length;

  const tFirst = new Float64Array(size).fill(Number.POSITIVE_INFINITY);
  const tLast = new Float64Array(size).fill(Number.NEGATIVE_INFINITY);
  // each sample's pixel column, once for all metrics
  const cols: Int32Array[] = [];
  for (const c of chunks) {
    const ts = c.tsUs;
    const idx = new Int32Array(ts.length);
    for (let i = 0; i < ts.length; i++) {
      const t = ts[i]!;
      const b = Math.floor((t - originUs) / bucketUs);
      idx[i] = b;
      if (t < tFirst[b]!) tFirst[b] = t;
      if (t > tLast[b]!) tLast[b] = t;
    }
    cols.push(idx);
  }

  const series: Record<string, Bucket[]> = {};
  const stats: Record<string, ScanStats> = {};
  for (const m of metrics) {
    const n = new Uint32Array(size);
    const min = new Float64Array(size);
    const max = new Float64Array(size);
    const sum = new Float64Array(size);
    const first = new Float64Array(size);
    const last = new Float64Array(size);
    const tMin = new Float64Array(size);
    const tMax = new Float64Array(size);
    const keep = o.p95 === false ? undefined : new Float64Array(total);
    let kept = 0;
    let peak = Number.NEGATIVE_INFINITY;
    let peakAt = 0;
    let cur = Number.NaN;
    let curAt = 0;
    let all = 0;
    let allSum = 0;
    let peakMin = Number.POSITIVE_INFINITY;
    for (let ci = 0; ci < chunks.length; ci++) {
      const c = chunks[ci]!;
      const ts = c.tsUs;
      const idx = cols[ci]!;
      const vs = c.values[m as keyof SampleChunk['values']];
      if (!vs) continue;
      for (let i = 0; i < ts.length; i++) {
        const v = vs[i]!;
        if (Number.isNaN(v)) continue; // unknown
        const t = ts[i]!;
        const b = idx[i]!;
        // Chunks come in time order, so the first sample seen in a bucket is its first, the
        // latest seen its last, and strict comparisons keep the earliest extreme. (A late row
        // for an already compacted hour is the one exception until the next compaction folds it
        // in; it can only shift a bucket's drawn first/last point.)
        if (n[b] === 0) {
          first[b] = v;
          min[b] = v;
          max[b] = v;
          tMin[b] = t;
          tMax[b] = t;
        } else if (v < min[b]!) {
          min[b] = v;
          tMin[b] = t;
        } else if (v > max[b]!) {
          max[b] = v;
          tMax[b] = t;
        }
        n[b]!++;
        sum[b]! += v;
        last[b] = v;
        if (v > peak) {
          peak = v;
          peakAt = t;
        }
        cur = v;
        curAt = t;
        all++;
        allSum += v;
        if (v < peakMin) peakMin = v;
        if (keep) keep[kept++] = v;
      }
    }
    const out: Bucket[] = [];
    for (let b = 0; b < size; b++) {
      if (!n[b]) continue;
      const x0 = origin + b * o.bucketMs;
      out.push({
        x0,
        x1: Math.min(x0 + o.bucketMs, o.to),
        n: n[b]!,
        min: min[b]!,
        max: max[b]!,
        avg: sum[b]! / n[b]!,
        first: first[b]!,
        last: last[b]!,
        // the bucket's span is that of all its samples, as a chart's gaps are judged by rows
        tFirst: Math.floor(tFirst[b]! / 1000),
        tLast: Math.floor(tLast[b]! / 1000),
        tMin: Math.floor(tMin[b]! / 1000),
        tMax: Math.floor(tMax[b]! / 1000),
      });
    }
    series[m] = out;
    if (all) {
      stats[m] = {
        peak,
        peakAt: Math.floor(peakAt / 1000),
        avg: allSum / all,
        current: cur,
        currentAt: Math.floor(curAt / 1000),
        samples: all,
        p95: keep ? percentileDisc(keep.subarray(0, kept), 0.95, peakMin, peak) : Number.NaN,
      };
    }
  }
  return { series, stats, rows: total };
}
