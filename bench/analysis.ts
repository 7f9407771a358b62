/**
 * bench/analysis: detection quality on seeded labelled series, capacity forecast error, and speed.
 *
 *   npx tsx bench/analysis.ts
 *   BENCH_SERIES=100 BENCH_IFACES=2000 npx tsx bench/analysis.ts    (smaller, for a quick look)
 *
 * Quality: event-level precision/recall/F1 (an anomaly counts as found when an alarm on its
 * series is raised between its start and 3 samples after its end), median detection delay in
 * samples, false alarms per interface-week on anomaly-free series (which still carry wraps,
 * reboots and gaps). Capacity: median absolute percentage error of the days until the trend
 * crosses 80 % of speed. Speed: 10,000 interfaces × 7 days of 5-minute points (six metrics each)
 * analysed from scratch; one incremental round of 10,000 interfaces. Prints one JSON object last.
 */
import { loadavg } from 'node:os';
import { randomBytes } from 'node:crypto';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import pg from 'pg';
import { analyseDevice, analyseDevices, topByDailyP95 } from '../src/anomalies/index.js';
import type { Responder } from '../src/chat/index.js';
import { metricsFor } from '../src/metrics/backend.js';
import { ensurePartitions } from '../src/metrics/partitions.js';
import type { SampleRow } from '../src/metrics/index.js';
import { createPool, migrate, quoteIdent } from '../src/storage/index.js';
import { performance } from 'node:perf_hooks';
import {
  ANALYSED_METRICS,
  buildBaseline,
  dailyP95,
  detectFlaps,
  detectSeries,
  forecastCapacity,
  metricSettings,
  type Point,
  sanitise,
} from '../src/analysis/index.js';
import {
  type GeneratedInterface,
  generateInterface,
  generateTrend,
  type Label,
} from '../src/analysis/generate.js';

const SERIES = Number(process.env.BENCH_SERIES ?? 400);
const IFACES = Number(process.env.BENCH_IFACES ?? 10_000);
const TRENDS = Number(process.env.BENCH_TRENDS ?? 200);
const STEP = 300_000;
const log = (...a: unknown[]) => console.error('[bench/analysis]', ...a);
const r3 = (x: number) => Math.round(x * 1000) / 1000;
const median = (xs: number[]) => {
  if (!xs.length) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

interface Alarm {
  metric: string;
  t: number;
  /** metric:season:rule:kind, for the breakdown of false alarms. */
  why?: string;
}

function analyseGenerated(g: GeneratedInterface): Alarm[] {
  const alarms: Alarm[] = [];
  for (const [metric, pts] of [
    ['in_bps', g.inBps],
    ['in_errors', g.inErrors],
  ] as const) {
    const settings = metricSettings(metric, g.stepMs, g.speedBps);
    const clean = sanitise(pts, metric, g.speedBps).points;
    const history = clean.filter((p) => p.t < g.testFrom);
    const test = clean.filter((p) => p.t >= g.testFrom);
    const b = buildBaseline(history, settings.baseline);
    if (!b) continue;
    for (const a of detectSeries(test, b, settings.detector))
      alarms.push({ metric, t: a.detectedAt, why: `${metric}:${b.season}${b.slots}:${a.rule}:${a.kind}` });
  }
  for (const f of detectFlaps(g.status.filter((s) => s.t >= g.testFrom)))
    alarms.push({ metric: 'status', t: f.since });
  return alarms;
}

function quality() {
  const byKind: Record<string, { found: number; total: number; delays: number[] }> = {};
  const delays: number[] = [];
  let found = 0;
  let labels = 0;
  let alarmsTotal = 0;
  let alarmsTrue = 0;
  let cleanAlarms = 0;
  let cleanWeeks = 0;
  const cleanWhy: Record<string, number> = {};
  const realities = { wraps: 0, resets: 0, gaps: 0 };
  for (let i = 0; i < SERIES; i++) {
    // Half with three weeks of history (hour-of-week profile), half with eight days (daily).
    const historyDays = i % 2 ? 21 : 8;
    const g = generateInterface({ seed: 1000 + i, historyDays, testDays: 7, anomalies: 3 });
    const alarms = analyseGenerated(g);
    const grace = 3 * STEP;
    const matchMetric = (l: Label, a: Alarm) =>
      a.metric === l.metric || (l.kind === 'flap' && a.metric === 'in_bps');
    for (const l of g.labels) {
      labels++;
      byKind[l.kind] ??= { found: 0, total: 0, delays: [] };
      const k = byKind[l.kind]!;
      k.total++;
      const hit = alarms.find((a) => a.metric === l.metric && a.t >= l.start && a.t <= l.end + grace);
      if (hit) {
        found++;
        k.found++;
        const d = Math.max(0, (hit.t - l.start) / STEP);
        delays.push(d);
        k.delays.push(d);
      }
    }
    for (const a of alarms) {
      alarmsTotal++;
      // An alarm is true when it falls in a labelled window (plus the samples it takes to clear).
      if (g.labels.some((l) => matchMetric(l, a) && a.t >= l.start && a.t <= l.end + 12 * STEP)) alarmsTrue++;
    }
    const clean = generateInterface({ seed: 500_000 + i, historyDays, testDays: 7, anomalies: 0 });
    for (const a of analyseGenerated(clean)) {
      cleanAlarms++;
      cleanWhy[a.why ?? a.metric] = (cleanWhy[a.why ?? a.metric] ?? 0) + 1;
    }
    cleanWeeks += 1;
    for (const k of ['wraps', 'resets', 'gaps'] as const) realities[k] += g.realities[k] + clean.realities[k];
  }
  const precision = alarmsTotal ? alarmsTrue / alarmsTotal : 1;
  const recall = labels ? found / labels : 1;
  return {
    precision,
    recall,
    f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0,
    medianDelay: median(delays),
    falseAlarmsPerIfWeek: cleanAlarms / cleanWeeks,
    labels,
    alarmsTotal,
    byKind: Object.fromEntries(
      Object.entries(byKind).map(([k, v]) => [
        k,
        { recall: r3(v.found / v.total), n: v.total, median_delay_samples: median(v.delays) },
      ]),
    ),
    realities,
    cleanWhy,
  };
}

function capacity() {
  const apes: number[] = [];
  const apesLs: number[] = [];
  let notEnough = 0;
  for (let i = 0; i < TRENDS; i++) {
    const g = generateTrend({ seed: 77 + i, days: 90 });
    const f = forecastCapacity(dailyP95(g.points, STEP), { thresholdBps: g.thresholdBps, now: g.now });
    // The least-squares fit over the same window, for comparison (outlier days bend it).
    const ls = f.fits.find((x) => x.method === 'least-squares' && x.windowDays === f.primary?.windowDays);
    if (ls?.crossingAt) apesLs.push(Math.abs(ls.crossingAt - g.trueCrossingAt) / (g.trueCrossingAt - g.now));
    if (f.crossingAt === null) {
      notEnough++;
      apes.push(1);
      continue;
    }
    apes.push(Math.abs(f.crossingAt - g.trueCrossingAt) / (g.trueCrossingAt - g.now));
  }
  // And the honest answer on short history.
  const short = generateTrend({ seed: 5, days: 9 });
  const s = forecastCapacity(dailyP95(short.points, STEP), {
    thresholdBps: short.thresholdBps,
    now: short.now,
  });
  return { mape: median(apes), mapeLs: median(apesLs), missing: notEnough, shortHistory: s.status };
}

/** Cheap seasonal series for the speed runs (the generator's counter maths is not what we time). */
function fastSeries(seed: number, days: number, metric: string, start: number): Point[] {
  let s = seed >>> 0;
  const rnd = () => {
    s = (Math.imul(s ^ (s >>> 15), 2246822507) + 0x9e3779b9) >>> 0;
    return s / 4294967296;
  };
  const n = (days * 86_400_000) / STEP;
  const out: Point[] = new Array(n);
  const level = 1e8 * (0.1 + rnd());
  for (let i = 0; i < n; i++) {
    const t = start + i * STEP;
    const h = (t % 86_400_000) / 3_600_000;
    const shape = 0.3 + 0.7 * Math.exp(-(((h - 14) / 4.5) ** 2));
    const v = metric.endsWith('bps') ? level * shape * (0.9 + 0.2 * rnd()) : rnd() < 0.1 ? rnd() * 0.05 : 0;
    out[i] = { t, v: rnd() < 0.002 ? null : v };
  }
  return out;
}

/** One worker's share of the 10,000 interfaces: six metrics × 7 days each, from scratch. */
function analyseShare(from: number, to: number): { cpuMs: number; wallMs: number; alarms: number } {
  const start = Date.UTC(2026, 0, 5);
  let cpuMs = 0;
  let wallMs = 0;
  let alarms = 0;
  for (let i = from; i < to; i++) {
    for (const metric of ANALYSED_METRICS) {
      const pts = fastSeries(i * 7 + metric.length, 7, metric, start);
      const c0 = process.cpuUsage().user;
      const w0 = performance.now();
      const settings = metricSettings(metric, STEP, 1e9);
      const clean = sanitise(pts, metric, 1e9).points;
      const b = buildBaseline(clean, settings.baseline);
      if (b) alarms += detectSeries(clean, b, settings.detector).length;
      wallMs += performance.now() - w0;
      cpuMs += (process.cpuUsage().user - c0) / 1000;
    }
  }
  return { cpuMs, wallMs, alarms };
}

/** Both cores: half of the interfaces in each of two worker threads. */
async function speed() {
  const half = Math.ceil(IFACES / 2);
  const parts = await Promise.all(
    [0, 1].map(
      (k) =>
        new Promise<{ cpuMs: number; wallMs: number; alarms: number }>((resolve, reject) => {
          // Node 20 workers do not take --import in execArgv: register tsx from the worker itself.
          const api = import.meta.resolve('tsx/esm/api');
          const code = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(import.meta.url)}); });`;
          const w = new Worker(code, {
            eval: true,
            workerData: { from: k * half, to: Math.min(IFACES, (k + 1) * half) },
          });
          w.once('message', resolve);
          w.once('error', reject);
        }),
    ),
  );
  // One incremental round: every interface's six series re-checked over its last two hours (24
  // five-minute points) against a baseline already built, which is what the job does after each
  // poll round.
  const start = Date.UTC(2026, 0, 5);
  const sample = ANALYSED_METRICS.map((metric, k) => {
    const pts = sanitise(fastSeries(k + 1, 7, metric, start), metric, 1e9).points;
    const settings = metricSettings(metric, STEP, 1e9);
    return { b: buildBaseline(pts, settings.baseline)!, win: pts.slice(-24), det: settings.detector };
  });
  const t1 = performance.now();
  let roundAlarms = 0;
  for (let i = 0; i < IFACES; i++)
    for (const s of sample) roundAlarms += detectSeries(s.win, s.b, s.det).length;
  const roundMs = performance.now() - t1;
  return {
    analyseWallS: Math.max(...parts.map((p) => p.wallMs)) / 1000,
    analyseCpuS: parts.reduce((a, p) => a + p.cpuMs, 0) / 1000,
    alarms: parts.reduce((a, p) => a + p.alarms, 0),
    roundMs,
    roundAlarms,
  };
}

const URL =
  process.env.DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://root@127.0.0.1:5432/test';

/**
 * `/net top` over the fleet: 10,000 interfaces × 7 days of daily p95s (what the analysis keeps
 * from 5-minute rollups) in a schema of its own; the query the job runs, timed (median of runs).
 */
async function topBench(): Promise<{ topMs: number; topErrorsMs: number; rows: number }> {
  const admin = new pg.Pool({ connectionString: URL, max: 1 });
  const schema = `bench_analysis_${randomBytes(4).toString('hex')}`;
  await admin.query(`CREATE SCHEMA ${quoteIdent(schema)}`);
  const pool = createPool({ connectionString: URL, schema, max: 4 });
  try {
    await migrate(pool);
    const day0 = Date.UTC(2026, 0, 5);
    const devices = IFACES / 50;
    await pool.query(
      `INSERT INTO interfaces (device, ifindex, name, speed_bps, oper_status, admin_status, updated_at)
       SELECT 'dev' || d, i, 'Ethernet1/' || i, 10000000000, 'up', 'up', now()
         FROM generate_series(1, $1) d, generate_series(1, 50) i`,
      [devices],
    );
    const { rowCount } = await pool.query(
      `INSERT INTO analysis_daily (device, ifindex, metric, day, p95, n)
       SELECT 'dev' || d, i, m, ($2::date + k), (hashint4(d * 1000 + i * 10 + k) & 1048575) * 5000.0, 288
         FROM generate_series(1, $1) d, generate_series(1, 50) i, generate_series(0, 6) k,
              unnest(ARRAY['in_bps', 'out_bps', 'in_errors', 'out_errors']) m`,
      [devices, new Date(day0).toISOString().slice(0, 10)],
    );
    await pool.query('ANALYZE analysis_daily');
    const from = new Date(day0);
    const to = new Date(day0 + 7 * 86_400_000);
    const time = async (what: 'in' | 'errors') => {
      const runs: number[] = [];
      for (let i = 0; i < 5; i++) {
        const t0 = performance.now();
        const top = await topByDailyP95(pool, { what, from, to, limit: 10 });
        runs.push(performance.now() - t0);
        if (top.length !== 10) throw new Error('top-N returned too few rows');
      }
      return median(runs);
    };
    return { topMs: await time('in'), topErrorsMs: await time('errors'), rows: rowCount ?? 0 };
  } finally {
    await pool.end();
    await admin.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`);
    await admin.end();
  }
}

/**
 * One poll round of IFACES interfaces through the job itself, database included: the interfaces and
 * the last two hours read through src/metrics, cached baselines and per-interface state read and
 * written in Postgres. 200 devices of 50 interfaces. Timed the way production runs it: one
 * analysis.batch job (analyseDevices) for the devices a poll round's store reported together (a
 * store batch holds up to 500 devices). For comparison, the same round as one analysis.device job
 * per device (as an `snmp.poll` job enqueues it), eight at a time (the job host's default
 * concurrency per queue). Baselines are already cached (a rebuild is every six hours, not every
 * round).
 */
async function roundBench(): Promise<{
  roundDbMs: number;
  roundCpuMs: number;
  rounds: number[];
  perDeviceMs: number;
  perDeviceCpuMs: number;
  opened: number;
}> {
  const admin = new pg.Pool({ connectionString: URL, max: 1 });
  const schema = `bench_round_${randomBytes(4).toString('hex')}`;
  await admin.query(`CREATE SCHEMA ${quoteIdent(schema)}`);
  const pool = createPool({ connectionString: URL, schema, max: 4 });
  try {
    await migrate(pool);
    const perDevice = 50;
    const devices = Math.ceil(IFACES / perDevice);
    const start = Date.UTC(2026, 0, 5);
    const histEnd = start + 7 * 86_400_000;
    const now = histEnd + 2 * 3_600_000;
    await ensurePartitions(pool, new Date(histEnd - 86_400_000), new Date(now + 86_400_000));
    await pool.query(
      `INSERT INTO interfaces (device, ifindex, name, speed_bps, oper_status, admin_status, updated_at)
       SELECT 'dev' || d, i, 'Ethernet1/' || i, 1000000000, 'up', 'up', now()
         FROM generate_series(1, $1) d, generate_series(1, $2) i`,
      [devices, perDevice],
    );
    // One week + two hours per metric: the week is the cached baseline, the two hours the samples.
    const proto = ANALYSED_METRICS.map((metric, k) => {
      const all = sanitise(fastSeries(k + 1, 7 + 2 / 24, metric, start), metric, 1e9).points;
      const settings = metricSettings(metric, STEP, 1e9);
      return {
        metric,
        baseline: buildBaseline(
          all.filter((p) => p.t < histEnd),
          settings.baseline,
        )!,
        recent: all.filter((p) => p.t >= histEnd && p.t <= now),
      };
    });
    for (const p of proto)
      await pool.query(
        `INSERT INTO analysis_baselines (device, ifindex, metric, computed_at, baseline)
         SELECT 'dev' || d, i, $3, $4, $5::jsonb FROM generate_series(1, $1) d, generate_series(1, $2) i`,
        [devices, perDevice, p.metric, new Date(now - 3_600_000), JSON.stringify(p.baseline)],
      );
    const rows: SampleRow[] = [];
    const at = (metric: string, i: number) => proto.find((p) => p.metric === metric)!.recent[i]?.v ?? null;
    const n = proto[0]!.recent.length;
    for (let d = 1; d <= devices; d++)
      for (let i = 1; i <= perDevice; i++)
        for (let j = 0; j < n; j++) {
          const inBps = at('in_bps', j);
          const outBps = at('out_bps', j);
          rows.push({
            device: `dev${d}`,
            ifIndex: i,
            ts: new Date(proto[0]!.recent[j]!.t),
            inBps,
            outBps,
            inPps: inBps === null ? null : inBps / 8 / 500,
            outPps: outBps === null ? null : outBps / 8 / 500,
            inErrors: at('in_errors', j),
            outErrors: at('out_errors', j),
            inDiscards: at('in_discards', j),
            outDiscards: at('out_discards', j),
            speedBps: 1e9,
          });
        }
    for (let k = 0; k < rows.length; k += 50_000)
      await metricsFor(pool).writeSamples(rows.slice(k, k + 50_000));
    await pool.query('ANALYZE');
    // The baselines' pages all-visible, as autovacuum leaves them between the six-hourly rebuilds (a
    // round reads their computed_at from an index alone then; just written, it would read the heap).
    await pool.query('VACUUM analysis_baselines');
    // Record only (no channel): nothing is posted, as for a device without one.
    const quiet: Responder = {
      post: async () => ({ ts: '0' }),
      update: async () => {},
      ephemeral: async () => {},
      upload: async () => {},
    };
    const deps = { pool, responder: quiet, timezone: 'UTC', channelFor: () => undefined };
    const names = Array.from({ length: devices }, (_, d) => `dev${d + 1}`);
    let opened = 0;
    // Three rounds each way: the first warms the pool's connections and the planner; each is timed whole.
    const time = async (round: () => Promise<void>) => {
      const rounds: number[] = [];
      const cpu: number[] = [];
      for (let r = 0; r < 3; r++) {
        const t0 = performance.now();
        const c0 = process.cpuUsage();
        await round();
        rounds.push(performance.now() - t0);
        const c = process.cpuUsage(c0);
        cpu.push((c.user + c.system) / 1000);
      }
      return { rounds, wall: median(rounds.slice(1)), cpu: median(cpu.slice(1)) };
    };
    const batch = await time(async () => {
      const res = await analyseDevices(deps, names, new Date(now));
      if (res.failed.length) throw new Error(`analysis failed: ${JSON.stringify(res.failed.slice(0, 3))}`);
      opened += res.opened.length;
    });
    const oneByOne = await time(async () => {
      let next = 0;
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          while (next < names.length) {
            const res = await analyseDevice(deps, names[next++]!, new Date(now));
            opened += res.opened.length;
          }
        }),
      );
    });
    return {
      roundDbMs: batch.wall,
      roundCpuMs: batch.cpu,
      rounds: batch.rounds.map(Math.round),
      perDeviceMs: oneByOne.wall,
      perDeviceCpuMs: oneByOne.cpu,
      opened,
    };
  } finally {
    await pool.end();
    await admin.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`);
    await admin.end();
  }
}

async function main() {
  if (process.env.BENCH_ONLY === 'round') {
    // Just the round through the database (profiling it).
    log('round', JSON.stringify(await roundBench()));
    return;
  }
  const t0 = performance.now();
  const q = quality();
  log('quality', JSON.stringify(q));
  const c = capacity();
  log('capacity', JSON.stringify(c));
  const s = await speed();
  log('speed', JSON.stringify(s));
  const top = await topBench();
  log('top', JSON.stringify(top));
  const round = await roundBench();
  log('round', JSON.stringify(round));
  console.log(
    JSON.stringify({
      series_labelled: SERIES,
      labels: q.labels,
      precision: r3(q.precision),
      recall: r3(q.recall),
      f1: r3(q.f1),
      median_detection_delay_samples: q.medianDelay,
      false_alarms_per_interface_week: r3(q.falseAlarmsPerIfWeek),
      by_kind: q.byKind,
      capacity_runout_mape: r3(c.mape),
      capacity_runout_mape_least_squares: r3(c.mapeLs),
      capacity_short_history: c.shortHistory,
      analyse_10k_ifaces_7d_s: r3(s.analyseWallS),
      analyse_10k_ifaces_7d_cpu_s: r3(s.analyseCpuS),
      analyse_ifaces: IFACES,
      incremental_round_10k_detect_ms: Math.round(s.roundMs),
      incremental_round_10k_with_db_ms: Math.round(round.roundDbMs),
      incremental_round_10k_with_db_node_cpu_ms: Math.round(round.roundCpuMs),
      incremental_round_10k_per_device_jobs_ms: Math.round(round.perDeviceMs),
      incremental_round_anomalies_opened: round.opened,
      net_top_10k_ifaces_7d_ms: Math.round(top.topMs),
      net_top_errors_10k_ifaces_7d_ms: Math.round(top.topErrorsMs),
      loadavg_1m: r3(loadavg()[0]!),
      bench_wall_s: Math.round((performance.now() - t0) / 1000),
    }),
  );
}

if (!isMainThread) {
  const { from, to } = workerData as { from: number; to: number };
  parentPort!.postMessage(analyseShare(from, to));
} else {
  await main();
}
