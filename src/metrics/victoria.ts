import { ErrorCode, NetopsError } from '../errors.js';
import type { SampleChunk } from './packed.js';
import type { InterfaceRef, SeriesResult, SeriesSummary } from './query.js';
import { scanChunks } from './scan.js';
import type { SampleRow } from './store.js';

/**
 * The VictoriaMetrics metrics backend (single node or cluster; same HTTP APIs): samples are
 * written through its JSON-lines import API, one series per device, interface and metric
 * (`in_bps{device="core1",ifindex="3"}`), and read back through its export API, then reduced to
 * pixel buckets and summary figures by the same one-pass scan the Postgres backend uses, so a
 * chart reads the same from either. Values come back as VictoriaMetrics stores them: it keeps
 * about 12 significant decimal digits, so figures match the Postgres backend to that precision.
 *
 * Not yet: rollup-resolution reads (query_range with *_over_time), top-N across the fleet, and
 * selecting this backend in netops.yaml (the composition root still wires Postgres only).
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
}

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
          hint: 'Check `metrics.victoria.url` in netops.yaml and that VictoriaMetrics is running.',
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

  return {
    async writeSamples(rows) {
      // one JSON line per series, with every timestamp of it in this batch
      const series = new Map<
        string,
        { metric: Record<string, string>; values: number[]; timestamps: number[] }
      >();
      for (const r of rows) {
        for (const [name, key] of FIELDS) {
          const v = r[key];
          if (v === null || v === undefined) continue;
          const id = `${name}\u0000${r.device}\u0000${r.ifIndex}`;
          let s = series.get(id);
          if (!s) {
            s = {
              metric: { __name__: prefix + name, device: r.device, ifindex: String(r.ifIndex) },
              values: [],
              timestamps: [],
            };
            series.set(id, s);
          }
          s.values.push(v);
          s.timestamps.push(r.ts.getTime());
        }
      }
      if (!series.size) return 0;
      const body = [...series.values()].map((s) => JSON.stringify(s)).join('\n');
      await call('/api/v1/import', { method: 'POST', body });
      return rows.length;
    },

    async flush() {
      await call('/internal/force_flush');
    },

    async readSamples(iface, metrics, from, to) {
      const matches = metrics.map(
        (m) => `${prefix}${m}{device=${quote(iface.device)},ifindex=${quote(String(iface.ifindex))}}`,
      );
      const params = new URLSearchParams({ start: String(from / 1000), end: String((to - 1) / 1000) });
      for (const m of matches) params.append('match[]', m);
      const text = await (await call(`/api/v1/export?${params}`)).text();
      // align the metrics' series on the union of their timestamps (a null rate is simply absent)
      const byMetric = new Map<string, Map<number, number>>();
      const stamps = new Set<number>();
      for (const line of text.split('\n')) {
        if (!line) continue;
        const s = JSON.parse(line) as {
          metric: Record<string, string>;
          values: number[];
          timestamps: number[];
        };
        const name = s.metric.__name__!.slice(prefix.length);
        const m = byMetric.get(name) ?? new Map<number, number>();
        s.timestamps.forEach((t, i) => {
          if (t < from || t >= to) return;
          m.set(t, s.values[i]!);
          stamps.add(t);
        });
        byMetric.set(name, m);
      }
      if (!stamps.size) return [];
      const ts = Float64Array.from([...stamps].sort((a, b) => a - b));
      const chunk: SampleChunk = {
        device: iface.device,
        ifindex: iface.ifindex,
        tsUs: ts.map((t) => t * 1000),
        values: {},
      };
      for (const m of metrics) {
        const src = byMetric.get(m);
        (chunk.values as Record<string, Float64Array>)[m] = ts.map((t) => src?.get(t) ?? Number.NaN);
      }
      return [chunk];
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
