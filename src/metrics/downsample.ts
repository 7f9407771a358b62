/**
 * Downsampling for charts: never hand the renderer more points than the chart has pixels.
 *
 * Two families:
 * - pixel-bucket reducers (M4, min-max): split [from, to) into `width` equal buckets (one per
 *   pixel column) and keep the extremes of each, so a one-sample spike is still drawn at its
 *   true height. This is what an incident chart needs.
 * - LTTB (largest-triangle-three-buckets): keeps the points that shape the line, for smooth
 *   trend lines (forecasts) where a faithful silhouette matters more than every extreme.
 *
 * All functions are pure; x is epoch milliseconds, y the value. Points with a non-finite y are
 * treated as missing.
 */

export interface Point {
  x: number;
  y: number;
}

/** One pixel column's aggregate, as SQL (src/metrics/query.ts) or `bucketize` produce it. */
export interface Bucket {
  /** Bucket start (epoch ms). */
  x0: number;
  /** Bucket end, exclusive. */
  x1: number;
  n: number;
  min: number;
  max: number;
  avg: number;
  /**
   * Values of the first and last sample. Optional: raw SQL aggregation leaves them out, because
   * finding them costs as much as the aggregate itself and at one pixel per bucket the min-max
   * pair already draws the same column.
   */
  first?: number;
  last?: number;
  /** Timestamps of the first and last sample in the bucket. */
  tFirst: number;
  tLast: number;
  /** Timestamps of the extremes when known (in-memory reducers know them; SQL leaves them out). */
  tMin?: number;
  tMax?: number;
}

export interface BucketOptions {
  from: number;
  to: number;
  /** Number of pixel columns (buckets). */
  width: number;
}

function checkOptions({ from, to, width }: BucketOptions): void {
  if (!(to > from)) throw new RangeError(`empty range: from ${from} to ${to}`);
  if (!Number.isInteger(width) || width < 1)
    throw new RangeError(`width must be a positive integer, got ${width}`);
}

/** Index of the pixel bucket holding x, or -1 outside [from, to). */
export function bucketIndex(x: number, { from, to, width }: BucketOptions): number {
  if (x < from || x >= to) return -1;
  const i = Math.floor(((x - from) / (to - from)) * width);
  return i >= width ? width - 1 : i;
}

/**
 * Aggregates points (sorted by x) into at most `width` buckets; empty buckets are left out so
 * gaps stay gaps. Points outside [from, to) are ignored.
 */
export function bucketize(points: readonly Point[], opts: BucketOptions): Bucket[] {
  checkOptions(opts);
  const span = (opts.to - opts.from) / opts.width;
  const out: Bucket[] = [];
  let cur: Bucket | undefined;
  let curIndex = -1;
  let sum = 0;
  for (const p of points) {
    if (!Number.isFinite(p.y)) continue;
    const i = bucketIndex(p.x, opts);
    if (i < 0) continue;
    if (i !== curIndex || !cur) {
      if (cur) {
        cur.avg = sum / cur.n;
        out.push(cur);
      }
      curIndex = i;
      sum = 0;
      cur = {
        x0: opts.from + i * span,
        x1: opts.from + (i + 1) * span,
        n: 0,
        min: p.y,
        max: p.y,
        avg: p.y,
        first: p.y,
        last: p.y,
        tFirst: p.x,
        tLast: p.x,
        tMin: p.x,
        tMax: p.x,
      };
    }
    cur.n++;
    sum += p.y;
    if (p.y < cur.min) {
      cur.min = p.y;
      cur.tMin = p.x;
    }
    if (p.y > cur.max) {
      cur.max = p.y;
      cur.tMax = p.x;
    }
    cur.last = p.y;
    cur.tLast = p.x;
  }
  if (cur) {
    cur.avg = sum / cur.n;
    out.push(cur);
  }
  return out;
}

function pushPoint(out: Point[], p: Point): void {
  const prev = out[out.length - 1];
  if (prev && prev.x === p.x && prev.y === p.y) return;
  out.push(p);
}

/**
 * Where to draw a bucket's min and max when SQL did not say when they happened: in the middle
 * of the samples the bucket holds, which is within the same pixel column anyway. The order of
 * min and max inside one column is invisible at one pixel wide.
 */
function extremeTimes(b: Bucket): { tMin: number; tMax: number } {
  const mid = b.tFirst + (b.tLast - b.tFirst) / 2;
  return { tMin: b.tMin ?? mid, tMax: b.tMax ?? mid };
}

/**
 * M4: first, min, max and last of each bucket, in time order. At most 4 points per bucket;
 * drawing them as a line gives the same pixels as drawing every raw point. Buckets without
 * first/last (SQL shape) give their min and max.
 */
export function bucketsToM4(buckets: readonly Bucket[]): Point[] {
  const out: Point[] = [];
  for (const b of buckets) {
    const { tMin, tMax } = extremeTimes(b);
    const mid: Point[] =
      tMin <= tMax
        ? [
            { x: tMin, y: b.min },
            { x: tMax, y: b.max },
          ]
        : [
            { x: tMax, y: b.max },
            { x: tMin, y: b.min },
          ];
    if (b.first !== undefined && b.tFirst < mid[0]!.x) pushPoint(out, { x: b.tFirst, y: b.first });
    for (const p of mid) pushPoint(out, p);
    if (b.last !== undefined && b.tLast > mid[1]!.x) pushPoint(out, { x: b.tLast, y: b.last });
  }
  return out;
}

/** Min-max: the two extremes of each bucket, in time order. At most 2 points per bucket. */
export function bucketsToMinMax(buckets: readonly Bucket[]): Point[] {
  const out: Point[] = [];
  for (const b of buckets) {
    const { tMin, tMax } = extremeTimes(b);
    if (tMin <= tMax) {
      pushPoint(out, { x: tMin, y: b.min });
      pushPoint(out, { x: tMax, y: b.max });
    } else {
      pushPoint(out, { x: tMax, y: b.max });
      pushPoint(out, { x: tMin, y: b.min });
    }
  }
  return out;
}

/** One point per bucket at its average, for bands and secondary lines where extremes do not matter. */
export function bucketsToAvg(buckets: readonly Bucket[]): Point[] {
  return buckets.map((b) => ({ x: b.tFirst + (b.tLast - b.tFirst) / 2, y: b.avg }));
}

export function m4(points: readonly Point[], opts: BucketOptions): Point[] {
  return bucketsToM4(bucketize(points, opts));
}

export function minMax(points: readonly Point[], opts: BucketOptions): Point[] {
  return bucketsToMinMax(bucketize(points, opts));
}

/**
 * Largest-triangle-three-buckets (Steinarsson 2013): keeps the first and last point and, from
 * each of `threshold - 2` middle buckets, the point forming the largest triangle with the
 * previously kept point and the next bucket's average. Input sorted by x; missing values skipped.
 */
export function lttb(input: readonly Point[], threshold: number): Point[] {
  const data = input.filter((p) => Number.isFinite(p.y) && Number.isFinite(p.x));
  if (threshold >= data.length || threshold <= 2) {
    if (threshold <= 2 && data.length > 2) return [data[0]!, data[data.length - 1]!];
    return data.slice();
  }
  const out: Point[] = [data[0]!];
  const every = (data.length - 2) / (threshold - 2);
  let a = 0;
  for (let i = 0; i < threshold - 2; i++) {
    // average of the next bucket (the last point when this is the last bucket)
    let avgStart = Math.floor((i + 1) * every) + 1;
    let avgEnd = Math.floor((i + 2) * every) + 1;
    if (avgEnd > data.length) avgEnd = data.length;
    if (avgStart >= avgEnd) avgStart = avgEnd - 1;
    let avgX = 0;
    let avgY = 0;
    for (let j = avgStart; j < avgEnd; j++) {
      avgX += data[j]!.x;
      avgY += data[j]!.y;
    }
    const len = avgEnd - avgStart;
    avgX /= len;
    avgY /= len;

    const rangeStart = Math.floor(i * every) + 1;
    const rangeEnd = Math.floor((i + 1) * every) + 1;
    const pa = data[a]!;
    let maxArea = -1;
    let next = rangeStart;
    for (let j = rangeStart; j < rangeEnd; j++) {
      const p = data[j]!;
      const area = Math.abs((pa.x - avgX) * (p.y - pa.y) - (pa.x - p.x) * (avgY - pa.y));
      if (area > maxArea) {
        maxArea = area;
        next = j;
      }
    }
    out.push(data[next]!);
    a = next;
  }
  out.push(data[data.length - 1]!);
  return out;
}

/**
 * Breaks the line where samples stop: inserts a point with y = NaN between two points further
 * apart than `maxGapMs`, which chart.js draws as a gap (spanGaps: false) instead of a ramp.
 */
export function withGaps(points: readonly Point[], maxGapMs: number): Point[] {
  const out: Point[] = [];
  let prev: Point | undefined;
  for (const p of points) {
    if (prev && p.x - prev.x > maxGapMs) out.push({ x: prev.x + (p.x - prev.x) / 2, y: Number.NaN });
    out.push(p);
    prev = p;
  }
  return out;
}
