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
  | ({ backend: 'victoriametrics' } & Pick<VictoriaOptions, 'url' | 'prefix' | 'timeoutMs'>);

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
  return {
    kind: 'victoriametrics',
    writeSamples: async (rows) => {
      await vm.writeSamples(rows);
    },
    querySeriesFor: (iface, q) => vm.querySeries(iface, q),
    // One query per interface (VictoriaMetrics answers each from its own index).
    queryRecentForDevice: async (ifaces, q) => {
      const out = new Map<number, Record<string, Bucket[]>>();
      for (const iface of ifaces) out.set(iface.ifindex, (await vm.querySeries(iface, q)).series);
      return out;
    },
    queryRecentForDevices: async (ifaces, q) => {
      const out = new Map<string, Map<number, Record<string, Bucket[]>>>();
      for (const iface of ifaces) {
        let m = out.get(iface.device);
        if (!m) {
          m = new Map();
          out.set(iface.device, m);
        }
        m.set(iface.ifindex, (await vm.querySeries(iface, q)).series);
      }
      return out;
    },
    queryRecentWindowsForDevices: async (ifaces, q) => {
      // its buckets, on the same grid, into the arrays
      const from = q.from.getTime();
      const to = q.to.getTime();
      const w = emptyWindows(
        recentGrid(from, to, bucketWidthMs(from, to, q.widthPx), q.metrics),
        ifaces.length,
      );
      const byDevice = new Map<string, Map<number, number>>();
      for (const [slot, iface] of ifaces.entries()) {
        let m = byDevice.get(iface.device);
        if (!m) {
          m = new Map();
          byDevice.set(iface.device, m);
        }
        m.set(iface.ifindex, slot);
        foldBuckets(w, slot, (await vm.querySeries(iface, q)).series);
      }
      return { ...w, byDevice };
    },
    // VictoriaMetrics results carry their summaries from the same pass (querySummary copies them)
    querySummary: (result, options) => querySummary(pool, result, options),
    queryTopN: (q) => vm.queryTopN(pool, q),
    latestInterfaces: (device, maxAgeMs, now) => vm.latestInterfaces(pool, device, maxAgeMs, now),
    latestInterfacesOf: async (asks, maxAgeMs) => {
      const out = new Map<string, LatestInterface[]>();
      for (const a of asks) out.set(a.device, await vm.latestInterfaces(pool, a.device, maxAgeMs, a.now));
      return out;
    },
    flush: () => vm.flush(),
  };
}

export function createMetricsBackend(pool: Pool, config: MetricsBackendConfig): MetricsBackend {
  return config.backend === 'victoriametrics'
    ? victoriaBackend(pool, {
        url: config.url,
        ...(config.prefix ? { prefix: config.prefix } : {}),
        ...(config.timeoutMs ? { timeoutMs: config.timeoutMs } : {}),
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
