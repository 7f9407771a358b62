import { interfaceMeta, rankTop, topRow } from './top.js';
import { withTransaction } from '../storage/tx.js';
import type { Pool, PoolClient } from 'pg';
import { ErrorCode, NetopsError } from '../errors.js';
import type { Bucket } from './downsample.js';
import { readSamples, type SampleChunk, scanRange } from './packed.js';
import { type ScanResult, type ScanStats, scanChunks } from './scan.js';
import { emptyWindows, foldChunks, type RecentWindows, recentGrid } from './windows.js';

/**
 * Queries sized to a chart's pixel width. The database does the reduction: whatever the number
 * of samples in the range, at most `widthPx` rows per metric come back (min, max, avg, first,
 * last per pixel column), so ten million samples never cross the wire.
 *
 * Column and table names follow src/storage/migrations/0003_metrics.sql (owned by the SNMP
 * poller): samples (wide, partitioned by day), rollups_5m / rollups_1h (long format).
 */

export { METRICS } from './rollup.js';
import { METRICS } from './rollup.js';
export type Metric = (typeof METRICS)[number];

/** What `/net graph --metric` offers, and which columns each one draws. */
export const METRIC_SETS = {
  util: ['in_bps', 'out_bps'],
  errors: ['in_errors', 'out_errors'],
  discards: ['in_discards', 'out_discards'],
  pps: ['in_pps', 'out_pps'],
} as const satisfies Record<string, readonly Metric[]>;
export type MetricSet = keyof typeof METRIC_SETS;

export type Resolution = 'raw' | '5m' | '1h';

const ROLLUP: Record<Exclude<Resolution, 'raw'>, { table: string; stepMs: number }> = {
  '5m': { table: 'rollups_5m', stepMs: 300_000 },
  '1h': { table: 'rollups_1h', stepMs: 3_600_000 },
};

export interface ResolutionOptions {
  /** Ranges up to this long always read raw samples (default 2 days). */
  rawMaxRangeMs?: number;
}

/**
 * The coarsest resolution that still gives every pixel column at least one value: a rollup is
 * used only when its step fits in one pixel's worth of time, and short ranges stay raw. Peaks
 * survive at every resolution because rollups keep the raw max of their bucket.
 */
export function chooseResolution(
  rangeMs: number,
  widthPx: number,
  options: ResolutionOptions = {},
): Resolution {
  const rawMax = options.rawMaxRangeMs ?? 2 * 86_400_000;
  if (rangeMs <= rawMax) return 'raw';
  const perPixel = rangeMs / widthPx;
  if (perPixel >= ROLLUP['1h'].stepMs) return '1h';
  if (perPixel >= ROLLUP['5m'].stepMs) return '5m';
  return 'raw';
}

export interface InterfaceRef {
  device: string;
  ifindex: number;
  name: string;
  alias: string | null;
  speedBps: number | null;
}

export interface SeriesQuery {
  device: string;
  /** One of ifindex or ifname. */
  ifindex?: number;
  ifname?: string;
  metrics: readonly Metric[];
  from: Date;
  to: Date;
  widthPx: number;
  /** Force a resolution (benchmarks, tests); default picks from the range. */
  resolution?: Resolution | 'auto';
  /**
   * Raw resolution: compute the exact p95 in the same pass (default). It needs every sample
   * decoded; without it, pixel columns that hold whole packed hours are read from the rows'
   * heads, and the summaries carry p95 NaN (peak, average and latest stay exact).
   */
  p95?: boolean;
  resolutionOptions?: ResolutionOptions;
}

export interface SeriesResult {
  iface: InterfaceRef;
  from: number;
  to: number;
  widthPx: number;
  bucketMs: number;
  /** Resolution actually read (after falling back when a rollup is empty). */
  resolution: Resolution;
  /** Per metric, pixel buckets in time order (empty buckets left out). */
  series: Record<string, Bucket[]>;
  /** Number of stored rows the buckets summarise, summed over metrics' rows (raw: samples). */
  rowsScanned: number;
  /**
   * Summary figures computed in the same pass as the buckets (raw resolution: exact, p95 over
   * raw samples). querySummary returns these without touching the database again.
   */
  summaries?: SeriesSummary[];
}

/** What a SeriesResult covers: the range and width asked for, and the width of a column. */
export interface SeriesFrame {
  from: number;
  to: number;
  widthPx: number;
  bucketMs: number;
}

/** A SeriesResult as both backends give it; without summaries it has no `summaries` key at all. */
export function seriesResult(
  iface: InterfaceRef,
  frame: SeriesFrame,
  resolution: Resolution,
  series: Record<string, Bucket[]>,
  rowsScanned: number,
  summaries?: SeriesSummary[],
): SeriesResult {
  const { from, to, widthPx, bucketMs } = frame;
  const result: SeriesResult = { iface, from, to, widthPx, bucketMs, resolution, series, rowsScanned };
  if (summaries) result.summaries = summaries;
  return result;
}

function num(v: unknown): number {
  if (v === null || v === undefined) return Number.NaN;
  return typeof v === 'number' ? v : Number(v);
}

function ms(v: unknown): number {
  return v instanceof Date ? v.getTime() : Date.parse(String(v));
}

/** Finds an interface by ifindex or name (exact, then case-insensitive). */
export async function findInterface(
  pool: Pool,
  device: string,
  ref: { ifindex?: number; ifname?: string },
): Promise<InterfaceRef | undefined> {
  const cols = 'device, ifindex, name, alias, speed_bps::float8 AS speed_bps';
  let rows: Record<string, unknown>[];
  if (ref.ifindex !== undefined) {
    rows = (
      await pool.query(`SELECT ${cols} FROM interfaces WHERE device = $1 AND ifindex = $2`, [
        device,
        ref.ifindex,
      ])
    ).rows;
  } else if (ref.ifname !== undefined) {
    rows = (
      await pool.query(
        `SELECT ${cols} FROM interfaces WHERE device = $1 AND (name = $2 OR lower(name) = lower($2))
         ORDER BY (name = $2) DESC, ifindex LIMIT 1`,
        [device, ref.ifname],
      )
    ).rows;
  } else throw new RangeError('findInterface needs ifindex or ifname');
  const r = rows[0];
  return r ? toInterfaceRef(r) : undefined;
}

function toInterfaceRef(r: Record<string, unknown>): InterfaceRef {
  return {
    device: String(r.device),
    ifindex: Number(r.ifindex),
    name: String(r.name),
    alias: (r.alias as string | null) ?? null,
    speedBps: r.speed_bps === null || r.speed_bps === undefined ? null : num(r.speed_bps),
  };
}

/** All interfaces of a device whose name matches a RegExp (glob compiled by the caller). */
export async function listInterfaces(pool: Pool, device: string): Promise<InterfaceRef[]> {
  const { rows } = await pool.query(
    `SELECT device, ifindex, name, alias, speed_bps::float8 AS speed_bps FROM interfaces
     WHERE device = $1 ORDER BY ifindex`,
    [device],
  );
  return rows.map(toInterfaceRef);
}

/**
 * Runs `fn` in a transaction with planner settings that suit one big aggregate: JIT compiles
 * hundreds of functions for a 100-partition scan and costs more than it saves at this size.
 */
function withAggregateSettings<T>(pool: Pool, fn: (c: PoolClient) => Promise<T>): Promise<T> {
  // Sorting 10M rows to group them is the slow plan; hashing 800 groups is the fast one.
  return withTransaction(pool, fn, { readOnly: true, settings: { jit: 'off', enable_sort: 'off' } });
}

/**
 * Raw samples → one bucket per pixel column (min, max, average, first and last with their
 * times) and, in the same pass, the summary figures. Samples come from compacted hours and recent
 * rows alike (./packed.ts); the reduction runs here rather than in SQL because the compacted
 * hours are encoded streams that only this process decodes.
 */
async function rawBuckets(
  client: PoolClient,
  iface: InterfaceRef,
  metrics: readonly Metric[],
  from: number,
  to: number,
  bucketMs: number,
  /** Start of the pixel grid (differs from `from` when reading only a tail of the range). */
  origin: number = from,
  p95 = true,
): Promise<{ series: Record<string, Bucket[]>; rows: number; stats: ScanResult['stats'] }> {
  const r = await scanRange(client, iface, metrics, { from, to, bucketMs, origin, p95 });
  return { series: r.series, rows: r.rows, stats: r.stats };
}

/**
 * Rollups → pixel buckets. Max of max and min of min, so a peak seen by the poller survives;
 * the average is weighted by each rollup's sample count.
 */
async function rollupBuckets(
  client: PoolClient,
  res: Exclude<Resolution, 'raw'>,
  iface: InterfaceRef,
  metrics: readonly Metric[],
  from: number,
  to: number,
  bucketMs: number,
): Promise<{ series: Record<string, Bucket[]>; rows: number; firstStart: number; lastEnd: number }> {
  const { table, stepMs } = ROLLUP[res];
  const { rows } = await client.query(
    `SELECT metric, date_bin(make_interval(secs => $6::float8 / 1000), bucket, $4::timestamptz) AS b,
            sum(n)::int AS n, min(min) AS min, max(max) AS max,
            sum(avg * n) / nullif(sum(n), 0) AS avg,
            min(bucket) AS t_first, max(bucket) AS t_last,
            (array_agg(avg ORDER BY bucket))[1] AS first,
            (array_agg(avg ORDER BY bucket DESC))[1] AS last,
            count(*)::int AS rows
     FROM ${table}
     WHERE device = $1 AND ifindex = $2 AND metric = ANY($3::text[]) AND bucket >= $4 AND bucket < $5
     GROUP BY metric, b
     ORDER BY metric, b`,
    [iface.device, iface.ifindex, [...metrics], new Date(from), new Date(to), bucketMs],
  );
  const series: Record<string, Bucket[]> = {};
  for (const m of metrics) series[m] = [];
  let total = 0;
  let lastEnd = from;
  let firstStart = to;
  for (const r of rows) {
    const x0 = ms(r.b);
    firstStart = Math.min(firstStart, ms(r.t_first));
    // A rollup row stands for [bucket, bucket + step): draw it in the middle of that span.
    const tFirst = Math.min(ms(r.t_first) + stepMs / 2, to - 1);
    const tLast = Math.min(ms(r.t_last) + stepMs / 2, to - 1);
    lastEnd = Math.max(lastEnd, ms(r.t_last) + stepMs);
    total += Number(r.rows);
    series[String(r.metric)]?.push({
      x0,
      x1: Math.min(x0 + bucketMs, to),
      n: Number(r.n),
      min: num(r.min),
      max: num(r.max),
      avg: num(r.avg),
      first: num(r.first),
      last: num(r.last),
      tFirst,
      tLast: Math.max(tFirst, tLast),
    });
  }
  return { series, rows: total, firstStart, lastEnd };
}

/** Merges two bucket lists on the same grid (rollup head + raw tail). */
function mergeBuckets(a: readonly Bucket[], b: readonly Bucket[]): Bucket[] {
  const byX = new Map<number, Bucket>();
  for (const k of [...a, ...b]) {
    const prev = byX.get(k.x0);
    if (!prev) {
      byX.set(k.x0, { ...k });
      continue;
    }
    const firstOf = prev.tFirst <= k.tFirst ? prev : k;
    const lastOf = prev.tLast >= k.tLast ? prev : k;
    const merged: Bucket = {
      x0: k.x0,
      x1: Math.max(prev.x1, k.x1),
      n: prev.n + k.n,
      min: Math.min(prev.min, k.min),
      max: Math.max(prev.max, k.max),
      avg: (prev.avg * prev.n + k.avg * k.n) / (prev.n + k.n),
      tFirst: firstOf.tFirst,
      tLast: lastOf.tLast,
    };
    if (firstOf.first !== undefined) merged.first = firstOf.first;
    if (lastOf.last !== undefined) merged.last = lastOf.last;
    byX.set(k.x0, merged);
  }
  return [...byX.values()].sort((x, y) => x.x0 - y.x0);
}

export function bucketWidthMs(from: number, to: number, widthPx: number): number {
  return Math.max(1, Math.ceil((to - from) / widthPx));
}

function checkQuery(q: SeriesQuery): { from: number; to: number } {
  const from = q.from.getTime();
  const to = q.to.getTime();
  if (!(to > from)) {
    throw new NetopsError(
      ErrorCode.BAD_ARGS,
      `empty time range ${q.from.toISOString()}..${q.to.toISOString()}`,
      {
        userMessage: 'The time range is empty.',
        hint: 'Use a range such as 1h, 24h, 7d or 30d.',
      },
    );
  }
  if (!Number.isInteger(q.widthPx) || q.widthPx < 10 || q.widthPx > 10_000) {
    throw new RangeError(`widthPx must be an integer in 10..10000, got ${q.widthPx}`);
  }
  for (const m of q.metrics)
    if (!(METRICS as readonly string[]).includes(m)) throw new RangeError(`unknown metric ${m}`);
  return { from, to };
}

/**
 * One interface, some metrics, a time range → at most `widthPx` buckets per metric.
 * Throws NOT_FOUND when the interface is unknown; returns empty series when there is no data.
 */
export async function querySeries(pool: Pool, q: SeriesQuery): Promise<SeriesResult> {
  checkQuery(q);
  const iface = await findInterface(pool, q.device, {
    ...(q.ifindex !== undefined ? { ifindex: q.ifindex } : {}),
    ...(q.ifname !== undefined ? { ifname: q.ifname } : {}),
  });
  if (!iface) {
    const what = q.ifname ?? `ifIndex ${q.ifindex}`;
    throw new NetopsError(ErrorCode.NOT_FOUND, `no interface ${what} on ${q.device}`, {
      context: { device: q.device },
      userMessage: `${q.device} has no interface \`${what}\` that the poller knows of.`,
      hint: 'Check the name with `/net interfaces <device>`, or wait for the next poll if it is new.',
    });
  }
  return querySeriesFor(pool, iface, q);
}

/** As querySeries, for an interface already resolved (compare charts resolve many at once). */
export async function querySeriesFor(
  pool: Pool,
  iface: InterfaceRef,
  q: Omit<SeriesQuery, 'device' | 'ifindex' | 'ifname'>,
): Promise<SeriesResult> {
  const { from, to } = checkQuery({ ...q, device: iface.device });
  const bucketMs = bucketWidthMs(from, to, q.widthPx);
  const frame = { from, to, widthPx: q.widthPx, bucketMs };
  const wanted =
    !q.resolution || q.resolution === 'auto'
      ? chooseResolution(to - from, q.widthPx, q.resolutionOptions)
      : q.resolution;

  return withAggregateSettings(pool, async (client) => {
    if (wanted !== 'raw') {
      const r = await rollupBuckets(client, wanted, iface, q.metrics, from, to, bucketMs);
      if (r.rows > 0) {
        // Rollups lag the poller: read the part they do not cover yet from raw samples.
        let series = r.series;
        let rows = r.rows;
        if (r.lastEnd < to) {
          const tail = await rawBuckets(client, iface, q.metrics, r.lastEnd, to, bucketMs, from, false);
          for (const m of q.metrics) series[m] = mergeBuckets(series[m] ?? [], tail.series[m] ?? []);
          rows += tail.rows;
        }
        // And samples older than the first rollup (history imported or backfilled after the
        // rollups began, a rollup run still working back) would vanish behind the newer rollups:
        // the part before it is read raw too, which costs nothing where there are none.
        if (r.firstStart > from) {
          const head = await rawBuckets(client, iface, q.metrics, from, r.firstStart, bucketMs, from, false);
          for (const m of q.metrics) series[m] = mergeBuckets(head.series[m] ?? [], series[m] ?? []);
          rows += head.rows;
        }
        series = Object.fromEntries(q.metrics.map((m) => [m, series[m] ?? []]));
        return seriesResult(iface, frame, wanted, series, rows);
      }
      // No rollups yet (new device, rollup job behind): raw samples still answer, in SQL.
    }
    const raw = await rawBuckets(client, iface, q.metrics, from, to, bucketMs, from, q.p95 !== false);
    const summaries: SeriesSummary[] = [];
    for (const m of q.metrics) {
      const st = raw.stats[m];
      if (st) summaries.push({ metric: m, ...st, p95Basis: 'raw samples' });
    }
    return seriesResult(iface, frame, 'raw', raw.series, raw.rows, summaries);
  });
}

/** One interface's chunks in what readSamples returned: `chunks[start, end)`. */
interface InterfaceRun {
  device: string;
  ifindex: number;
  start: number;
  end: number;
}

/**
 * Each interface's run of readSamples' chunks, in turn: readSamples returns them grouped per
 * device and interface, in order.
 */
function* interfaceRuns(chunks: readonly SampleChunk[]): Generator<InterfaceRun> {
  let i = 0;
  while (i < chunks.length) {
    const { device, ifindex } = chunks[i]!;
    let j = i + 1;
    while (j < chunks.length && chunks[j]!.ifindex === ifindex && chunks[j]!.device === device) j++;
    yield { device, ifindex, start: i, end: j };
    i = j;
  }
}

/**
 * Raw pixel buckets of several interfaces of one device in one read: what the analysis job asks
 * for after each poll (every interface's last two hours). One transaction and one scan of the
 * device's samples instead of one per interface. Interfaces without samples get empty series.
 */
export async function queryRecentForDevice(
  pool: Pool,
  ifaces: readonly InterfaceRef[],
  q: Pick<SeriesQuery, 'metrics' | 'from' | 'to' | 'widthPx'>,
): Promise<Map<number, Record<string, Bucket[]>>> {
  if (!ifaces.length) return new Map();
  const device = ifaces[0]!.device;
  if (ifaces.some((i) => i.device !== device)) throw new RangeError('queryRecentForDevice: one device');
  return (await queryRecentForDevices(pool, ifaces, q)).get(device) ?? new Map();
}

/**
 * As queryRecentForDevice for the interfaces of several devices in one read (the analysis job
 * batches the devices whose runs are due together): per device, per ifindex.
 */
export async function queryRecentForDevices(
  pool: Pool,
  ifaces: readonly InterfaceRef[],
  q: Pick<SeriesQuery, 'metrics' | 'from' | 'to' | 'widthPx'>,
): Promise<Map<string, Map<number, Record<string, Bucket[]>>>> {
  const out = new Map<string, Map<number, Record<string, Bucket[]>>>();
  if (!ifaces.length) return out;
  const wanted = new Map<string, Set<number>>();
  for (const i of ifaces) {
    let w = wanted.get(i.device);
    if (!w) {
      w = new Set();
      wanted.set(i.device, w);
    }
    w.add(i.ifindex);
  }
  const devices = [...wanted.keys()];
  const { from, to } = checkQuery({ ...q, device: devices[0]! });
  const bucketMs = bucketWidthMs(from, to, q.widthPx);
  const chunks = await withAggregateSettings(pool, (c) => readSamples(c, { devices }, q.metrics, from, to));
  for (const { device, ifindex, start, end } of interfaceRuns(chunks)) {
    if (!wanted.get(device)?.has(ifindex)) continue;
    const r = scanChunks(chunks.slice(start, end), q.metrics, {
      from,
      to,
      bucketMs,
      origin: from,
      p95: false,
    });
    let m = out.get(device);
    if (!m) {
      m = new Map();
      out.set(device, m);
    }
    m.set(ifindex, r.series);
  }
  for (const [device, w] of wanted) {
    let m = out.get(device);
    if (!m) {
      m = new Map();
      out.set(device, m);
    }
    for (const ifindex of w) if (!m.has(ifindex)) m.set(ifindex, {});
  }
  return out;
}

/**
 * As queryRecentForDevices, as flat arrays (./windows.ts): the same reads and the same averages,
 * without a bucket object per metric and column.
 */
export async function queryRecentWindowsForDevices(
  pool: Pool,
  ifaces: readonly InterfaceRef[],
  q: Pick<SeriesQuery, 'metrics' | 'from' | 'to' | 'widthPx'>,
): Promise<RecentWindows> {
  const byDevice = new Map<string, Map<number, number>>();
  let slots = 0;
  for (const i of ifaces) {
    let w = byDevice.get(i.device);
    if (!w) {
      w = new Map();
      byDevice.set(i.device, w);
    }
    if (!w.has(i.ifindex)) w.set(i.ifindex, slots++);
  }
  const devices = [...byDevice.keys()];
  const { from, to } = checkQuery({ ...q, device: devices[0] ?? '' });
  const w = emptyWindows(recentGrid(from, to, bucketWidthMs(from, to, q.widthPx), q.metrics), slots);
  if (!devices.length) return { ...w, byDevice };
  const chunks = await withAggregateSettings(pool, (c) => readSamples(c, { devices }, q.metrics, from, to));
  for (const { device, ifindex, start, end } of interfaceRuns(chunks)) {
    const slot = byDevice.get(device)?.get(ifindex);
    if (slot !== undefined) foldChunks(w, slot, chunks, start, end);
  }
  return { ...w, byDevice };
}

// ---------------------------------------------------------------------------------------------
// Summary figures: peak (and when), p95, average, current.

export interface SeriesSummary {
  metric: Metric;
  peak: number;
  peakAt: number;
  p95: number;
  avg: number;
  current: number;
  currentAt: number;
  samples: number;
  /** What p95 was computed over. */
  p95Basis: 'raw samples' | '5-minute averages';
}

/**
 * Peak, average and (when the buckets carry it) current value per metric, straight from the
 * pixel buckets: max of max and the count-weighted mean are exact. p95 is left NaN.
 */
export function summarize(result: SeriesResult): SeriesSummary[] {
  const out: SeriesSummary[] = [];
  for (const m of Object.keys(result.series) as Metric[]) {
    const buckets = result.series[m] ?? [];
    if (!buckets.length) continue;
    let peak = Number.NEGATIVE_INFINITY;
    let peakBucket = buckets[0]!;
    let sum = 0;
    let n = 0;
    for (const b of buckets) {
      if (b.max > peak) {
        peak = b.max;
        peakBucket = b;
      }
      sum += b.avg * b.n;
      n += b.n;
    }
    const lastBucket = buckets[buckets.length - 1]!;
    out.push({
      metric: m,
      peak,
      peakAt: peakBucket.tMax ?? peakBucket.tFirst,
      p95: Number.NaN,
      avg: sum / n,
      current: lastBucket.last ?? Number.NaN,
      currentAt: lastBucket.tLast,
      samples: n,
      p95Basis: result.resolution === 'raw' ? 'raw samples' : '5-minute averages',
    });
  }
  return out;
}

/**
 * Summary figures per metric. A raw-resolution result already carries them, computed in the
 * same pass as its buckets (no second read). A rollup result's peak and average come exact from
 * its buckets (max of max, count-weighted mean); the peak's moment from the raw samples of the
 * one pixel column that holds it; the latest value from the newest recent row; p95 over
 * 5-minute averages (the usual "95th percentile" of transit billing), which the rollups hold,
 * unless `p95: false`.
 */
export async function querySummary(
  pool: Pool,
  result: SeriesResult,
  options: { p95?: boolean } = {},
): Promise<SeriesSummary[]> {
  if (result.summaries) return result.summaries.map((s) => ({ ...s }));
  const { iface } = result;
  const out = summarize(result);
  if (!out.length) return out;
  await withAggregateSettings(pool, async (client) => {
    for (const s of out) {
      const buckets = result.series[s.metric] ?? [];
      const b = buckets.find((k) => k.max === s.peak);
      if (b) {
        // the raw samples of the peak's pixel column hold the exact moment (when still kept)
        const chunks = await readSamples(client, iface, [s.metric], b.x0, b.x1);
        const st = scanChunks(chunks, [s.metric], { from: b.x0, to: b.x1, bucketMs: b.x1 - b.x0, p95: false })
          .stats[s.metric];
        if (st && st.peak === s.peak) s.peakAt = st.peakAt;
      }
    }
    const last = Math.max(...out.map((s) => s.currentAt));
    const { rows } = await client.query(
      `SELECT ts, ${out.map((s) => s.metric).join(', ')} FROM samples
       WHERE device = $1 AND ifindex = $2 AND ts >= $3 AND ts < $4 ORDER BY ts DESC LIMIT 1`,
      [iface.device, iface.ifindex, new Date(result.from), new Date(Math.min(result.to, last + 1))],
    );
    for (const s of out) {
      const v = num(rows[0]?.[s.metric]);
      if (Number.isFinite(v)) {
        s.current = v;
        s.currentAt = ms(rows[0]!.ts);
      } else if (!Number.isFinite(s.current)) {
        // rollups only: the average of the latest rollup bucket is the freshest figure there is
        const lb = (result.series[s.metric] ?? []).at(-1);
        if (lb) s.current = lb.last ?? lb.avg;
      }
    }
  });
  if (options.p95 !== false) {
    const p95 = await queryP95(pool, result);
    for (const s of out) s.p95 = p95[s.metric] ?? Number.NaN;
  }
  return out;
}

/** p95 per metric over the result's range (see querySummary for the basis). */
export async function queryP95(pool: Pool, result: SeriesResult): Promise<Record<string, number>> {
  const { iface, from, to } = result;
  const metrics = (Object.keys(result.series) as Metric[]).filter((m) => (result.series[m] ?? []).length > 0);
  const out: Record<string, number> = {};
  if (!metrics.length) return out;
  if (result.summaries) {
    for (const s of result.summaries) out[s.metric] = s.p95;
    return out;
  }
  await withAggregateSettings(pool, async (client) => {
    if (result.resolution === 'raw') {
      const chunks = await readSamples(client, iface, metrics, from, to);
      const st = scanChunks(chunks, metrics, { from, to, bucketMs: to - from }).stats;
      for (const m of metrics) out[m] = st[m]?.p95 ?? Number.NaN;
    } else {
      const { rows } = await client.query(
        `SELECT metric, percentile_disc(0.95) WITHIN GROUP (ORDER BY avg) AS p95 FROM rollups_5m
         WHERE device = $1 AND ifindex = $2 AND metric = ANY($3::text[]) AND bucket >= $4 AND bucket < $5
         GROUP BY metric`,
        [iface.device, iface.ifindex, metrics, new Date(from), new Date(to)],
      );
      for (const r of rows) out[String(r.metric)] = num(r.p95);
    }
  });
  return out;
}

// ---------------------------------------------------------------------------------------------
// Top-N interfaces by utilisation.

export interface TopNQuery {
  from: Date;
  to: Date;
  /** Restrict to these devices; all when absent. */
  devices?: readonly string[];
  by?: 'p95' | 'max';
  limit?: number;
  resolutionOptions?: ResolutionOptions;
}

export interface TopNRow {
  device: string;
  ifindex: number;
  name: string;
  speedBps: number | null;
  /** The busier direction's value (bits/s). */
  value: number;
  direction: 'in' | 'out';
  /** value / speed, 0..1 (null when the speed is unknown). */
  util: number | null;
}

/**
 * The busiest interfaces over a range, by p95 or max of the busier direction, ranked by
 * utilisation (interfaces with unknown speed rank by bits/s after those with a speed).
 */
export async function queryTopN(pool: Pool, q: TopNQuery): Promise<TopNRow[]> {
  const from = q.from.getTime();
  const to = q.to.getTime();
  const by = q.by ?? 'p95';
  const limit = Math.max(1, Math.min(q.limit ?? 10, 100));
  const raw = to - from <= (q.resolutionOptions?.rawMaxRangeMs ?? 2 * 86_400_000);
  let rows: {
    device: string;
    ifindex: number;
    name: string;
    speed_bps: number | null;
    v_in: number;
    v_out: number;
  }[];
  if (raw) {
    // raw samples live partly in compacted hours: one pass per interface in this process
    const chunks = await withAggregateSettings(pool, (c) =>
      readSamples(c, q.devices?.length ? { devices: q.devices } : {}, ['in_bps', 'out_bps'], from, to),
    );
    const per = new Map<string, SampleChunk[]>();
    for (const c of chunks) {
      const k = `${c.device}\u0000${c.ifindex}`;
      const list = per.get(k);
      if (list) list.push(c);
      else per.set(k, [c]);
    }
    const meta = await interfaceMeta(pool, q.devices);
    rows = [];
    for (const [k, list] of per) {
      const st = scanChunks(list, ['in_bps', 'out_bps'], {
        from,
        to,
        bucketMs: to - from,
        p95: by === 'p95',
      }).stats;
      const pick = (x: ScanStats | undefined) => (x ? (by === 'max' ? x.peak : x.p95) : Number.NaN);
      const m = meta.get(k);
      const c = list[0]!;
      rows.push({
        device: c.device,
        ifindex: c.ifindex,
        name: m ? String(m.name) : `ifIndex ${c.ifindex}`,
        speed_bps: m?.speed_bps ?? null,
        v_in: pick(st.in_bps),
        v_out: pick(st.out_bps),
      });
    }
  } else {
    const devFilter = q.devices?.length ? 'AND device = ANY($3::text[])' : '';
    const params: unknown[] = [new Date(from), new Date(to)];
    if (q.devices?.length) params.push([...q.devices]);
    const perIf = `SELECT device, ifindex,
              max(v) FILTER (WHERE metric = 'in_bps') AS v_in, max(v) FILTER (WHERE metric = 'out_bps') AS v_out
       FROM (SELECT device, ifindex, metric, ${by === 'max' ? 'max(max)' : 'percentile_disc(0.95) WITHIN GROUP (ORDER BY avg)'} AS v
             FROM rollups_5m WHERE metric IN ('in_bps', 'out_bps') AND bucket >= $1 AND bucket < $2 ${devFilter}
             GROUP BY device, ifindex, metric) r
       GROUP BY device, ifindex`;
    rows = (
      await withAggregateSettings(pool, (c) =>
        c.query(
          `SELECT p.device, p.ifindex, coalesce(i.name, 'ifIndex ' || p.ifindex) AS name, i.speed_bps::float8 AS speed_bps,
                  p.v_in, p.v_out
           FROM (${perIf}) p LEFT JOIN interfaces i USING (device, ifindex)`,
          params,
        ),
      )
    ).rows;
  }
  const list: TopNRow[] = rows.map((r) =>
    topRow(
      { device: String(r.device), ifindex: Number(r.ifindex), name: String(r.name) },
      num(r.v_in),
      num(r.v_out),
      r.speed_bps === null ? null : num(r.speed_bps),
    ),
  );
  return rankTop(list, limit);
}
