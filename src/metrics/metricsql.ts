import type { Bucket } from './downsample.js';

/**
 * The MetricsQL the VictoriaMetrics backend sends, and the reading of its answers. Pure: strings
 * and numbers in and out, so the shapes are unit-tested without a server (the integration test
 * checks them against the real binary).
 *
 * Window semantics this relies on (checked against Debian's victoria-metrics 1.79 in
 * test/integration/metrics-victoria.int.test.ts): `f(x[d])` evaluated at t sees the samples with
 * t - d < ts <= t, and only those (an explicit window is not widened, and no earlier sample is
 * carried into an empty one), so a pixel column [x0, x1) is `f(x[x1 - x0])` at x1 - 1 ms.
 */

/** A MetricsQL string literal. */
export const quote = (s: string): string =>
  `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;

export const regexEscape = (s: string): string => s.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');

/**
 * A moment as VictoriaMetrics' query and export APIs take it. They parse either form (RFC 3339 or
 * seconds) into a float of seconds and truncate seconds × 1000 to a millisecond, so 13:31:37.357Z
 * arrives as …37.356 when the nearest double falls a hair below (a range query then loses its
 * last column). Seconds with half a millisecond more (`1768224697.3575`) truncate to the intended
 * millisecond whatever way the double rounds.
 */
export const vmTime = (ms: number): string => {
  const t = Math.floor(ms);
  const s = Math.floor(t / 1000);
  return `${s}.${String(t - s * 1000).padStart(3, '0')}5`;
};

/** A window or step of whole milliseconds. */
export const vmDuration = (ms: number): string => `${Math.max(1, Math.round(ms))}ms`;

export interface SeriesMatch {
  /** One device, or several (a regex alternation of them). */
  devices?: readonly string[];
  ifindex?: number;
}

/** The label filters of a match: `device="core1",ifindex="7"` (empty: every series). */
export function filtersOf(match: SeriesMatch): string {
  const parts: string[] = [];
  const d = match.devices ?? [];
  if (d.length === 1) parts.push(`device=${quote(d[0]!)}`);
  else if (d.length > 1) parts.push(`device=~${quote(d.map(regexEscape).join('|'))}`);
  if (match.ifindex !== undefined) parts.push(`ifindex=${quote(String(match.ifindex))}`);
  return parts.join(',');
}

/** `netops_in_bps{device="core1",ifindex="7"}` (the export API's match[]). */
export function selector(name: string, match: SeriesMatch): string {
  return `${name}{${filtersOf(match)}}`;
}

/**
 * The name of the WITH template holding a query's label filters: a query repeats its selector
 * for every rollup and metric, and the server refuses queries over -search.maxQueryLen (16 KB),
 * so the filters (a long device alternation, for analysis batches) are written once.
 */
const FILTERS = 'sel_filters';

/** A metric in a query built by `tagged` with the same match. */
export function metricRef(name: string, match: SeriesMatch): string {
  return filtersOf(match) ? `${name}{${FILTERS}}` : name;
}

/** Labels the queries tag their parts with (names no poller series carries). */
export const TAG_METRIC = 'netops_m';
export const TAG_FIELD = 'netops_f';

export interface TaggedPart {
  expr: string;
  metric: string;
  field: string;
}

/**
 * Several expressions in one request: each tagged with its metric and field, so the rollups of
 * different metrics (which drop the metric name) do not collide in the answer.
 */
export function tagged(parts: readonly TaggedPart[], match: SeriesMatch = {}): string {
  const each = parts.map(
    (p) =>
      `label_set(${p.expr}, ${quote(TAG_METRIC)}, ${quote(p.metric)}, ${quote(TAG_FIELD)}, ${quote(p.field)})`,
  );
  const body = each.length === 1 ? each[0]! : `union(${each.join(', ')})`;
  const filters = filtersOf(match);
  return filters ? `WITH (${FILTERS} = {${filters}}) ${body}` : body;
}

/**
 * Devices in groups a query can take: at most `maxDevices` per group and `maxChars` of device
 * names (the alternation's length), and, when weights are given (interfaces per device), at most
 * `maxWeight` of them, so no query selects more series than -search.maxUniqueTimeseries (300,000
 * by default) allows.
 */
export function deviceGroups(
  devices: readonly string[],
  limits: { maxDevices: number; maxChars: number; maxWeight?: number; weight?: (d: string) => number },
): string[][] {
  const out: string[][] = [];
  let cur: string[] = [];
  let chars = 0;
  let weight = 0;
  for (const d of devices) {
    const c = regexEscape(d).length + 1;
    const w = limits.weight?.(d) ?? 0;
    if (
      cur.length &&
      (cur.length >= limits.maxDevices ||
        chars + c > limits.maxChars ||
        (limits.maxWeight !== undefined && weight + w > limits.maxWeight))
    ) {
      out.push(cur);
      cur = [];
      chars = 0;
      weight = 0;
    }
    cur.push(d);
    chars += c;
    weight += w;
  }
  if (cur.length) out.push(cur);
  return out;
}

/**
 * What one pixel column holds, by the rollup that gives it. Every one of these reads only the
 * window's own samples (the candlestick family does not: its `open` reaches before the window).
 * tmin/tmax give the last moment of a tied extreme where the Postgres scan gives the first:
 * that moves a drawn point within its own pixel column, and the summary's peak moment is
 * fixed separately (see VictoriaStore.querySeries).
 */
export const BUCKET_ROLLUPS = {
  n: 'count_over_time',
  min: 'min_over_time',
  max: 'max_over_time',
  avg: 'avg_over_time',
  first: 'first_over_time',
  last: 'last_over_time',
  tFirst: 'tfirst_over_time',
  tLast: 'tlast_over_time',
  tMin: 'tmin_over_time',
  tMax: 'tmax_over_time',
} as const;
type BucketField = keyof typeof BUCKET_ROLLUPS;
const TIME_FIELDS = new Set<string>(['tFirst', 'tLast', 'tMin', 'tMax']);

/** The label aggr_over_time names each of its answers by (the rollup function). */
export const ROLLUP_LABEL = 'rollup';

/**
 * Several rollups of each metric over a window, each metric's in one pass over its samples:
 * `aggr_over_time(("count_over_time", …), m[w])` decodes the samples once for every function,
 * where a union of `f(m[w])` decodes them once per function (the server evaluates a union's
 * arguments one after the other). Answers carry the metric in TAG_METRIC and the function in
 * ROLLUP_LABEL (see rollupField).
 */
export function rollupsQuery(
  rollups: Readonly<Record<string, string>>,
  prefix: string,
  metrics: readonly string[],
  match: SeriesMatch,
  windowMs: number,
): string {
  const fns = `(${Object.values(rollups).map(quote).join(', ')})`;
  const each = metrics.map(
    (m) =>
      `label_set(aggr_over_time(${fns}, ${metricRef(`${prefix}${m}`, match)}[${vmDuration(windowMs)}]), ${quote(TAG_METRIC)}, ${quote(m)})`,
  );
  const body = each.length === 1 ? each[0]! : `union(${each.join(', ')})`;
  const filters = filtersOf(match);
  return filters ? `WITH (${FILTERS} = {${filters}}) ${body}` : body;
}

/** The field (a key of `rollups`) a rollupsQuery answer holds, from its ROLLUP_LABEL. */
export function rollupField<K extends string>(
  rollups: Readonly<Record<K, string>>,
  s: VmSeries,
): K | undefined {
  const fn = s.metric[ROLLUP_LABEL];
  for (const k in rollups) if (rollups[k] === fn) return k;
  return undefined;
}

/** The pixel-column query for some metrics (one request, every rollup, one pass per metric). */
export function bucketQuery(
  prefix: string,
  metrics: readonly string[],
  match: SeriesMatch,
  bucketMs: number,
): string {
  return rollupsQuery(BUCKET_ROLLUPS, prefix, metrics, match, bucketMs);
}

/**
 * Which pixel columns come from `/api/v1/query_range` (the head) and which from raw samples
 * read here (the tail, from `tailFrom` to the range's end):
 * - a last column cut short by the range's end: query_range windows are all one step long;
 * - columns ending after `cut` (now minus VictoriaMetrics' -search.latencyOffset and a margin):
 *   for steps under -search.maxStepForPointsAdjustment it replaces such points with the one
 *   before (`nocache=1` does not stop that, it does for instant queries), which would invent
 *   values the samples do not hold.
 */
export interface PixelGrid {
  head?: { start: number; end: number; step: number; count: number };
  tailFrom: number;
}

export function pixelGrid(from: number, to: number, bucketMs: number, cut: number): PixelGrid {
  const full = Math.floor((to - from) / bucketMs);
  // column i is evaluated at from + (i + 1) * bucketMs - 1
  const settled = Math.floor((cut + 1 - from) / bucketMs);
  const count = Math.max(0, Math.min(full, settled));
  if (!count) return { tailFrom: from };
  return {
    head: { start: from + bucketMs - 1, end: from + count * bucketMs - 1, step: bucketMs, count },
    tailFrom: from + count * bucketMs,
  };
}

/** One series of a `/api/v1/query_range` (values) or `/api/v1/query` (value) answer. */
export interface VmSeries {
  metric: Record<string, string>;
  values?: [number, string][];
  value?: [number, string];
}

/** `device\u0000ifindex`, the key both backends group interfaces by. */
export const ifaceKey = (device: string, ifindex: number | string): string => `${device}\u0000${ifindex}`;

/**
 * Pixel buckets per interface from a bucketQuery answer: column i is [from + i·bucketMs, +bucketMs).
 * A column's tFirst/tLast span every charted metric's samples in it (as the Postgres scan's span
 * all rows), so gaps are judged alike; `rows` counts, per column, the samples of its most sampled
 * metric (Postgres counts rows, the same whenever a row carries the charted metrics).
 */
export function bucketsFromMatrix(
  result: readonly VmSeries[],
  metrics: readonly string[],
  from: number,
  bucketMs: number,
): Map<string, { series: Record<string, Bucket[]>; rows: number }> {
  type Cols = Map<number, Partial<Record<BucketField, number>>>;
  const per = new Map<string, Map<string, Cols>>();
  for (const s of result) {
    const m = s.metric[TAG_METRIC];
    const f: BucketField | undefined = rollupField(BUCKET_ROLLUPS, s);
    if (!m || !f || !s.values) continue;
    const key = ifaceKey(s.metric.device ?? '', s.metric.ifindex ?? '');
    let byMetric = per.get(key);
    if (!byMetric) {
      byMetric = new Map();
      per.set(key, byMetric);
    }
    let cols = byMetric.get(m);
    if (!cols) {
      cols = new Map();
      byMetric.set(m, cols);
    }
    const isTime = TIME_FIELDS.has(f);
    for (const [t, v] of s.values) {
      const i = Math.round((t * 1000 + 1 - from) / bucketMs) - 1;
      let c = cols.get(i);
      if (!c) {
        c = {};
        cols.set(i, c);
      }
      c[f] = isTime ? Math.round(Number(v) * 1000) : Number(v);
    }
  }
  const out = new Map<string, { series: Record<string, Bucket[]>; rows: number }>();
  for (const [key, byMetric] of per) {
    const span = new Map<number, { tFirst: number; tLast: number; rows: number }>();
    for (const cols of byMetric.values())
      for (const [i, c] of cols) {
        if (!c.n) continue;
        const sp = span.get(i);
        if (!sp) span.set(i, { tFirst: c.tFirst!, tLast: c.tLast!, rows: c.n });
        else {
          sp.tFirst = Math.min(sp.tFirst, c.tFirst!);
          sp.tLast = Math.max(sp.tLast, c.tLast!);
          sp.rows = Math.max(sp.rows, c.n);
        }
      }
    const series: Record<string, Bucket[]> = {};
    for (const m of metrics) {
      const cols = byMetric.get(m);
      const list: Bucket[] = [];
      if (cols)
        for (const i of [...cols.keys()].sort((a, b) => a - b)) {
          const c = cols.get(i)!;
          if (!c.n) continue;
          const sp = span.get(i)!;
          const x0 = from + i * bucketMs;
          list.push({
            x0,
            x1: x0 + bucketMs,
            n: c.n,
            min: c.min!,
            max: c.max!,
            avg: c.avg!,
            first: c.first!,
            last: c.last!,
            tFirst: sp.tFirst,
            tLast: sp.tLast,
            tMin: c.tMin!,
            tMax: c.tMax!,
          });
        }
      series[m] = list;
    }
    let rows = 0;
    for (const sp of span.values()) rows += sp.rows;
    out.set(key, { series, rows });
  }
  return out;
}

/**
 * The φ for which `quantile_over_time(φ, …)` over n samples returns exactly the sample that
 * `percentile_disc(f)` (the Postgres backend's p95, src/metrics/scan.ts) picks.
 *
 * VictoriaMetrics' quantile interpolates linearly between order statistics (rank = φ·(n − 1), as
 * Prometheus does), so `quantile_over_time(0.95, …)` over 20 samples is 0.05·x₁₈ + 0.95·x₁₉ (0-based,
 * sorted) where percentile_disc(0.95) is x₁₈. With φ = k/(n − 1) for percentile_disc's index
 * k = ⌈f·n⌉ − 1 the rank is k itself: φ is moved by a few ulps until φ·(n − 1) computes to exactly k
 * in float64 (Go's arithmetic is IEEE, as here), so the neighbour's weight is 0. For some counts
 * no double does that (n = 2106: k = 2000 is stepped over); then the smallest rank above k is
 * taken, so the neighbour x₍ₖ₊₁₎ gets a weight under 1e-9 (the result is off by that share of
 * the gap between two neighbouring samples, far below VictoriaMetrics' 12 stored digits).
 */
export function discPhi(n: number, f: number): number {
  if (n <= 1) return 0;
  const k = Math.max(1, Math.ceil(f * n)) - 1;
  const base = k / (n - 1);
  const buf = new Float64Array(1);
  const bits = new BigInt64Array(buf.buffer);
  buf[0] = base;
  const b0 = bits[0]!;
  let above = Number.NaN;
  let aboveRank = Number.POSITIVE_INFINITY;
  for (let d = -32n; d <= 32n; d++) {
    bits[0] = b0 + d;
    const phi = buf[0]!;
    if (!(phi >= 0 && phi <= 1)) continue;
    const rank = phi * (n - 1);
    if (rank === k) return phi;
    if (rank > k && rank < aboveRank && Math.floor(rank) === k) {
      above = phi;
      aboveRank = rank;
    }
  }
  return Number.isNaN(above) ? base : above;
}

/** percentile_disc's φ as MetricsQL text (shortest round-trip form: the same double there). */
export const phiText = (phi: number): string => String(phi);
