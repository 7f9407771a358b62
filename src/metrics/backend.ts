import type { Pool } from 'pg';
import { copySamples } from './copy.js';
import type { Bucket } from './downsample.js';
import {
  bucketWidthMs,
  type InterfaceRef,
  queryRecentForDevice,
  queryRecentForDevices,
  queryRecentWindowsForDevices,
  querySeriesFor,
  querySummary,
  queryTopN,
  type SeriesQuery,
  type SeriesResult,
  type SeriesSummary,
  type TopNQuery,
  type TopNRow,
} from './query.js';
import { type LatestInterface, latestInterfaces, latestInterfacesOf, type SampleRow } from './store.js';
import { createVictoriaStore, type VictoriaOptions } from './victoria.js';
import { emptyWindows, foldBuckets, type RecentWindows, recentGrid } from './windows.js';

/**
 * Where interface time series live. Postgres (the embedded default) or VictoriaMetrics for fleets
 * that outgrow one database. Either way Postgres keeps the inventory side (interfaces, baselines,
 * device gauges, analysis state); only the per-interface samples move. Charts, summaries, `top`
 * and analysis read through this, so the same command gives the same answer on both.
 */
export interface MetricsBackend {
  readonly kind: 'postgres' | 'victoriametrics';
  writeSamples(rows: readonly SampleRow[]): Promise<void>;
  querySeriesFor(
    iface: InterfaceRef,
    q: Omit<SeriesQuery, 'device' | 'ifindex' | 'ifname'>,
  ): Promise<SeriesResult>;
  /**
   * Raw buckets of several interfaces of one device over a short recent range (the analysis job's
   * read after each poll), per ifindex.
   */
  queryRecentForDevice(
    ifaces: readonly InterfaceRef[],
    q: Pick<SeriesQuery, 'metrics' | 'from' | 'to' | 'widthPx'>,
  ): Promise<Map<number, Record<string, Bucket[]>>>;
  /** queryRecentForDevice for the interfaces of several devices at once: per device, per ifindex. */
  queryRecentForDevices(
    ifaces: readonly InterfaceRef[],
    q: Pick<SeriesQuery, 'metrics' | 'from' | 'to' | 'widthPx'>,
  ): Promise<Map<string, Map<number, Record<string, Bucket[]>>>>;
  /**
   * queryRecentForDevices as flat arrays (./windows.ts): what the analysis job reads each round,
   * the same averages without a bucket object per metric and column.
   */
  queryRecentWindowsForDevices(
    ifaces: readonly InterfaceRef[],
    q: Pick<SeriesQuery, 'metrics' | 'from' | 'to' | 'widthPx'>,
  ): Promise<RecentWindows>;
  querySummary(result: SeriesResult, options?: { p95?: boolean }): Promise<SeriesSummary[]>;
  queryTopN(q: TopNQuery): Promise<TopNRow[]>;
  latestInterfaces(device: string, maxAgeMs?: number, now?: Date): Promise<LatestInterface[]>;
  /** latestInterfaces of several devices (each one asked for is in the map). */
  latestInterfacesOf(
    asks: readonly { device: string; now: Date }[],
    maxAgeMs?: number,
  ): Promise<Map<string, LatestInterface[]>>;
  /** Makes what was written readable at once (tests, benchmarks); a no-op for Postgres. */
  flush(): Promise<void>;
}

export type MetricsBackendConfig =
  | { backend: 'postgres' }
  | ({ backend: 'victoriametrics' } & Pick<
      VictoriaOptions,
      'url' | 'prefix' | 'timeoutMs' | 'latencyOffsetMs'
    >);

export function postgresBackend(pool: Pool): MetricsBackend {
  return {
    kind: 'postgres',
    writeSamples: (rows) => copySamples(pool, rows),
    querySeriesFor: (iface, q) => querySeriesFor(pool, iface, q),
    queryRecentForDevice: (ifaces, q) => queryRecentForDevice(pool, ifaces, q),
    queryRecentForDevices: (ifaces, q) => queryRecentForDevices(pool, ifaces, q),
    queryRecentWindowsForDevices: (ifaces, q) => queryRecentWindowsForDevices(pool, ifaces, q),
    querySummary: (result, options) => querySummary(pool, result, options),
    queryTopN: (q) => queryTopN(pool, q),
    latestInterfaces: (device, maxAgeMs, now) => latestInterfaces(pool, device, maxAgeMs, now),
    latestInterfacesOf: (asks, maxAgeMs) => latestInterfacesOf(pool, asks, maxAgeMs),
    flush: async () => {},
  };
}

export function victoriaBackend(pool: Pool, options: VictoriaOptions): MetricsBackend {
  const vm = createVictoriaStore(options);
  /** Buckets per device and ifindex for some interfaces (empty series for those without samples). */
  const recent = async (
    ifaces: readonly InterfaceRef[],
    q: Pick<SeriesQuery, 'metrics' | 'from' | 'to' | 'widthPx'>,
  ): Promise<Map<string, Map<number, Record<string, Bucket[]>>>> => {
    const out = new Map<string, Map<number, Record<string, Bucket[]>>>();
    if (!ifaces.length) return out;
    const devices = [...new Set(ifaces.map((i) => i.device))];
    const got = await vm.queryBuckets({ devices }, q);
    for (const i of ifaces) {
      let m = out.get(i.device);
      if (!m) {
        m = new Map();
        out.set(i.device, m);
      }
      m.set(i.ifindex, got.get(`${i.device}\u0000${i.ifindex}`)?.series ?? {});
    }
    return out;
  };
  return {
    kind: 'victoriametrics',
    writeSamples: async (rows) => {
      await vm.writeSamples(rows);
    },
    querySeriesFor: (iface, q) => vm.querySeries(iface, q),
    // one query_range for every interface asked for (analysis reads many after each poll)
    queryRecentForDevice: async (ifaces, q) =>
      (await recent(ifaces, q)).get(ifaces[0]?.device ?? '') ?? new Map<number, Record<string, Bucket[]>>(),
    queryRecentForDevices: (ifaces, q) => recent(ifaces, q),
    queryRecentWindowsForDevices: async (ifaces, q) => {
      // the same buckets, on the same grid, folded into the arrays
      const from = q.from.getTime();
      const to = q.to.getTime();
      const w = emptyWindows(
        recentGrid(from, to, bucketWidthMs(from, to, q.widthPx), q.metrics),
        ifaces.length,
      );
      const got = await recent(ifaces, q);
      const byDevice = new Map<string, Map<number, number>>();
      for (const [slot, iface] of ifaces.entries()) {
        let m = byDevice.get(iface.device);
        if (!m) {
          m = new Map();
          byDevice.set(iface.device, m);
        }
        m.set(iface.ifindex, slot);
        foldBuckets(w, slot, got.get(iface.device)?.get(iface.ifindex) ?? {});
      }
      return { ...w, byDevice };
    },
    // VictoriaMetrics results carry their summaries from the same pass (querySummary copies them)
    querySummary: (result, options) => querySummary(pool, result, options),
    queryTopN: (q) => vm.queryTopN(pool, q),
    latestInterfaces: (device, maxAgeMs, now) => vm.latestInterfaces(pool, device, maxAgeMs, now),
    latestInterfacesOf: (asks, maxAgeMs) => vm.latestInterfacesOf(pool, asks, maxAgeMs),
    flush: () => vm.flush(),
  };
}

export function createMetricsBackend(pool: Pool, config: MetricsBackendConfig): MetricsBackend {
  return config.backend === 'victoriametrics'
    ? victoriaBackend(pool, {
        url: config.url,
        ...(config.prefix ? { prefix: config.prefix } : {}),
        ...(config.timeoutMs ? { timeoutMs: config.timeoutMs } : {}),
        ...(config.latencyOffsetMs !== undefined ? { latencyOffsetMs: config.latencyOffsetMs } : {}),
      })
    : postgresBackend(pool);
}

/**
 * The backend each pool's time series live in. The composition root binds it once (from
 * `metrics.backend` in netops.yaml); every reader that already holds the pool (charts, analysis,
 * `top`, `interfaces`, the poller) asks here, so the choice is made in one place and a pool never
 * bound (tests, tools) reads and writes Postgres as before.
 */
const bound = new WeakMap<Pool, MetricsBackend>();

export function bindMetricsBackend(pool: Pool, backend: MetricsBackend): MetricsBackend {
  bound.set(pool, backend);
  return backend;
}

export function metricsFor(pool: Pool): MetricsBackend {
  let b = bound.get(pool);
  if (!b) {
    b = postgresBackend(pool);
    bound.set(pool, b);
  }
  return b;
}
