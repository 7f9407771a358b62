import type { Bucket } from './downsample.js';
import type { SampleChunk } from './packed.js';

/**
 * The short recent window the analysis job reads after each poll, as flat arrays: per interface
 * the average and sample count of every bucket of one grid, metric after metric. The same
 * averages as the buckets of queryRecentForDevices (samples summed in the same order), without a
 * bucket object per metric and column: 10,000 interfaces × six metrics × 24 columns made 1.4
 * million of those a round, and building and collecting them was most of the job's time.
 */
export interface RecentGrid {
  /** Start of bucket 0 (epoch ms). */
  origin: number;
  bucketMs: number;
  /** Buckets per metric. */
  size: number;
  metrics: readonly string[];
}

export interface RecentWindows extends RecentGrid {
  /**
   * Per device, per ifindex: the interface's slot (every interface asked for has one, with no
   * samples when it has none). Slot i's bucket b of metric m is at i * stride + m * size + b.
   */
  byDevice: Map<string, Map<number, number>>;
  /** size × metrics: the length of one slot. */
  stride: number;
  /** The average of each bucket's samples (meaningless where n is 0). */
  avg: Float64Array;
  /** Samples in each bucket (0: none, the bucket is left out, as queryRecentForDevices leaves it). */
  n: Float64Array;
}

/** The grid a range and width make: as BucketScan's (origin = from, one spare bucket at the end). */
export function recentGrid(
  from: number,
  to: number,
  bucketMs: number,
  metrics: readonly string[],
): RecentGrid {
  return { origin: from, bucketMs, size: Math.ceil((to - from) / bucketMs) + 1, metrics };
}

/** Windows for `slots` interfaces, every bucket empty (one pair of arrays for them all). */
export function emptyWindows(grid: RecentGrid, slots: number): Omit<RecentWindows, 'byDevice'> {
  const stride = grid.size * grid.metrics.length;
  return { ...grid, stride, avg: new Float64Array(slots * stride), n: new Float64Array(slots * stride) };
}

/**
 * One interface's chunks[a, b) (in the order readSamples gives them) folded into slot `slot`.
 * Unknown values (NaN) are skipped; each bucket's sum runs in sample order, as BucketScan's does,
 * so the averages are the same to the bit.
 */
export function foldChunks(
  w: Omit<RecentWindows, 'byDevice'>,
  slot: number,
  chunks: readonly SampleChunk[],
  a = 0,
  b = chunks.length,
): void {
  const { avg: sum, n, size, metrics } = w;
  const at = slot * w.stride;
  const originUs = w.origin * 1000;
  const bucketUs = w.bucketMs * 1000;
  for (let c = a; c < b; c++) {
    const chunk = chunks[c]!;
    const ts = chunk.tsUs;
    for (let m = 0; m < metrics.length; m++) {
      const vs = chunk.values[metrics[m] as keyof SampleChunk['values']];
      if (!vs) continue;
      const base = at + m * size;
      for (let i = 0; i < ts.length; i++) {
        const v = vs[i]!;
        if (Number.isNaN(v)) continue;
        const col = Math.floor((ts[i]! - originUs) / bucketUs);
        if (col < 0 || col >= size) continue; // outside the grid: not another slot's
        sum[base + col]! += v;
        n[base + col]!++;
      }
    }
  }
  for (let k = at; k < at + w.stride; k++) if (n[k]) sum[k] = sum[k]! / n[k]!;
}

/** Buckets on the same grid into slot `slot` (backends that answer with buckets). */
export function foldBuckets(
  w: Omit<RecentWindows, 'byDevice'>,
  slot: number,
  series: Record<string, Bucket[]>,
): void {
  w.metrics.forEach((metric, m) => {
    for (const b of series[metric] ?? []) {
      const k = Math.round((b.x0 - w.origin) / w.bucketMs);
      if (k < 0 || k >= w.size) continue;
      w.avg[slot * w.stride + m * w.size + k] = b.avg;
      w.n[slot * w.stride + m * w.size + k] = b.n;
    }
  });
}
