import { createHash } from 'node:crypto';
import type { Pool } from 'pg';
import {
  ANALYSED_METRICS,
  type AnalysedMetric,
  type Baseline,
  bandAt,
  buildBaseline,
  ceilingOf,
  changesNear,
  dailyP95,
  detectFlaps,
  type DetectorOptions,
  detectValues,
  explainAnomaly,
  localDay,
  metricSettings,
  type Movement,
  movedAround,
  newRatesSeen,
  type Point,
  type SeriesAnomaly,
  sanitise,
  saneValue,
  seeRate,
  speedIssueOf,
} from '../analysis/index.js';
import { type ChartRenderer, graphInterface } from '../charts/index.js';
import { createConfigStore } from '../configs/index.js';
import { metricsFor } from '../metrics/backend.js';
import { findInterface, type InterfaceRef } from '../metrics/index.js';
import type { RecentWindows } from '../metrics/windows.js';
import type { Responder } from '../chat/index.js';
import { isNetopsError } from '../errors.js';
import { groupMessage } from './message.js';
import {
  type AnalysedInterface,
  type AnomalyRow,
  clearAnomaly,
  closeGroup,
  groupAnomalies,
  groupFeedback,
  insertAnomaly,
  interfacesOf,
  loadBaselines,
  loadBaselinesCachedOf,
  loadIfaceStatesOf,
  loadTuningOf,
  neighboursOf,
  type NewAnomaly,
  openAnomaliesOf,
  openGroup,
  saveBaseline,
  saveDaily,
  saveIfaceStatesOf,
  type IfaceState,
  setGroupTs,
  type Tuning,
} from './store.js';

/**
 * Incremental analysis of one device, run after each of its polls: the closed 5-minute points of
 * the last two hours, read through src/metrics, checked against cached baselines (rebuilt from 28
 * days of rollups every six hours). New anomalies join the device's open group (one Slack message,
 * edited), cleared ones are struck through, and the message says "cleared" when all have.
 */

export const STEP_MS = 300_000;
const WINDOW = 24;
const HISTORY_MS = 28 * 86_400_000;
const REBUILD_MS = 6 * 3_600_000;
const FLAP_QUIET_MS = 15 * 60_000;

export const WHAT: Record<string, string> = {
  in_bps: 'in',
  out_bps: 'out',
  in_errors: 'in errors',
  out_errors: 'out errors',
  in_discards: 'in discards',
  out_discards: 'out discards',
  oper_status: 'link',
};

export interface AnalysisDeps {
  pool: Pool;
  responder: Responder;
  timezone: string;
  /** Where a device's anomalies go (its own channel, else alerts, else ops); none: record only. */
  channelFor(device: string): string | undefined;
  renderer?: ChartRenderer;
  log?: { warn(obj: unknown, msg?: string): void };
}

export interface RunSummary {
  device: string;
  interfaces: number;
  series: number;
  learning: number;
  opened: AnomalyRow[];
  cleared: number;
}

interface SeriesState {
  iface: InterfaceRef;
  metric: AnalysedMetric;
  /** Its sanitised points, made only when a sentence or chart needs them (see seriesPoints). */
  points: Point[] | null;
  /** Where its buckets start in the round's windows (-1: none read). */
  at: number;
  baseline: Baseline | null;
  bandFactor: number;
  current: SeriesAnomaly | null;
}

async function rebuild(
  pool: Pool,
  timezone: string,
  iface: InterfaceRef,
  before: number,
  now: Date,
): Promise<Map<string, Baseline | null>> {
  const from = before - HISTORY_MS;
  const res = await metricsFor(pool).querySeriesFor(iface, {
    metrics: ANALYSED_METRICS,
    from: new Date(from),
    to: new Date(before),
    widthPx: HISTORY_MS / STEP_MS,
    resolution: '5m',
  });
  const out = new Map<string, Baseline | null>();
  for (const metric of ANALYSED_METRICS) {
    const pts: Point[] = (res.series[metric] ?? []).map((b) => ({ t: b.x0, v: b.avg }));
    const settings = metricSettings(metric, STEP_MS, iface.speedBps);
    const clean = sanitise(pts, metric, iface.speedBps).points;
    const b = buildBaseline(clean, { ...settings.baseline, timezone }) ?? null;
    out.set(metric, b);
    await saveBaseline(pool, iface.device, iface.ifindex, metric, now, b ?? undefined);
    // Complete days of the site's calendar only: today's p95 is not known yet.
    const today = localDay(now.getTime(), timezone);
    await saveDaily(
      pool,
      iface.device,
      iface.ifindex,
      metric,
      dailyP95(clean, STEP_MS, timezone).filter((d) => d.day < today),
    );
  }
  return out;
}

/**
 * Detector options per metric and band factor, made once: the detector resolves an options object
 * once and keys that on its identity, so a fresh object per series made it resolve 60,000 times a
 * round (and fed the garbage collector).
 */
const detectorCache = new Map<string, DetectorOptions>();
function detectorOptions(metric: AnalysedMetric, bandFactor: number): DetectorOptions {
  const key = `${metric}/${bandFactor}`;
  let o = detectorCache.get(key);
  if (!o) {
    o = { ...metricSettings(metric, STEP_MS, null).detector, bandFactor };
    detectorCache.set(key, o);
  }
  return o;
}

/**
 * A series' sanitised points from the round's windows: the buckets that hold samples, at their
 * start, with their average, or null where sanitise would make a gap (the detector skips those).
 */
function seriesPoints(w: RecentWindows, s: SeriesState): Point[] {
  if (s.points) return s.points;
  const out: Point[] = [];
  const ceiling = ceilingOf(s.metric, s.iface.speedBps);
  if (s.at >= 0)
    for (let b = 0; b < w.size; b++) {
      if (!w.n[s.at + b]) continue;
      const v = w.avg[s.at + b]!;
      out.push({ t: w.origin + b * w.bucketMs, v: saneValue(v, ceiling) ? v : null });
    }
  s.points = out;
  return out;
}

/** Scratch for one series' sanitised window as the detector reads it (times, values; NaN = gap). */
const detectScratch = { t: new Float64Array(64), v: new Float64Array(64) };
function scratchFor(size: number): { t: Float64Array; v: Float64Array } {
  if (detectScratch.t.length < size) {
    detectScratch.t = new Float64Array(size);
    detectScratch.v = new Float64Array(size);
  }
  return detectScratch;
}

/** What a run reads before it looks at anything: the device's interfaces, samples and analysis state. */
interface DeviceContext {
  ifaces: AnalysedInterface[];
  cached: Map<string, { computedAt: Date; baseline: Baseline | null }>;
  tuning: Map<string, Tuning>;
  states: Map<number, IfaceState>;
  open: AnomalyRow[];
  /** The last two hours of the watched interfaces (admin up): their slots in `windows`. */
  slots: Map<number, number>;
  windows: RecentWindows;
}

/** `/in_bps`, `/out_bps`, …: a series' key is its ifindex and one of these. */
const KEY_SUFFIXES = ANALYSED_METRICS.map((m) => `/${m}`);

const watchedOf = (ifaces: readonly AnalysedInterface[]) =>
  ifaces.filter((li) => !li.adminStatus || li.adminStatus === 'up');

const refOf = (device: string, li: AnalysedInterface): InterfaceRef => ({
  device,
  ifindex: li.ifIndex,
  name: li.name,
  alias: li.alias,
  speedBps: li.speedBps,
});

/**
 * The contexts of several devices whose runs cover the same window, in one query per table (plus
 * one read of their samples) instead of eight round trips per device.
 */
async function loadContexts(
  pool: Pool,
  asks: readonly { device: string; now: Date }[],
  from: number,
  end: number,
): Promise<Map<string, DeviceContext>> {
  const devices = asks.map((a) => a.device);
  const metrics = metricsFor(pool);
  // One read of every watched interface's last two hours, across the devices of the batch, as soon
  // as their interfaces are known (alongside the state reads).
  const read = interfacesOf(pool, devices).then(async (ifaces) => {
    const refs: InterfaceRef[] = [];
    for (const d of devices) for (const li of watchedOf(ifaces.get(d) ?? [])) refs.push(refOf(d, li));
    const recent = await metrics.queryRecentWindowsForDevices(refs, {
      metrics: ANALYSED_METRICS,
      from: new Date(from),
      to: new Date(end),
      widthPx: WINDOW,
    });
    return { ifaces, recent };
  });
  const [{ ifaces, recent }, cached, tuning, states, open] = await Promise.all([
    read,
    loadBaselinesCachedOf(pool, devices),
    loadTuningOf(pool, devices),
    loadIfaceStatesOf(pool, devices),
    openAnomaliesOf(pool, devices),
  ]);
  const out = new Map<string, DeviceContext>();
  for (const d of devices)
    out.set(d, {
      ifaces: ifaces.get(d) ?? [],
      cached: cached.get(d) ?? new Map(),
      tuning: tuning.get(d) ?? new Map(),
      states: states.get(d) ?? new Map(),
      open: open.get(d) ?? [],
      slots: recent.byDevice.get(d) ?? new Map(),
      windows: recent,
    });
  return out;
}

/*
 * Runs that start in the same turn of the event loop (the job host runs several devices at once,
 * and after a poll round they are all due together) share their reads and their state write: each
 * asks here, and one batch per pool and window is flushed on the next turn.
 */
interface Waiter<T> {
  resolve(v: T): void;
  reject(err: unknown): void;
}
interface Batch<K, T> {
  items: Map<string, { ask: K; waiters: Waiter<T>[] }>;
}
function batcher<K, T>(
  keyOf: (ask: K) => string,
  run: (pool: Pool, batchKey: string, asks: K[]) => Promise<Map<string, T>>,
) {
  const pending = new WeakMap<Pool, Map<string, Batch<K, T>>>();
  return (pool: Pool, batchKey: string, ask: K): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      let perPool = pending.get(pool);
      if (!perPool) {
        perPool = new Map();
        pending.set(pool, perPool);
      }
      let batch = perPool.get(batchKey);
      const k = keyOf(ask);
      if (batch?.items.has(k)) {
        // The same device twice in one turn: its own read, not a duplicate row in the batch.
        run(pool, batchKey, [ask]).then((m) => resolve(m.get(k)!), reject);
        return;
      }
      if (!batch) {
        const b: Batch<K, T> = { items: new Map() };
        batch = b;
        const pp = perPool;
        pp.set(batchKey, b);
        setImmediate(() => {
          pp.delete(batchKey);
          const items = [...b.items.values()];
          run(
            pool,
            batchKey,
            items.map((x) => x.ask),
          ).then(
            (m) => {
              for (const [key, x] of b.items) for (const w of x.waiters) w.resolve(m.get(key)!);
            },
            (err: unknown) => {
              for (const x of items) for (const w of x.waiters) w.reject(err);
            },
          );
        });
      }
      batch.items.set(k, { ask, waiters: [{ resolve, reject }] });
    });
}

const contextOf = batcher<{ device: string; now: Date }, DeviceContext>(
  (a) => a.device,
  (pool, window, asks) => {
    const [from, end] = window.split('/').map(Number) as [number, number];
    return loadContexts(pool, asks, from, end);
  },
);

const saveStates = batcher<{ device: string; states: Map<number, IfaceState> }, true>(
  (a) => a.device,
  async (pool, _key, asks) => {
    await saveIfaceStatesOf(pool, new Map(asks.map((a) => [a.device, a.states])));
    return new Map(asks.map((a) => [a.device, true as const]));
  },
);

/** The window a run at `now` reads: the closed 5-minute points of the last two hours. */
function windowOf(now: Date): { from: number; end: number } {
  const end = Math.floor(now.getTime() / STEP_MS) * STEP_MS;
  return { from: end - WINDOW * STEP_MS, end };
}

export async function analyseDevice(deps: AnalysisDeps, device: string, now: Date): Promise<RunSummary> {
  const { pool } = deps;
  const { from, end } = windowOf(now);
  const ctx = await contextOf(pool, `${from}/${end}`, { device, now });
  const v = await judge(deps, device, now, ctx, from);
  await saveStates(pool, `${from}/${end}`, { device, states: v.states });
  await act(deps, device, now, v, from, end);
  return v.summary;
}

/** What a device's run decided before it writes anything: the anomalies to open and to clear. */
interface Verdict {
  summary: RunSummary;
  series: SeriesState[];
  windows: RecentWindows;
  toOpen: { s: SeriesState | null; a: NewAnomaly }[];
  toClear: AnomalyRow[];
  /** Every watched interface's flap and speed state, to be saved whatever follows. */
  states: Map<number, IfaceState>;
}

/**
 * One device's series against their baselines, its link flaps and speed: what to open and clear.
 * Reads nothing unless a baseline is due for its rebuild.
 */
async function judge(
  deps: AnalysisDeps,
  device: string,
  now: Date,
  ctx: DeviceContext,
  from: number,
): Promise<Verdict> {
  const { pool } = deps;
  const { ifaces, cached, tuning, states, open, slots, windows } = ctx;
  const openBy = new Map(open.map((a) => [`${a.ifindex}/${a.metric}`, a]));
  const series: SeriesState[] = [];
  const summary: RunSummary = {
    device,
    interfaces: ifaces.length,
    series: 0,
    learning: 0,
    opened: [],
    cleared: 0,
  };
  const toOpen: { s: SeriesState | null; a: NewAnomaly }[] = [];
  const toClear: AnomalyRow[] = [];

  // An interface shut by an operator is not watched; its link state is not news.
  const watched = watchedOf(ifaces);
  const refs = watched.map((li) => refOf(device, li));
  const newStates = new Map<number, IfaceState>();

  for (const [w, li] of watched.entries()) {
    const iface = refs[w]!;
    const slot = slots.get(li.ifIndex);
    const keys = KEY_SUFFIXES.map((k) => `${li.ifIndex}${k}`);
    const stale = keys.some((key) => {
      const c = cached.get(key);
      // A baseline learnt on another clock (the site's timezone changed) is rebuilt, not misread.
      const clock = c?.baseline ? (c.baseline.timezone ?? 'UTC') : deps.timezone;
      return !c || now.getTime() - c.computedAt.getTime() > REBUILD_MS || clock !== deps.timezone;
    });
    const fresh = stale ? await rebuild(pool, deps.timezone, iface, from, now) : null;
    const rates = newRatesSeen();
    for (const [mi, metric] of ANALYSED_METRICS.entries()) {
      const key = keys[mi]!;
      const baseline = fresh ? (fresh.get(metric) ?? null) : (cached.get(key)?.baseline ?? null);
      const t = tuning.get(key);
      const s: SeriesState = {
        iface,
        metric,
        points: null,
        at: slot === undefined ? -1 : slot * windows.stride + mi * windows.size,
        baseline,
        bandFactor: t?.bandFactor ?? 1,
        current: null,
      };
      series.push(s);
      summary.series++;
      // The buckets that hold samples, sanitised, into the scratch arrays; the raw traffic rates
      // seen on the way for the speed check.
      const traffic = metric.endsWith('bps');
      const ceiling = ceilingOf(metric, iface.speedBps);
      const sc = scratchFor(windows.size);
      let k = 0;
      let known = false;
      if (s.at >= 0)
        for (let b = 0; b < windows.size; b++) {
          if (!windows.n[s.at + b]) continue;
          const v = windows.avg[s.at + b]!;
          if (traffic) seeRate(rates, iface.speedBps, v);
          sc.t[k] = windows.origin + b * windows.bucketMs;
          if (saneValue(v, ceiling)) {
            sc.v[k] = v;
            known = true;
          } else sc.v[k] = Number.NaN;
          k++;
        }
      if (!baseline) {
        summary.learning++;
        continue;
      }
      if (!known) continue; // no data: the state is unknown, keep it
      const found = detectValues(sc.t, sc.v, k, baseline, detectorOptions(metric, s.bandFactor));
      s.current = found.find((a) => a.clearedAt === undefined) ?? null;
      const existing = openBy.get(key);
      if (s.current && !existing) {
        const muted = t?.mutedUntil && t.mutedUntil.getTime() > now.getTime();
        if (!muted) toOpen.push({ s, a: fromDetector(iface, metric, s.current) });
      } else if (!s.current && existing) toClear.push(existing);
    }

    // Link flaps: oper-status as each poll saw it, kept for an hour.
    const st = states.get(li.ifIndex) ?? { statuses: [], speedIssue: null };
    if (li.operStatus) st.statuses.push({ t: now.getTime(), status: li.operStatus });
    st.statuses = st.statuses.filter((x) => x.t > now.getTime() - 3_600_000);
    const flaps = detectFlaps(st.statuses);
    const flapping = flaps.find((f) => f.until >= now.getTime() - FLAP_QUIET_MS);
    const openFlap = openBy.get(`${li.ifIndex}/oper_status`);
    if (flapping && !openFlap) {
      toOpen.push({
        s: null,
        a: {
          device,
          ifindex: li.ifIndex,
          ifname: li.name,
          metric: 'oper_status',
          kind: 'flap',
          side: 'low',
          since: new Date(flapping.since),
          detectedAt: now,
          observed: flapping.downs,
          expected: 0,
          low: 0,
          high: 0,
          peak: flapping.downs,
          explanation: '',
        },
      });
    } else if (!flapping && openFlap) toClear.push(openFlap);

    // A zero speed on a port with traffic: said once per interface. A speed that traffic exceeds is
    // said once by the poller itself (src/snmp/speeds), so it is not repeated here; its impossible
    // samples were dropped above either way.
    const issue = speedIssueOf(li.speedBps, rates);
    if (issue?.kind === 'zero-speed' && st.speedIssue !== issue.kind) {
      st.speedIssue = issue.kind;
      toOpen.push({
        s: null,
        a: {
          device,
          ifindex: li.ifIndex,
          ifname: li.name,
          metric: 'speed',
          kind: issue.kind,
          side: 'high',
          since: now,
          detectedAt: now,
          observed: null,
          expected: li.speedBps,
          low: null,
          high: null,
          peak: null,
          explanation: `${device} ${li.name} ${issue.detail}${li.speedBps ? ` (${li.speedBps} b/s)` : ''}: its utilisation cannot be trusted until the speed is fixed; rates above it are ignored`,
        },
      });
    }
    newStates.set(li.ifIndex, st);
  }
  return { summary, series, windows, toOpen, toClear, states: newStates };
}

/** A verdict carried out: anomalies opened and explained, cleared ones struck through, Slack told. */
async function act(
  deps: AnalysisDeps,
  device: string,
  now: Date,
  v: Verdict,
  from: number,
  end: number,
): Promise<void> {
  const { pool } = deps;
  const { summary, series, windows, toOpen, toClear } = v;
  if (toOpen.length) {
    const versions = (await createConfigStore(pool).list(device, { limit: 30 })).versions.map((v) => ({
      at: v.collectedAt.getTime(),
      author: v.author,
      version: v.id,
    }));
    for (const o of toOpen) {
      if (o.a.explanation) continue;
      // The neighbour is context: a failed read leaves it out of the sentence, not the anomaly out of
      // the channel, but it is logged so a broken read path does not go unnoticed.
      const far = o.s
        ? await neighbourMovements(pool, o.a, from, end).catch((err: unknown) => {
            deps.log?.warn({ err, device }, 'neighbour movements not read');
            return [];
          })
        : [];
      o.a.explanation = explain(deps, o, series, windows, versions, far);
    }
  }

  const channel = deps.channelFor(device);
  if (toOpen.length) {
    const { group, created } = await openGroup(pool, device, channel ?? '');
    for (const o of toOpen) {
      const row = await insertAnomaly(pool, o.a, group.id);
      if (!row) continue;
      summary.opened.push(row);
      // The speed report is said once and needs no clearing.
      if (o.a.metric === 'speed') await clearAnomaly(pool, row.id, now);
    }
    if (summary.opened.length && channel)
      await publish(deps, group.id, device, channel, created, now, series);
  }
  if (toClear.length) {
    const groups = new Set<number>();
    for (const a of toClear) {
      await clearAnomaly(pool, a.id, now);
      summary.cleared++;
      if (a.groupId !== null) groups.add(a.groupId);
    }
    for (const g of groups) {
      const all = await groupAnomalies(pool, g);
      if (all.every((a) => a.clearedAt)) await closeGroup(pool, g, now);
      if (channel) await refresh(deps, g, device, channel);
    }
  }
}

/**
 * The job id of a batch's run in one minute: the same devices in the same minute are one run,
 * however often their store is reported.
 */
export function analysisBatchId(devices: readonly string[], minute: number): string {
  const h = createHash('sha1')
    .update([...devices].sort().join('\n'))
    .digest('hex')
    .slice(0, 16);
  return `analysis-batch-${minute}-${h}`;
}

export interface BatchSummary {
  devices: number;
  interfaces: number;
  series: number;
  learning: number;
  opened: AnomalyRow[];
  cleared: number;
  /** Devices whose run failed (the others' went on), with why. */
  failed: { device: string; error: string }[];
}

/** Devices per read of a batch: big enough that a round trip is shared, small enough to overlap. */
const CHUNK_DEVICES = 40;

/**
 * Incremental analysis of the devices a poll round stored together (the `analysis.batch` job):
 * what analyseDevice does for each, with their reads made in one query per table per chunk of
 * devices and the next chunk's reads in flight while this one is analysed, and their interface
 * states written in one statement per chunk. A device whose run fails is reported, not retried,
 * and does not stop the others (its next poll brings its next run).
 */
export async function analyseDevices(
  deps: AnalysisDeps,
  devices: readonly string[],
  now: Date,
  options: { chunk?: number } = {},
): Promise<BatchSummary> {
  const { pool } = deps;
  const { from, end } = windowOf(now);
  const all = [...new Set(devices)];
  const size = Math.max(1, options.chunk ?? CHUNK_DEVICES);
  // The first chunks small (a quarter, a half): nothing overlaps the first read, so it is kept short.
  const chunks: string[][] = [];
  for (let i = 0, k = 0; i < all.length; k++) {
    const n = k === 0 ? Math.ceil(size / 4) : k === 1 ? Math.ceil(size / 2) : size;
    chunks.push(all.slice(i, i + n));
    i += n;
  }
  const out: BatchSummary = {
    devices: all.length,
    interfaces: 0,
    series: 0,
    learning: 0,
    opened: [],
    cleared: 0,
    failed: [],
  };
  const load = (i: number) => {
    const p = loadContexts(
      pool,
      chunks[i]!.map((device) => ({ device, now })),
      from,
      end,
    );
    p.catch(() => {}); // awaited in its turn; not an unhandled rejection if an earlier chunk throws
    return p;
  };
  const failed = (device: string, err: unknown) => {
    deps.log?.warn({ err, device }, 'analysis of a device failed');
    out.failed.push({ device, error: err instanceof Error ? err.message : String(err) });
  };
  const saves: Promise<void>[] = [];
  try {
    let next = chunks.length ? load(0) : undefined;
    for (let i = 0; i < chunks.length; i++) {
      const contexts = await next!;
      next = i + 1 < chunks.length ? load(i + 1) : undefined;
      const verdicts: [string, Verdict][] = [];
      const states = new Map<string, Map<number, IfaceState>>();
      for (const device of chunks[i]!) {
        try {
          const v = await judge(deps, device, now, contexts.get(device)!, from);
          verdicts.push([device, v]);
          states.set(device, v.states);
        } catch (err) {
          failed(device, err);
        }
        // let the next chunk's rows in while this one is analysed
        await new Promise<void>((r) => setImmediate(r));
      }
      const saved = saveIfaceStatesOf(pool, states);
      saved.catch(() => {});
      saves.push(saved);
      // As analyseDevice: a device's states are written before its anomalies.
      if (verdicts.some(([, v]) => v.toOpen.length || v.toClear.length)) await saved;
      for (const [device, v] of verdicts) {
        try {
          if (v.toOpen.length || v.toClear.length) await act(deps, device, now, v, from, end);
        } catch (err) {
          failed(device, err);
        }
        out.interfaces += v.summary.interfaces;
        out.series += v.summary.series;
        out.learning += v.summary.learning;
        out.opened.push(...v.summary.opened);
        out.cleared += v.summary.cleared;
      }
    }
  } finally {
    await Promise.allSettled(saves);
  }
  await Promise.all(saves);
  return out;
}

/**
 * The port at the other end of the cable (LLDP, when discovery has seen it): did its traffic move
 * at the same time? Read through src/metrics and the neighbour's own cached baseline; nothing is
 * said when the neighbour is not analysed yet.
 */
async function neighbourMovements(pool: Pool, a: NewAnomaly, from: number, end: number): Promise<Movement[]> {
  const out: Movement[] = [];
  for (const n of await neighboursOf(pool, a.device, a.ifname)) {
    const iface = await findInterface(pool, n.device, { ifname: n.ifname });
    if (!iface) continue;
    const cached = await loadBaselines(pool, n.device);
    const res = await metricsFor(pool).querySeriesFor(iface, {
      metrics: ['in_bps', 'out_bps'],
      from: new Date(from),
      to: new Date(end),
      widthPx: WINDOW,
      resolution: 'raw',
    });
    for (const m of ['in_bps', 'out_bps'] as const) {
      const b = cached.get(`${iface.ifindex}/${m}`)?.baseline;
      if (!b) continue;
      const pts = sanitise(
        (res.series[m] ?? []).map((k) => ({ t: k.x0, v: k.avg })),
        m,
        iface.speedBps,
      ).points;
      const moved = movedAround(pts, b, a.since.getTime());
      if (moved) out.push({ label: `neighbour ${n.device} ${iface.name} ${WHAT[m]}`, ...moved });
    }
  }
  return out;
}

function fromDetector(iface: InterfaceRef, metric: string, a: SeriesAnomaly): NewAnomaly {
  return {
    device: iface.device,
    ifindex: iface.ifindex,
    ifname: iface.name,
    metric,
    kind: a.kind,
    side: a.side,
    since: new Date(a.since),
    detectedAt: new Date(a.detectedAt),
    observed: a.observed,
    expected: a.expected,
    low: a.low,
    high: a.high,
    peak: a.peak,
    explanation: '',
  };
}

function explain(
  deps: AnalysisDeps,
  o: { s: SeriesState | null; a: NewAnomaly },
  series: readonly SeriesState[],
  windows: RecentWindows,
  versions: readonly { at: number; author: string | null; version: number }[],
  far: readonly Movement[] = [],
): string {
  const since = o.a.since.getTime();
  const related: Movement[] = [];
  for (const other of series) {
    if (related.length >= 3) break;
    if (other === o.s || !other.baseline) continue;
    if (other.iface.ifindex === o.a.ifindex && other.metric === o.a.metric) continue;
    const moved = movedAround(seriesPoints(windows, other), other.baseline, since, {
      sides: other.metric.endsWith('bps') ? 'both' : 'high',
    });
    if (!moved) continue;
    const same = other.iface.ifindex === o.a.ifindex;
    related.push({
      label: same ? `${WHAT[other.metric]} on the same port` : `${other.iface.name} ${WHAT[other.metric]}`,
      ...moved,
    });
  }
  related.push(...far.slice(0, 2));
  const configChanges = changesNear(versions, since);
  if (!o.s) {
    // Flaps: no band to quote.
    const parts = [
      `${o.a.device} ${o.a.ifname} link flapped (${o.a.observed} downs) since ${hhmm(since, deps.timezone)}`,
    ];
    for (const m of related) parts.push(`${m.label} ${m.direction} at ${hhmm(m.at, deps.timezone)}`);
    for (const c of configChanges)
      parts.push(
        `config changed at ${hhmm(c.at, deps.timezone)}${c.author ? ` by ${c.author}` : ''} (version ${c.version})`,
      );
    return parts.join('; ');
  }
  return explainAnomaly({
    device: o.a.device,
    iface: o.a.ifname,
    what: WHAT[o.a.metric] ?? o.a.metric,
    unit: o.a.metric.endsWith('bps') ? 'bits' : 'rate',
    anomaly: o.s.current!,
    timezone: deps.timezone,
    related,
    configChanges,
  });
}

function hhmm(t: number, tz: string): string {
  return new Intl.DateTimeFormat('en-GB', {
    timeZone: tz,
    hour: '2-digit',
    minute: '2-digit',
    hour12: false,
  }).format(new Date(t));
}

async function refresh(deps: AnalysisDeps, groupId: number, device: string, channel: string): Promise<void> {
  const { pool } = deps;
  const all = await groupAnomalies(pool, groupId);
  const feedback = await groupFeedback(pool, [groupId]);
  const { rows } = await pool.query('SELECT ts, closed_at FROM anomaly_groups WHERE id = $1', [groupId]);
  const ts = rows[0]?.ts as string | null;
  const msg = groupMessage(
    { groupId, device, anomalies: all, feedback, closedAt: rows[0]?.closed_at ?? null },
    deps.timezone,
  );
  if (!ts) return;
  try {
    await deps.responder.update({ channel, ts }, msg);
  } catch (err) {
    if (!messageGone(err)) throw err;
    // Someone deleted the group's message (or the channel's history lost it). While anything is still
    // open the news goes out again as a new message, which later edits follow; a closed group's
    // "cleared" edit has nobody left to tell.
    deps.log?.warn({ device, groupId, ts }, 'anomaly message gone from Slack');
    if (rows[0]?.closed_at) return;
    const posted = await deps.responder.post({ channel }, msg);
    await setGroupTs(pool, groupId, posted.ts);
  }
}

/** Slack answered that the message to edit is not there (deleted, or never in this workspace). */
function messageGone(err: unknown): boolean {
  return isNetopsError(err) && err.context.slackError === 'message_not_found';
}

async function publish(
  deps: AnalysisDeps,
  groupId: number,
  device: string,
  channel: string,
  created: boolean,
  now: Date,
  series: readonly SeriesState[],
): Promise<void> {
  const { pool } = deps;
  if (!created) return refresh(deps, groupId, device, channel);
  const all = await groupAnomalies(pool, groupId);
  const msg = groupMessage({ groupId, device, anomalies: all, feedback: [], closedAt: null }, deps.timezone);
  const { ts } = await deps.responder.post({ channel }, msg);
  await setGroupTs(pool, groupId, ts);
  // The chart of the first traffic anomaly, band drawn, in the message's thread.
  const first = all.find((a) => a.metric.endsWith('bps'));
  const s = first && series.find((x) => x.iface.ifindex === first.ifindex && x.metric === first.metric);
  if (!deps.renderer || !first || !s?.baseline) return;
  try {
    const range = { from: now.getTime() - 6 * 3_600_000, to: now.getTime() };
    const upper: { x: number; y: number }[] = [];
    const lower: { x: number; y: number }[] = [];
    for (let t = Math.ceil(range.from / STEP_MS) * STEP_MS; t <= range.to; t += STEP_MS) {
      const b = bandAt(s.baseline, t, 4, s.bandFactor);
      upper.push({ x: t, y: b.high });
      lower.push({ x: t, y: b.low });
    }
    const out = await graphInterface(
      { pool, renderer: deps.renderer, timezone: deps.timezone },
      s.iface,
      range,
      'util',
      {
        band: { upper, lower },
        anomalies: first.peak !== null ? [{ x: first.since.getTime(), y: first.peak }] : [],
      },
    );
    if (out.file) await deps.responder.upload({ channel, threadTs: ts }, [out.file]);
  } catch (err) {
    deps.log?.warn({ err, device }, 'anomaly chart failed');
  }
}
