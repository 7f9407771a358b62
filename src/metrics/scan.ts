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

/** percentile_disc(f): the first value whose cumulative share reaches f. */
export function percentileDisc(xs: Float64Array, f: number): number {
  if (!xs.length) return Number.NaN;
  const rownum = Math.max(1, Math.ceil(f * xs.length));
  return select(xs, rownum - 1);
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
  const rowsIn = new Uint32Array(size);
  for (const c of chunks) {
    const ts = c.tsUs;
    for (let i = 0; i < ts.length; i++) {
      const b = Math.floor((ts[i]! - originUs) / bucketUs);
      rowsIn[b]!++;
      if (ts[i]! < tFirst[b]!) tFirst[b] = ts[i]!;
      if (ts[i]! > tLast[b]!) tLast[b] = ts[i]!;
    }
  }

  const series: Record<string, Bucket[]> = {};
  const stats: Record<string, ScanStats> = {};
  for (const m of metrics) {
    const n = new Uint32Array(size);
    const min = new Float64Array(size).fill(Number.POSITIVE_INFINITY);
    const max = new Float64Array(size).fill(Number.NEGATIVE_INFINITY);
    const sum = new Float64Array(size);
    const first = new Float64Array(size);
    const firstT = new Float64Array(size).fill(Number.POSITIVE_INFINITY);
    const last = new Float64Array(size);
    const lastT = new Float64Array(size).fill(Number.NEGATIVE_INFINITY);
    const tMin = new Float64Array(size);
    const tMax = new Float64Array(size);
    const keep = o.p95 === false ? undefined : new Float64Array(total);
    let kept = 0;
    let peak = Number.NEGATIVE_INFINITY;
    let peakAt = Number.POSITIVE_INFINITY;
    let cur = Number.NaN;
    let curAt = Number.NEGATIVE_INFINITY;
    let all = 0;
    let allSum = 0;
    for (const c of chunks) {
      const ts = c.tsUs;
      const vs = c.values[m as keyof SampleChunk['values']];
      if (!vs) continue;
      for (let i = 0; i < ts.length; i++) {
        const v = vs[i]!;
        if (Number.isNaN(v)) continue; // unknown
        const t = ts[i]!;
        const b = Math.floor((t - originUs) / bucketUs);
        n[b]!++;
        sum[b]! += v;
        if (v < min[b]! || (v === min[b]! && t < tMin[b]!)) {
          min[b] = v;
          tMin[b] = t;
        }
        if (v > max[b]! || (v === max[b]! && t < tMax[b]!)) {
          max[b] = v;
          tMax[b] = t;
        }
        if (t < firstT[b]!) {
          firstT[b] = t;
          first[b] = v;
        }
        if (t >= lastT[b]!) {
          lastT[b] = t;
          last[b] = v;
        }
        if (v > peak || (v === peak && t < peakAt)) {
          peak = v;
          peakAt = t;
        }
        if (t >= curAt) {
          curAt = t;
          cur = v;
        }
        all++;
        allSum += v;
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
        p95: keep ? percentileDisc(keep.subarray(0, kept), 0.95) : Number.NaN,
      };
    }
  }
  return { series, stats, rows: total };
}
