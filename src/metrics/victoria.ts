import type { Pool } from 'pg';
import { ErrorCode, NetopsError } from '../errors.js';
import type { Bucket } from './downsample.js';
import {
  bucketQuery,
  bucketsFromMatrix,
  deviceGroups,
  discPhi,
  ifaceKey,
  metricRef,
  phiText,
  pixelGrid,
  rollupField,
  rollupsQuery,
  type SeriesMatch,
  selector,
  type TaggedPart,
  TAG_FIELD,
  TAG_METRIC,
  tagged,
  type VmSeries,
  vmDuration,
  vmTime,
} from './metricsql.js';
import { ANALYSED_METRICS, SAMPLE_FIELDS } from './names.js';
import type { SampleChunk } from './packed.js';
import {
  bucketWidthMs,
  type InterfaceRef,
  type SeriesResult,
  type SeriesSummary,
  seriesResult,
  type TopNQuery,
  type TopNRow,
} from './query.js';
import { scanChunks } from './scan.js';
import type { LatestInterface, SampleRow } from './store.js';
import { interfaceMeta, rankTop, topRow } from './top.js';

/**
 * The VictoriaMetrics metrics backend (single node or cluster; same HTTP APIs). Samples are
 * written through its CSV import API (one line per sample row; see importBodies), one series per
 * device, interface and metric (`netops_in_bps{device="core1",ifindex="3"}`), and read through its
 * query API, which does the reduction there, so a chart of a million samples moves a few thousand
 * numbers. What is exact against the Postgres backend for the same samples (VictoriaMetrics keeps
 * about 12 significant decimal digits of each value, so "equal" below means to that precision):
 *
 * - chart buckets (`/api/v1/query_range`, step = one pixel column, window = the step, evaluated
 *   at each column's last millisecond; one request per metric, its rollups from one
 *   `aggr_over_time` pass): n, min, max, first, last and their moments are those of
 *   the column's own samples; avg is VictoriaMetrics' float sum ÷ n; empty columns stay empty.
 *   A tied min or max is timed at its last occurrence there, its first in Postgres (the point
 *   moves inside its own pixel column). The last column when the range's end cuts it short, and
 *   the columns within `latencyOffsetMs` of now (see metricsql.pixelGrid), are reduced here
 *   from raw samples (`/api/v1/export`) by the Postgres backend's scan.
 * - summaries (`/api/v1/query` at the range's end over the whole range, one `aggr_over_time`
 *   pass per metric, whose count sets that metric's p95 query going): peak, average, latest
 *   and its moment, sample count; the peak's moment is the first sample holding it, as in
 *   Postgres (read from the raw samples of the peak's pixel column, since `tmax_over_time` gives
 *   the last of a tie); p95 is the sample percentile_disc(0.95) picks, as Postgres computes it,
 *   through a φ chosen for each sample count (metricsql.discPhi: exact for most counts, else off
 *   by under 1e-9 of the gap to the next sample; VictoriaMetrics' own `quantile_over_time(0.95, …)`
 *   interpolates between two samples). rowsScanned counts per column the samples of the most
 *   sampled metric (Postgres: rows; the same when each row carries the charted metrics).
 * - `top`: p95 (as above) or max per direction over raw samples for any range; the Postgres
 *   backend ranks ranges over two days by its 5-minute rollups, which VictoriaMetrics does not
 *   keep, so long ranges can rank differently, and so do interfaces whose sample count is not
 *   among the range's 8 most common (they rank by the interpolated p95). Ranking is by
 *   utilisation against Postgres's interface speeds, so it happens here, not with `topk` there
 *   (VictoriaMetrics returns one figure per interface and direction). A fleet over
 *   `topGroupInterfaces` is asked device group by device group, for the devices Postgres knows.
 * - `interfaces` (latestInterfaces): each interface's newest sample within the age limit
 *   (`last_over_time`/`tlast_over_time`); a metric whose newest sample is older than the
 *   interface's newest is unknown in it, as a null column of that Postgres row.
 * - analysis reads pixel columns as charts do (queryBuckets: one query_range for a group of
 *   devices' interfaces). Raw points (readSamples, a chart's tail and peak columns) come through
 *   the export API: query_range cannot return a window's samples themselves.
 *
 * Interface names, speeds and states stay in Postgres (the poller writes them there whichever
 * backend holds the samples).
 */

export interface VictoriaOptions {
  /** Base URL, e.g. http://127.0.0.1:8428 (cluster: the vminsert/vmselect tenant prefix). */
  url: string;
  /** Prefix for metric names, so a shared VictoriaMetrics can hold other things too. */
  prefix?: string;
  /** How long one request may take (default 30 s). */
  timeoutMs?: number;
  /**
   * The server's `-search.latencyOffset` (its default, 30 s): chart columns that recent are read
   * from raw samples, because its range queries repeat the previous point there.
   */
  latencyOffsetMs?: number;
  /** Largest import request body (default 4 MB). */
  importBodyBytes?: number;
  /** Import requests in flight at once from this store (default 4; the server's -maxConcurrentInserts is 8 by default). */
  importConcurrency?: number;
  /** Pause before the one retry of an import request that failed in transit (default 1 s). */
  retryDelayMs?: number;
  /**
   * `top` over a fleet with more interfaces than this asks per group of devices (default 50,000:
   * two series an interface, well under the server's -search.maxUniqueTimeseries of 300,000).
   */
  topGroupInterfaces?: number;
  clock?: () => number;
}

export interface VictoriaStore {
  /**
   * Imports the rows (bodies of at most importBodyBytes, importConcurrency at a time, each retried
   * once when the connection fails or the server is busy). When a body still fails it throws
   * DB_UNAVAILABLE saying how many samples were not stored; calling again with the same array
   * sends only the bodies not yet accepted, so a retried batch never doubles a sample.
   */
  writeSamples(rows: readonly SampleRow[]): Promise<number>;
  /** Makes what was written searchable now (tests and benchmarks; it happens within seconds anyway). */
  flush(): Promise<void>;
  /** Raw samples of one interface (export API: analysis wants the points themselves). */
  readSamples(
    iface: { device: string; ifindex: number },
    metrics: readonly string[],
    from: number,
    to: number,
  ): Promise<SampleChunk[]>;
  /** Pixel buckets and summaries for one interface, the same shape querySeriesFor returns. */
  querySeries(
    iface: InterfaceRef,
    q: {
      metrics: readonly string[];
      from: Date;
      to: Date;
      widthPx: number;
      summaries?: boolean;
      p95?: boolean;
    },
  ): Promise<SeriesResult>;
  /** Pixel buckets of every interface of some devices in one query, per `device\u0000ifindex`. */
  queryBuckets(
    match: SeriesMatch,
    q: { metrics: readonly string[]; from: Date; to: Date; widthPx: number },
  ): Promise<Map<string, { series: Record<string, Bucket[]>; rows: number }>>;
  /** The busiest interfaces over a range (names and speeds from Postgres's `interfaces`). */
  queryTopN(pool: Pool, q: TopNQuery): Promise<TopNRow[]>;
  /** Each interface of a device (from Postgres) with its latest sample here, within maxAgeMs. */
  latestInterfaces(pool: Pool, device: string, maxAgeMs?: number, now?: Date): Promise<LatestInterface[]>;
  /** latestInterfaces of several devices (one query per distinct `now`). */
  latestInterfacesOf(
    pool: Pool,
    asks: readonly { device: string; now: Date }[],
    maxAgeMs?: number,
  ): Promise<Map<string, LatestInterface[]>>;
}

interface ExportLine {
  metric: Record<string, string>;
  values: number[];
  timestamps: number[];
}

/** One import request: its path (a CSV body's path names its columns) and how many samples it carries. */
export interface ImportBody {
  path: string;
  body: string;
  samples: number;
}

/**
 * Import bodies for some rows. A row is one CSV line (`"device",ifindex,ms,values…`), so a poll
 * round is one short line per interface rather than a JSON line per interface and metric each
 * repeating its labels (9× the lines, ~10× the bytes to build here and to parse there).
 * VictoriaMetrics 1.79 drops a CSV line with an empty value field (it logs the line and still
 * answers 204), so an unknown value cannot be left blank: rows are grouped by the metrics they
 * know, one column format per group. The device is always quoted (a name may hold a comma or a
 * quote); a name with a line break cannot be written in CSV at all (the server splits lines
 * before it reads quotes), so its rows go as JSON lines.
 */
export function importBodies(rows: readonly SampleRow[], prefix: string, maxBytes: number): ImportBody[] {
  const groups = new Map<number, { lines: string[]; samples: number }>();
  const jsonRows: SampleRow[] = [];
  let device: string | undefined;
  let quoted = '';
  for (const r of rows) {
    const t = r.ts.getTime();
    // (an invalid date: the server would read its "NaN" as 0, a sample in 1970)
    if (!Number.isFinite(t)) continue;
    let mask = 0;
    let known = 0;
    let values = '';
    for (let j = 0; j < SAMPLE_FIELDS.length; j++) {
      const v = r[SAMPLE_FIELDS[j]![1]];
      if (v === null || v === undefined || !Number.isFinite(v)) continue;
      mask |= 1 << j;
      known++;
      values += `,${v}`;
    }
    if (!mask) continue;
    if (r.device !== device) {
      device = r.device;
      quoted = /[\r\n]/.test(device) ? '' : `"${device.replaceAll('"', '""')}"`;
    }
    if (!quoted) {
      jsonRows.push(r);
      continue;
    }
    let g = groups.get(mask);
    if (!g) {
      g = { lines: [], samples: known };
      groups.set(mask, g);
    }
    g.lines.push(`${quoted},${r.ifIndex},${t}${values}`);
  }
  const out: ImportBody[] = [];
  for (const [mask, g] of groups) {
    const columns = ['1:label:device', '2:label:ifindex', '3:time:unix_ms'];
    for (let j = 0; j < SAMPLE_FIELDS.length; j++)
      if (mask & (1 << j)) columns.push(`${columns.length + 1}:metric:${prefix}${SAMPLE_FIELDS[j]![0]}`);
    const path = `/api/v1/import/csv?format=${encodeURIComponent(columns.join(','))}`;
    cut(g.lines, maxBytes, (body, lines) => out.push({ path, body, samples: lines * g.samples }));
  }
  if (jsonRows.length) out.push(...jsonLinesBodies(jsonRows, prefix, maxBytes));
  return out;
}

/** Lines joined into bodies of at most maxBytes (a longer line alone in its own). */
function cut(lines: readonly string[], maxBytes: number, emit: (body: string, lines: number) => void): void {
  let from = 0;
  let size = 0;
  for (let i = 0; i < lines.length; i++) {
    const n = lines[i]!.length + 1;
    if (size && size + n > maxBytes) {
      emit(lines.slice(from, i).join('\n'), i - from);
      from = i;
      size = 0;
    }
    size += n;
  }
  if (from < lines.length) emit(lines.slice(from).join('\n'), lines.length - from);
}

/** JSON-lines bodies (`/api/v1/import`): one line per series with every timestamp of it in the rows. */
function jsonLinesBodies(rows: readonly SampleRow[], prefix: string, maxBytes: number): ImportBody[] {
  const series = new Map<string, { head: string; values: number[]; timestamps: number[] }>();
  for (const r of rows) {
    const t = r.ts.getTime();
    const labels = `,"device":${JSON.stringify(r.device)},"ifindex":"${r.ifIndex}"}`;
    for (const [name, key] of SAMPLE_FIELDS) {
      const v = r[key];
      if (v === null || v === undefined || !Number.isFinite(v)) continue;
      const id = `${name}\u0000${r.device}\u0000${r.ifIndex}`;
      let s = series.get(id);
      if (!s) {
        s = { head: `{"metric":{"__name__":"${prefix}${name}"${labels}`, values: [], timestamps: [] };
        series.set(id, s);
      }
      s.values.push(v);
      s.timestamps.push(t);
    }
  }
  const lines: string[] = [];
  const samples: number[] = [];
  for (const s of series.values()) {
    lines.push(`${s.head},"values":[${s.values.join(',')}],"timestamps":[${s.timestamps.join(',')}]}`);
    samples.push(s.values.length);
  }
  const out: ImportBody[] = [];
  let at = 0;
  cut(lines, maxBytes, (body, n) => {
    let k = 0;
    for (let i = at; i < at + n; i++) k += samples[i]!;
    at += n;
    out.push({ path: '/api/v1/import', body, samples: k });
  });
  return out;
}

/**
 * Devices per query where a query names many (analysis batches, `interfaces` of several devices,
 * `top` over a fleet): the server refuses a query over -search.maxQueryLen (16 KB) or selecting
 * more than -search.maxUniqueTimeseries series (300,000), both at their defaults.
 */
const GROUP = { maxDevices: 200, maxChars: 6_000 };

/** A summary's figures, by the rollup over the whole range that gives each (one pass per metric). */
const SUMMARY_ROLLUPS = {
  peak: 'max_over_time',
  peakAt: 'tmax_over_time',
  avg: 'avg_over_time',
  current: 'last_over_time',
  currentAt: 'tlast_over_time',
  samples: 'count_over_time',
} as const;

export function createVictoriaStore(options: VictoriaOptions): VictoriaStore {
  const base = options.url.replace(/\/+$/, '');
  const prefix = options.prefix ?? 'netops_';
  const timeoutMs = options.timeoutMs ?? 30_000;
  const latencyOffsetMs = options.latencyOffsetMs ?? 30_000;
  const importBodyBytes = options.importBodyBytes ?? 4_000_000;
  const importConcurrency = Math.max(1, options.importConcurrency ?? 4);
  const retryDelayMs = options.retryDelayMs ?? 1_000;
  const topGroupInterfaces = options.topGroupInterfaces ?? 50_000;
  const clock = options.clock ?? Date.now;
  /** Per rows array handed to writeSamples, the bodies already accepted (see writeSamples). */
  const accepted = new WeakMap<readonly SampleRow[], Set<number>>();
  let importsInFlight = 0;
  const importQueue: (() => void)[] = [];

  const unavailable = (message: string, cause?: unknown) =>
    new NetopsError(ErrorCode.DB_UNAVAILABLE, message, {
      ...(cause === undefined ? {} : { cause }),
      userMessage: 'The metrics store (VictoriaMetrics) did not answer.',
      hint: 'Check `metrics.url` in netops.yaml and that VictoriaMetrics is running; then try again.',
    });

  async function call(path: string, init?: RequestInit): Promise<Response> {
    let res: Response;
    try {
      res = await fetch(`${base}${path}`, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    } catch (cause) {
      const err = cause as Error;
      if (err.name === 'TimeoutError')
        throw unavailable(`VictoriaMetrics at ${base} did not answer ${path} within ${timeoutMs} ms`, cause);
      const code = (err.cause as { code?: string } | undefined)?.code;
      throw unavailable(
        `VictoriaMetrics at ${base} unreachable (${path}): ${err.message}${code ? ` (${code})` : ''}`,
        cause,
      );
    }
    if (!res.ok) {
      const text = (await res.text().catch(() => '')).slice(0, 500);
      // busy or failing on its side: worth a retry; anything else is a request it will never take
      if (res.status >= 500 || res.status === 429)
        throw unavailable(`VictoriaMetrics ${path}: HTTP ${res.status} ${text}`);
      throw new NetopsError(ErrorCode.INTERNAL, `VictoriaMetrics ${path}: HTTP ${res.status} ${text}`, {
        userMessage: 'The metrics store (VictoriaMetrics) refused the request.',
      });
    }
    return res;
  }

  async function query(
    path: '/api/v1/query' | '/api/v1/query_range',
    params: Record<string, string>,
  ): Promise<VmSeries[]> {
    // nocache: no result cache, and no moving of an instant query's time back by the latency offset
    const body = new URLSearchParams({ ...params, nocache: '1' });
    const json = (await (await call(path, { method: 'POST', body })).json()) as {
      status: string;
      data?: { result: VmSeries[] };
      error?: string;
    };
    if (json.status !== 'success' || !json.data)
      throw new NetopsError(ErrorCode.INTERNAL, `VictoriaMetrics ${path}: ${json.error ?? json.status}`, {
        userMessage: 'The metrics store (VictoriaMetrics) refused the request.',
      });
    return json.data.result;
  }

  const instant = (q: string, at: number) => query('/api/v1/query', { query: q, time: vmTime(at) });

  async function exportSeries(matches: readonly string[], from: number, to: number): Promise<ExportLine[]> {
    const params = new URLSearchParams({ start: vmTime(from), end: vmTime(to - 1) });
    for (const m of matches) params.append('match[]', m);
    const text = await (await call('/api/v1/export', { method: 'POST', body: params })).text();
    const out: ExportLine[] = [];
    for (const line of text.split('\n')) if (line) out.push(JSON.parse(line) as ExportLine);
    return out;
  }

  /** Series of one interface (by metric) aligned on the union of their timestamps, NaN where absent. */
  function chunkOf(
    device: string,
    ifindex: number,
    lines: readonly ExportLine[],
    metrics: readonly string[],
    from: number,
    to: number,
  ): SampleChunk | undefined {
    const byMetric = new Map<string, Map<number, number>>();
    const stamps = new Set<number>();
    for (const s of lines) {
      const name = s.metric.__name__!.slice(prefix.length);
      const m = byMetric.get(name) ?? new Map<number, number>();
      for (let i = 0; i < s.timestamps.length; i++) {
        const t = s.timestamps[i]!;
        if (t < from || t >= to) continue;
        m.set(t, s.values[i]!);
        stamps.add(t);
      }
      byMetric.set(name, m);
    }
    if (!stamps.size) return undefined;
    const ts = Float64Array.from([...stamps].sort((a, b) => a - b));
    const chunk: SampleChunk = { device, ifindex, tsUs: ts.map((t) => t * 1000), values: {} };
    for (const m of metrics) {
      const src = byMetric.get(m);
      (chunk.values as Record<string, Float64Array>)[m] = ts.map((t) => src?.get(t) ?? Number.NaN);
    }
    return chunk;
  }

  /** Raw samples per interface (`device\u0000ifindex`), as chunks. */
  async function rawChunks(
    match: SeriesMatch,
    metrics: readonly string[],
    from: number,
    to: number,
  ): Promise<Map<string, SampleChunk>> {
    const lines = await exportSeries(
      metrics.map((m) => selector(`${prefix}${m}`, match)),
      from,
      to,
    );
    const per = new Map<string, ExportLine[]>();
    for (const l of lines) {
      const k = ifaceKey(l.metric.device ?? '', l.metric.ifindex ?? '');
      const list = per.get(k);
      if (list) list.push(l);
      else per.set(k, [l]);
    }
    const out = new Map<string, SampleChunk>();
    for (const [k, ls] of per) {
      const c = chunkOf(ls[0]!.metric.device!, Number(ls[0]!.metric.ifindex), ls, metrics, from, to);
      if (c) out.set(k, c);
    }
    return out;
  }

  async function buckets(
    match: SeriesMatch,
    metrics: readonly string[],
    from: number,
    to: number,
    bucketMs: number,
  ): Promise<Map<string, { series: Record<string, Bucket[]>; rows: number }>> {
    const grid = pixelGrid(from, to, bucketMs, clock() - latencyOffsetMs - 10_000);
    const g = grid.head;
    // one request per metric: the server evaluates a union's arguments one after the other,
    // separate requests side by side
    const [heads, tail] = await Promise.all([
      g
        ? Promise.all(
            metrics.map((m) =>
              query('/api/v1/query_range', {
                query: bucketQuery(prefix, [m], match, bucketMs),
                start: vmTime(g.start),
                end: vmTime(g.end),
                step: vmDuration(g.step),
              }),
            ),
          )
        : [],
      grid.tailFrom < to ? rawChunks(match, metrics, grid.tailFrom, to) : new Map<string, SampleChunk>(),
    ]);
    const head = g
      ? bucketsFromMatrix(heads.flat(), metrics, from, bucketMs)
      : new Map<string, { series: Record<string, Bucket[]>; rows: number }>();
    for (const [k, c] of tail) {
      const r = scanChunks([c], metrics, { from: grid.tailFrom, to, bucketMs, origin: from, p95: false });
      const h = head.get(k);
      if (!h) {
        head.set(k, { series: r.series, rows: r.rows });
        continue;
      }
      for (const m of metrics) h.series[m] = [...(h.series[m] ?? []), ...(r.series[m] ?? [])];
      h.rows += r.rows;
    }
    return head;
  }

  /** Peak, its moment, p95, average and latest per metric over [from, to) of one interface. */
  async function summaries(
    iface: InterfaceRef,
    metrics: readonly string[],
    from: number,
    to: number,
    /** The chart's buckets (for the peak's column), being read meanwhile. */
    chart: Promise<Record<string, Bucket[]>>,
    /** false: p95 left NaN, as the Postgres backend does when asked so (analysis' reads). */
    withP95: boolean,
  ): Promise<SeriesSummary[]> {
    const match = { devices: [iface.device], ifindex: iface.ifindex };
    const win = vmDuration(to - from);
    const sel = (m: string) => `${metricRef(`${prefix}${m}`, match)}[${win}]`;
    const one = async (m: string): Promise<SeriesSummary | undefined> => {
      const f: Partial<Record<keyof typeof SUMMARY_ROLLUPS, number>> = {};
      for (const s of await instant(rollupsQuery(SUMMARY_ROLLUPS, prefix, [m], match, to - from), to - 1)) {
        const k = rollupField(SUMMARY_ROLLUPS, s);
        if (!k) continue;
        const v = Number(s.value![1]);
        f[k] = k === 'peakAt' || k === 'currentAt' ? Math.round(v * 1000) : v;
      }
      const n = f.samples ?? 0;
      if (!(n > 0)) return undefined;
      // p95 needs the sample count (metricsql.discPhi), which the pass above gave
      const p95 = async (): Promise<number> => {
        if (!withP95) return Number.NaN;
        const expr = `quantile_over_time(${phiText(discPhi(n, 0.95))}, ${sel(m)})`;
        const r = await instant(tagged([{ expr, metric: m, field: 'p95' }], match), to - 1);
        return r.length ? Number(r[0]!.value![1]) : Number.NaN;
      };
      // The first sample holding the peak: tmax_over_time gives the last of a tie, so the raw
      // samples of the earliest pixel column reaching the peak are read (one column, a few hundred points).
      const firstPeak = async (): Promise<number> => {
        const b = ((await chart)[m] ?? []).find((k) => k.max === f.peak);
        if (!b) return f.peakAt!;
        const c = (await rawChunks(match, [m], b.x0, b.x1)).get(ifaceKey(iface.device, iface.ifindex));
        const vs = (c?.values as Record<string, Float64Array> | undefined)?.[m];
        if (c && vs)
          for (let i = 0; i < vs.length; i++) if (vs[i] === f.peak) return Math.floor(c.tsUs[i]! / 1000);
        return f.peakAt!;
      };
      const [p, peakAt] = await Promise.all([p95(), firstPeak()]);
      return {
        metric: m as SeriesSummary['metric'],
        peak: f.peak!,
        peakAt,
        p95: p,
        avg: f.avg!,
        current: f.current!,
        currentAt: f.currentAt!,
        samples: n,
        p95Basis: 'raw samples',
      };
    };
    // each metric's passes (figures, then p95 and the peak's column) beside the others'
    const all = await Promise.all(metrics.map(one));
    return all.filter((x): x is SeriesSummary => x !== undefined);
  }

  async function importBody({ path, body }: ImportBody): Promise<void> {
    while (importsInFlight >= importConcurrency) await new Promise<void>((r) => importQueue.push(r));
    importsInFlight++;
    try {
      try {
        await call(path, { method: 'POST', body });
      } catch (err) {
        // the connection failed or the server was busy: once more after a pause (a refusal is final)
        if ((err as NetopsError).code !== ErrorCode.DB_UNAVAILABLE) throw err;
        await new Promise((r) => setTimeout(r, retryDelayMs));
        await call(path, { method: 'POST', body });
      }
    } finally {
      importsInFlight--;
      importQueue.shift()?.();
    }
  }

  async function latestOf(
    pool: Pool,
    devices: readonly string[],
    maxAgeMs: number,
    now: Date,
  ): Promise<Map<string, LatestInterface[]>> {
    const { rows } = await pool.query(
      `SELECT device, ifindex, name, alias, speed_bps, oper_status, admin_status FROM interfaces
       WHERE device = ANY($1::text[]) ORDER BY device, ifindex`,
      [[...devices]],
    );
    const win = vmDuration(maxAgeMs);
    const parts = (group: readonly string[]): TaggedPart[] => {
      const match = { devices: group };
      return ANALYSED_METRICS.flatMap((m) => [
        { expr: `last_over_time(${metricRef(`${prefix}${m}`, match)}[${win}])`, metric: m, field: 'v' },
        { expr: `tlast_over_time(${metricRef(`${prefix}${m}`, match)}[${win}])`, metric: m, field: 't' },
      ]);
    };
    // (now - maxAge, now], as the Postgres backend's query
    const per = new Map<string, Map<string, { v?: number; t?: number }>>();
    const answers = (
      await Promise.all(
        deviceGroups(devices, GROUP).map((g) => instant(tagged(parts(g), { devices: g }), now.getTime())),
      )
    ).flat();
    for (const s of answers) {
      const k = ifaceKey(s.metric.device ?? '', s.metric.ifindex ?? '');
      const byMetric = per.get(k) ?? new Map<string, { v?: number; t?: number }>();
      const m = s.metric[TAG_METRIC]!;
      const x = byMetric.get(m) ?? {};
      const v = Number(s.value![1]);
      if (s.metric[TAG_FIELD] === 't') x.t = Math.round(v * 1000);
      else x.v = v;
      byMetric.set(m, x);
      per.set(k, byMetric);
    }
    const out = new Map<string, LatestInterface[]>(devices.map((d) => [d, []]));
    for (const r of rows) {
      const ifIndex = Number(r.ifindex);
      const got = per.get(ifaceKey(r.device, ifIndex));
      // the newest sample's moment; a metric whose own latest is older was unknown in that sample
      let ts = Number.NEGATIVE_INFINITY;
      for (const x of got?.values() ?? []) if (x.t !== undefined && x.t > ts) ts = x.t;
      const v = (m: string) => {
        const x = got?.get(m);
        return x && x.t === ts && x.v !== undefined ? x.v : null;
      };
      const found = Number.isFinite(ts);
      out.get(r.device)?.push({
        ifIndex,
        name: r.name,
        alias: r.alias,
        speedBps: r.speed_bps === null ? null : Number(r.speed_bps),
        operStatus: r.oper_status,
        adminStatus: r.admin_status,
        ts: found ? new Date(ts) : null,
        inBps: found ? v('in_bps') : null,
        outBps: found ? v('out_bps') : null,
        inErrors: found ? v('in_errors') : null,
        outErrors: found ? v('out_errors') : null,
        inDiscards: found ? v('in_discards') : null,
        outDiscards: found ? v('out_discards') : null,
      });
    }
    return out;
  }

  return {
    async writeSamples(rows) {
      const bodies = importBodies(rows, prefix, importBodyBytes);
      if (!bodies.length) return 0;
      const done = accepted.get(rows) ?? new Set<number>();
      accepted.set(rows, done);
      const failures: { i: number; err: unknown }[] = [];
      await Promise.all(
        bodies.map(async (b, i) => {
          if (done.has(i)) return;
          try {
            await importBody(b);
            done.add(i);
          } catch (err) {
            failures.push({ i, err });
          }
        }),
      );
      if (failures.length) {
        const lost = failures.reduce((a, f) => a + bodies[f.i]!.samples, 0);
        const total = bodies.reduce((a, b) => a + b.samples, 0);
        const first = failures[0]!.err as Error;
        throw new NetopsError(
          (first as NetopsError).code ?? ErrorCode.DB_UNAVAILABLE,
          `${lost} of ${total} samples not stored in VictoriaMetrics (${failures.length} of ${bodies.length} import requests failed): ${first.message}`,
          {
            cause: first,
            context: { lostSamples: lost, totalSamples: total },
            userMessage: `${lost} of ${total} interface samples could not be stored in VictoriaMetrics.`,
            hint: 'Check that VictoriaMetrics is running and not overloaded (its log and /metrics).',
          },
        );
      }
      return rows.length;
    },

    async flush() {
      await call('/internal/force_flush');
    },

    async readSamples(iface, metrics, from, to) {
      const c = (await rawChunks({ devices: [iface.device], ifindex: iface.ifindex }, metrics, from, to)).get(
        ifaceKey(iface.device, iface.ifindex),
      );
      return c ? [c] : [];
    },

    async queryBuckets(match, q) {
      const from = q.from.getTime();
      const to = q.to.getTime();
      const bucketMs = bucketWidthMs(from, to, q.widthPx);
      const groups = match.devices?.length ? deviceGroups(match.devices, GROUP) : [undefined];
      const out = new Map<string, { series: Record<string, Bucket[]>; rows: number }>();
      for (const g of groups) {
        const m = g ? { ...match, devices: g } : match;
        for (const [k, v] of await buckets(m, q.metrics, from, to, bucketMs)) out.set(k, v);
      }
      return out;
    },

    async querySeries(iface, q) {
      const from = q.from.getTime();
      const to = q.to.getTime();
      const bucketMs = bucketWidthMs(from, to, q.widthPx);
      const reading = buckets(
        { devices: [iface.device], ifindex: iface.ifindex },
        q.metrics,
        from,
        to,
        bucketMs,
      ).then((all) => all.get(ifaceKey(iface.device, iface.ifindex)));
      const series: Record<string, Bucket[]> = {};
      const chart = reading.then((r) => {
        for (const m of q.metrics) series[m] = r?.series[m] ?? [];
        return series;
      });
      // (reading's failure is reported through reading; this keeps it from also going unhandled)
      chart.catch(() => {});
      // the summary's figures are asked for while the chart's columns are read
      const [r, sums] = await Promise.all([
        reading,
        q.summaries === false ? undefined : summaries(iface, q.metrics, from, to, chart, q.p95 !== false),
      ]);
      await chart;
      return seriesResult(
        iface,
        { from, to, widthPx: q.widthPx, bucketMs },
        'raw',
        series,
        r?.rows ?? 0,
        sums,
      );
    },

    async queryTopN(pool, q) {
      const from = q.from.getTime();
      const to = q.to.getTime();
      const by = q.by ?? 'p95';
      const limit = Math.max(1, Math.min(q.limit ?? 10, 100));
      const win = vmDuration(to - from);
      const dirs = ['in_bps', 'out_bps'] as const;
      const meta = await interfaceMeta(pool, q.devices);
      /** Per interface, the value of each direction (v: exact; lin: the interpolated p95). */
      const per = new Map<
        string,
        { device: string; ifindex: number; v: Record<string, number>; lin: Record<string, number> }
      >();
      const ask = async (match: SeriesMatch) => {
        const sel = (m: string) => `${metricRef(`${prefix}${m}`, match)}[${win}]`;
        let parts: TaggedPart[];
        if (by === 'max')
          parts = dirs.map((m) => ({ expr: `max_over_time(${sel(m)})`, metric: m, field: 'v' }));
        else {
          // percentile_disc needs each series' sample count (metricsql.discPhi): one part per
          // count found, filtered there to the series with that count. A fleet polled on one
          // schedule has a handful; past 8 the rest rank by VictoriaMetrics' interpolated p95.
          const counts = new Map<number, number>();
          const countParts = dirs.map((m) => ({ expr: `count_over_time(${sel(m)})`, metric: m, field: 'n' }));
          for (const s of await instant(tagged(countParts, match), to - 1)) {
            const n = Number(s.value![1]);
            counts.set(n, (counts.get(n) ?? 0) + 1);
          }
          const common = [...counts.entries()].sort((a, b) => b[1] - a[1]).map(([n]) => n);
          parts = [];
          for (const n of common.slice(0, 8))
            for (const m of dirs)
              parts.push({
                expr: `quantile_over_time(${phiText(discPhi(n, 0.95))}, ${sel(m)}) and on(device, ifindex) (count_over_time(${sel(m)}) == ${n})`,
                metric: m,
                field: 'v',
              });
          if (common.length > 8)
            for (const m of dirs)
              parts.push({ expr: `quantile_over_time(0.95, ${sel(m)})`, metric: m, field: 'linear' });
          if (!parts.length) return;
        }
        for (const s of await instant(tagged(parts, match), to - 1)) {
          const device = s.metric.device ?? '';
          const ifindex = Number(s.metric.ifindex);
          const k = ifaceKey(device, ifindex);
          const e = per.get(k) ?? { device, ifindex, v: {}, lin: {} };
          (s.metric[TAG_FIELD] === 'linear' ? e.lin : e.v)[s.metric[TAG_METRIC]!] = Number(s.value![1]);
          per.set(k, e);
        }
      };
      // Interfaces per query: under -search.maxUniqueTimeseries (topGroupInterfaces) and, for
      // long ranges, under -search.maxSamplesPerQuery (1e9; a fleet polled every 30 s assumed,
      // two series an interface, each read twice by the p95's count filter).
      const perQuery = Math.max(
        1,
        Math.min(topGroupInterfaces, Math.floor(2.5e8 / Math.max(1, (to - from) / 30_000))),
      );
      if (!q.devices?.length && meta.size <= perQuery) await ask({});
      else {
        // a fleet too big for one query: its devices (as Postgres knows them) in groups
        const ifaces = new Map<string, number>();
        for (const k of meta.keys()) {
          const d = k.slice(0, k.indexOf('\u0000'));
          ifaces.set(d, (ifaces.get(d) ?? 0) + 1);
        }
        const devices = q.devices?.length ? [...q.devices] : [...ifaces.keys()].sort();
        const groups = deviceGroups(devices, {
          maxDevices: 2_000,
          maxChars: GROUP.maxChars,
          maxWeight: perQuery,
          weight: (d) => ifaces.get(d) ?? 0,
        });
        for (const g of groups) await ask({ devices: g });
      }
      const list: TopNRow[] = [];
      for (const [k, e] of per) {
        const pick = (m: string) => e.v[m] ?? e.lin[m] ?? Number.NaN;
        const m = meta.get(k);
        const speed = m?.speed_bps === null || m?.speed_bps === undefined ? null : Number(m.speed_bps);
        list.push(
          topRow(
            { device: e.device, ifindex: e.ifindex, name: m ? String(m.name) : `ifIndex ${e.ifindex}` },
            pick('in_bps'),
            pick('out_bps'),
            speed,
          ),
        );
      }
      return rankTop(list, limit);
    },

    async latestInterfaces(pool, device, maxAgeMs = 3_600_000, now = new Date()) {
      return (await latestOf(pool, [device], maxAgeMs, now)).get(device) ?? [];
    },

    async latestInterfacesOf(pool, asks, maxAgeMs = 3_600_000) {
      const byNow = new Map<number, string[]>();
      for (const a of asks) byNow.set(a.now.getTime(), [...(byNow.get(a.now.getTime()) ?? []), a.device]);
      const out = new Map<string, LatestInterface[]>();
      for (const [now, devices] of byNow)
        for (const [d, list] of await latestOf(pool, devices, maxAgeMs, new Date(now))) out.set(d, list);
      return out;
    },
  };
}
