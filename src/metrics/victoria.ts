import type { Pool } from 'pg';
import { ErrorCode, NetopsError } from '../errors.js';
import type { SampleChunk } from './packed.js';
import type { InterfaceRef, SeriesResult, SeriesSummary, TopNQuery, TopNRow } from './query.js';
import { type ScanStats, scanChunks } from './scan.js';
import { interfaceMeta, rankTop, topRow } from './top.js';
import type { LatestInterface, SampleRow } from './store.js';

/**
 * The VictoriaMetrics metrics backend (single node or cluster; same HTTP APIs): samples are
 * written through its JSON-lines import API, one series per device, interface and metric
 * (`in_bps{device="core1",ifindex="3"}`), and read back through its export API, then reduced to
 * pixel buckets and summary figures by the same one-pass scan the Postgres backend uses, so a
 * chart reads the same from either. Values come back as VictoriaMetrics stores them: it keeps
 * about 12 significant decimal digits, so figures match the Postgres backend to that precision.
 *
 * Every read is at raw resolution (VictoriaMetrics compresses raw samples well enough that a
 * 30-day chart of one interface is ~43k points per metric); `top` over any range ranks by the
 * same one-pass p95/max as the Postgres backend's raw path. Interface names, speeds and states
 * stay in Postgres (the poller writes them there whichever backend holds the samples).
 */

const FIELDS = [
  ['in_bps', 'inBps'],
  ['out_bps', 'outBps'],
  ['in_pps', 'inPps'],
  ['out_pps', 'outPps'],
  ['in_errors', 'inErrors'],
  ['out_errors', 'outErrors'],
  ['in_discards', 'inDiscards'],
  ['out_discards', 'outDiscards'],
  ['speed_bps', 'speedBps'],
] as const;

export interface VictoriaOptions {
  /** Base URL, e.g. http://127.0.0.1:8428 (cluster: the vminsert/vmselect tenant prefix). */
  url: string;
  /** Prefix for metric names, so a shared VictoriaMetrics can hold other things too. */
  prefix?: string;
  timeoutMs?: number;
}

export interface VictoriaStore {
  writeSamples(rows: readonly SampleRow[]): Promise<number>;
  /** Makes what was written searchable now (tests and benchmarks; it happens within seconds anyway). */
  flush(): Promise<void>;
  readSamples(
    iface: { device: string; ifindex: number },
    metrics: readonly string[],
    from: number,
    to: number,
  ): Promise<SampleChunk[]>;
  /** Raw-resolution series and summaries for one interface, the same shape querySeriesFor returns. */
  querySeries(
    iface: InterfaceRef,
    q: { metrics: readonly string[]; from: Date; to: Date; widthPx: number },
  ): Promise<SeriesResult>;
  /** The busiest interfaces over a range (names and speeds from Postgres's `interfaces`). */
  queryTopN(pool: Pool, q: TopNQuery): Promise<TopNRow[]>;
  /** Each interface of a device (from Postgres) with its latest sample here, within maxAgeMs. */
  latestInterfaces(pool: Pool, device: string, maxAgeMs?: number, now?: Date): Promise<LatestInterface[]>;
}

interface ExportLine {
  metric: Record<string, string>;
  values: number[];
  timestamps: number[];
}

const regexEscape = (s: string) => s.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');

const quote = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

export function createVictoriaStore(options: VictoriaOptions): VictoriaStore {
  const base = options.url.replace(/\/+$/, '');
  const prefix = options.prefix ?? 'netops_';
  const timeoutMs = options.timeoutMs ?? 30_000;

  async function call(path: string, init?: RequestInit): Promise<Response> {
    let res: Response;
    try {
      res = await fetch(`${base}${path}`, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    } catch (cause) {
      throw new NetopsError(
        ErrorCode.INTERNAL,
        `VictoriaMetrics at ${base} unreachable: ${(cause as Error).message}`,
        {
          cause,
          userMessage: 'The metrics store (VictoriaMetrics) did not answer.',
          hint: 'Check `metrics.url` in netops.yaml and that VictoriaMetrics is running.',
        },
      );
    }
    if (!res.ok) {
      throw new NetopsError(
        ErrorCode.INTERNAL,
        `VictoriaMetrics ${path}: HTTP ${res.status} ${await res.text()}`,
        {
          userMessage: 'The metrics store (VictoriaMetrics) refused the request.',
        },
      );
    }
    return res;
  }

  async function exportSeries(matches: readonly string[], from: number, to: number): Promise<ExportLine[]> {
    const params = new URLSearchParams({ start: String(from / 1000), end: String((to - 1) / 1000) });
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

  return {
    async writeSamples(rows) {
      // One JSON line per series with every timestamp of it in this batch; a poll round's batch
      // has one timestamp per interface, so the lines are built by hand (JSON.stringify of
      // ~4M small objects a round was the cost).
      const series = new Map<string, { head: string; values: number[]; timestamps: number[] }>();
      for (const r of rows) {
        const t = r.ts.getTime();
        const labels = `,"device":${JSON.stringify(r.device)},"ifindex":"${r.ifIndex}"}`;
        for (const [name, key] of FIELDS) {
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
      if (!series.size) return 0;
      // bodies of at most ~8 MB: VictoriaMetrics refuses (closes) imports over -maxInsertRequestSize (32 MB)
      let parts: string[] = [];
      let size = 0;
      for (const s of series.values()) {
        const line = `${s.head},"values":[${s.values.join(',')}],"timestamps":[${s.timestamps.join(',')}]}`;
        parts.push(line);
        size += line.length + 1;
        if (size > 8_000_000) {
          await call('/api/v1/import', { method: 'POST', body: parts.join('\n') });
          parts = [];
          size = 0;
        }
      }
      if (parts.length) await call('/api/v1/import', { method: 'POST', body: parts.join('\n') });
      return rows.length;
    },

    async flush() {
      await call('/internal/force_flush');
    },

    async readSamples(iface, metrics, from, to) {
      const matches = metrics.map(
        (m) => `${prefix}${m}{device=${quote(iface.device)},ifindex=${quote(String(iface.ifindex))}}`,
      );
      const c = chunkOf(
        iface.device,
        iface.ifindex,
        await exportSeries(matches, from, to),
        metrics,
        from,
        to,
      );
      return c ? [c] : [];
    },

    async queryTopN(pool, q) {
      const from = q.from.getTime();
      const to = q.to.getTime();
      const by = q.by ?? 'p95';
      const limit = Math.max(1, Math.min(q.limit ?? 10, 100));
      const dev = q.devices?.length ? `,device=~${quote(q.devices.map(regexEscape).join('|'))}` : '';
      const lines = await exportSeries([`{__name__=~"${regexEscape(prefix)}(in|out)_bps"${dev}}`], from, to);
      const per = new Map<string, ExportLine[]>();
      for (const l of lines) {
        const k = `${l.metric.device}\u0000${l.metric.ifindex}`;
        const list = per.get(k);
        if (list) list.push(l);
        else per.set(k, [l]);
      }
      const meta = await interfaceMeta(pool, q.devices);
      const list: TopNRow[] = [];
      for (const [k, ls] of per) {
        const device = ls[0]!.metric.device!;
        const ifindex = Number(ls[0]!.metric.ifindex);
        const c = chunkOf(device, ifindex, ls, ['in_bps', 'out_bps'], from, to);
        if (!c) continue;
        const st = scanChunks([c], ['in_bps', 'out_bps'], {
          from,
          to,
          bucketMs: to - from,
          p95: by === 'p95',
        }).stats;
        const pick = (x: ScanStats | undefined) => (x ? (by === 'max' ? x.peak : x.p95) : Number.NaN);
        const m = meta.get(k);
        const vin = pick(st.in_bps);
        const vout = pick(st.out_bps);
        const speed = m?.speed_bps === null || m?.speed_bps === undefined ? null : Number(m.speed_bps);
        list.push(
          topRow({ device, ifindex, name: m ? String(m.name) : `ifIndex ${ifindex}` }, vin, vout, speed),
        );
      }
      return rankTop(list, limit);
    },

    async latestInterfaces(pool, device, maxAgeMs = 3_600_000, now = new Date()) {
      const { rows } = await pool.query(
        `SELECT ifindex, name, alias, speed_bps, oper_status, admin_status FROM interfaces
         WHERE device = $1 ORDER BY ifindex`,
        [device],
      );
      const to = now.getTime() + 1;
      const from = now.getTime() - maxAgeMs + 1;
      const wanted = ['in_bps', 'out_bps', 'in_errors', 'out_errors', 'in_discards', 'out_discards'];
      const lines = await exportSeries(
        [`{__name__=~"${regexEscape(prefix)}(${wanted.join('|')})",device=${quote(device)}}`],
        from,
        to,
      );
      const per = new Map<number, ExportLine[]>();
      for (const l of lines) {
        const i = Number(l.metric.ifindex);
        per.set(i, [...(per.get(i) ?? []), l]);
      }
      return rows.map((r): LatestInterface => {
        const ifIndex = Number(r.ifindex);
        const c = chunkOf(device, ifIndex, per.get(ifIndex) ?? [], wanted, from, to);
        const k = c ? c.tsUs.length - 1 : -1;
        const v = (m: string) => {
          if (!c) return null;
          const x = (c.values as Record<string, Float64Array>)[m]![k]!;
          return Number.isNaN(x) ? null : x;
        };
        return {
          ifIndex,
          name: r.name,
          alias: r.alias,
          speedBps: r.speed_bps === null ? null : Number(r.speed_bps),
          operStatus: r.oper_status,
          adminStatus: r.admin_status,
          ts: c ? new Date(c.tsUs[k]! / 1000) : null,
          inBps: v('in_bps'),
          outBps: v('out_bps'),
          inErrors: v('in_errors'),
          outErrors: v('out_errors'),
          inDiscards: v('in_discards'),
          outDiscards: v('out_discards'),
        };
      });
    },

    async querySeries(iface, q) {
      const from = q.from.getTime();
      const to = q.to.getTime();
      const bucketMs = Math.max(1, Math.ceil((to - from) / q.widthPx));
      const chunks = await this.readSamples(iface, q.metrics, from, to);
      const r = scanChunks(chunks, q.metrics, { from, to, bucketMs });
      const summaries: SeriesSummary[] = [];
      for (const m of q.metrics) {
        const st = r.stats[m];
        if (st) summaries.push({ metric: m as SeriesSummary['metric'], ...st, p95Basis: 'raw samples' });
      }
      return {
        iface,
        from,
        to,
        widthPx: q.widthPx,
        bucketMs,
        resolution: 'raw',
        series: r.series,
        rowsScanned: r.rows,
        summaries,
      };
    },
  };
}
