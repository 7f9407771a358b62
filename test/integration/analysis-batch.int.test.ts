import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANALYSED_METRICS, buildBaseline, metricSettings, type Point } from '../../src/analysis/index.js';
import {
  analyseDevice,
  analyseDevices,
  analysisBatchId,
  type AnalysisDeps,
} from '../../src/anomalies/index.js';
import { saveBaseline } from '../../src/anomalies/store.js';
import type { Responder } from '../../src/chat/index.js';
import { metricsFor } from '../../src/metrics/backend.js';
import { compactBefore } from '../../src/metrics/packed.js';
import { ensurePartitions } from '../../src/metrics/partitions.js';
import type { InterfaceRef } from '../../src/metrics/query.js';
import { insertSamples, type SampleRow, upsertInterfaces } from '../../src/metrics/store.js';
import { freshDb, type TestDb } from '../helpers/pg.js';

/**
 * The batch path of the analysis (analysis.batch: the devices a poll round stored together, their
 * reads shared and pipelined) against real Postgres: its recent windows are the averages of the
 * buckets the per-device path reads, to the bit, over compacted hours, recent rows and a late row;
 * and a batch run opens, explains and records exactly what one run per device does.
 */

const MIN = 60_000;
const STEP = 300_000;
const HOUR = 3_600_000;
// A Monday afternoon, so the window and the baselines' hour-of-day slots are ordinary ones.
const NOW = Date.parse('2026-03-02T15:02:30Z');
const DEVICES = ['edge1', 'edge2', 'edge3'];
const IFACES = 4;
const SPEED = 1e9;

function lcg(seed: number) {
  let s = seed;
  return () => {
    s = (s * 1_103_515_245 + 12_345) % 2_147_483_648;
    return s / 2_147_483_648;
  };
}

/** Traffic with a daily shape, a little noise and occasional error counts. */
function level(t: number, k: number, rnd: () => number, metric: string): number {
  const h = (t % 86_400_000) / HOUR;
  const shape = 0.3 + 0.7 * Math.exp(-(((h - 14) / 4.5) ** 2));
  if (metric.endsWith('bps')) return (1e7 + k * 3e6) * shape * (0.95 + 0.1 * rnd());
  return rnd() < 0.1 ? rnd() * 0.05 : 0;
}

/** Three hours of polls about a minute apart (jittered, several per 5-minute bucket), with gaps. */
function recentRows(): SampleRow[] {
  const rows: SampleRow[] = [];
  for (const [d, device] of DEVICES.entries())
    for (let i = 1; i <= IFACES; i++) {
      const rnd = lcg(d * 100 + i);
      for (let t = NOW - 3 * HOUR; t < NOW; t += MIN) {
        const ts = t + Math.round((rnd() - 0.5) * 20_000);
        // edge1's port 1 triples for the last half hour: an anomaly
        const spike = device === 'edge1' && i === 1 && ts > NOW - 30 * MIN ? 3 : 1;
        const gap = rnd() < 0.03;
        rows.push({
          device,
          ifIndex: i,
          ts: new Date(ts),
          inBps: gap ? null : level(ts, i, rnd, 'in_bps') * spike,
          outBps: gap ? null : level(ts, i, rnd, 'out_bps') / 2,
          inPps: null,
          outPps: null,
          inErrors: level(ts, i, rnd, 'in_errors'),
          outErrors: level(ts, i, rnd, 'out_errors'),
          inDiscards: rnd() < 0.02 ? null : level(ts, i, rnd, 'in_discards'),
          outDiscards: level(ts, i, rnd, 'out_discards'),
          // edge3's port 4 reports no speed while it carries traffic
          speedBps: device === 'edge3' && i === 4 ? 0 : SPEED,
        });
      }
    }
  return rows;
}

/** The same fleet in a schema of its own: interfaces, samples (partly compacted), cached baselines. */
async function fleet(): Promise<TestDb> {
  const db = await freshDb('abatch');
  const { pool } = db;
  await ensurePartitions(pool, new Date(NOW - 2 * 86_400_000), new Date(NOW + 86_400_000));
  for (const device of DEVICES)
    await upsertInterfaces(
      pool,
      device,
      Array.from({ length: IFACES }, (_, k) => ({
        ifIndex: k + 1,
        name: `Ethernet1/${k + 1}`,
        speedBps: device === 'edge3' && k === 3 ? 0 : SPEED,
        operStatus: 'up',
        // edge2's port 3 is shut: not watched
        adminStatus: device === 'edge2' && k === 2 ? 'down' : 'up',
      })),
    );
  await insertSamples(pool, recentRows());
  // The closed hours move to the packed layout; one late poll lands in a packed hour afterwards.
  await compactBefore(pool, new Date(NOW));
  await insertSamples(pool, [
    {
      device: 'edge2',
      ifIndex: 2,
      ts: new Date(NOW - 70 * MIN + 7_000),
      inBps: 4.2e6,
      outBps: 1.1e6,
      inPps: null,
      outPps: null,
      inErrors: 0,
      outErrors: 0,
      inDiscards: 0,
      outDiscards: 0,
      speedBps: SPEED,
    },
  ]);
  // Baselines learnt from eight days of 5-minute points an hour ago (not due for a rebuild).
  for (const [d, device] of DEVICES.entries())
    for (let i = 1; i <= IFACES; i++)
      for (const metric of ANALYSED_METRICS) {
        const rnd = lcg(d * 1000 + i * 10 + metric.length);
        const pts: Point[] = [];
        for (let t = NOW - 8 * 86_400_000; t < NOW - 3 * HOUR; t += STEP)
          pts.push({ t, v: level(t, i, rnd, metric) * (metric === 'out_bps' ? 0.5 : 1) });
        const b = buildBaseline(pts, { ...metricSettings(metric, STEP, SPEED).baseline, timezone: 'UTC' });
        await saveBaseline(pool, device, i, metric, new Date(NOW - HOUR), b ?? undefined);
      }
  return db;
}

const quiet: Responder = {
  post: async () => ({ ts: '1.0' }),
  update: async () => {},
  ephemeral: async () => {},
  upload: async () => {},
};
const depsOf = (db: TestDb): AnalysisDeps => ({
  pool: db.pool,
  responder: quiet,
  timezone: 'UTC',
  channelFor: () => undefined,
});

let batchDb: TestDb;
let perDeviceDb: TestDb;

beforeAll(async () => {
  [batchDb, perDeviceDb] = await Promise.all([fleet(), fleet()]);
}, 120_000);

afterAll(async () => {
  await batchDb?.drop();
  await perDeviceDb?.drop();
});

describe('analysis batch', () => {
  it('reads the same bucket averages as the per-device path, over compacted hours, recent rows and a late row', async () => {
    const metrics = metricsFor(batchDb.pool);
    // the window spans both layouts
    const packed = await batchDb.pool.query(
      `SELECT count(*)::int AS n FROM samples_packed WHERE period >= $1`,
      [new Date(NOW - 3 * HOUR)],
    );
    expect(packed.rows[0].n).toBeGreaterThan(0);
    const refs: InterfaceRef[] = [];
    for (const device of DEVICES)
      for (let i = 1; i <= IFACES; i++)
        refs.push({ device, ifindex: i, name: `Ethernet1/${i}`, alias: null, speedBps: SPEED });
    const end = Math.floor(NOW / STEP) * STEP;
    const q = { metrics: ANALYSED_METRICS, from: new Date(end - 24 * STEP), to: new Date(end), widthPx: 24 };
    const buckets = await metrics.queryRecentForDevices(refs, q);
    const w = await metrics.queryRecentWindowsForDevices(refs, q);
    let compared = 0;
    for (const ref of refs) {
      const slot = w.byDevice.get(ref.device)?.get(ref.ifindex);
      expect(slot).toBeDefined();
      for (const [m, metric] of ANALYSED_METRICS.entries()) {
        const series = buckets.get(ref.device)?.get(ref.ifindex)?.[metric] ?? [];
        const at = slot! * w.stride + m * w.size;
        const held: { t: number; avg: number; n: number }[] = [];
        for (let b = 0; b < w.size; b++)
          if (w.n[at + b]) held.push({ t: w.origin + b * w.bucketMs, avg: w.avg[at + b]!, n: w.n[at + b]! });
        expect(held).toEqual(series.map((b) => ({ t: b.x0, avg: b.avg, n: b.n })));
        // to the bit, not approximately
        for (const [k, h] of held.entries()) expect(Object.is(h.avg, series[k]!.avg)).toBe(true);
        compared += held.length;
      }
    }
    // 12 interfaces × 6 metrics × 24 buckets, less the gaps of the discards
    expect(compared).toBeGreaterThan(12 * 6 * 20);
  });

  it('opens, explains and records what one run per device does, and a second round opens nothing', async () => {
    const now = new Date(NOW);
    const batch = await analyseDevices(depsOf(batchDb), [...DEVICES, 'edge1'], now, { chunk: 2 });
    expect(batch.failed).toEqual([]);
    expect(batch.devices).toBe(3);
    const one = [];
    for (const device of DEVICES) one.push(await analyseDevice(depsOf(perDeviceDb), device, now));
    expect(batch.interfaces).toBe(one.reduce((a, r) => a + r.interfaces, 0));
    expect(batch.series).toBe(one.reduce((a, r) => a + r.series, 0));
    // 12 interfaces, one shut: 11 watched × 6 metrics
    expect(batch.series).toBe(66);
    expect(batch.learning).toBe(one.reduce((a, r) => a + r.learning, 0));

    const rows = async (db: TestDb, sql: string) => (await db.pool.query(sql)).rows;
    const anomalies = `SELECT device, ifindex, ifname, metric, kind, side, since, detected_at, cleared_at,
                              observed, expected, low, high, peak, explanation
                         FROM anomalies ORDER BY device, ifindex, metric`;
    const opened = await rows(batchDb, anomalies);
    expect(opened).toEqual(await rows(perDeviceDb, anomalies));
    // the spike, and the port without a speed (said once, cleared at once)
    expect(opened.map((a) => `${a.device} ${a.ifindex} ${a.metric}`)).toEqual(
      expect.arrayContaining(['edge1 1 in_bps', 'edge3 4 speed']),
    );
    expect(opened.find((a) => a.metric === 'in_bps')!.explanation).toMatch(/edge1 Ethernet1\/1 in /);
    const states =
      'SELECT device, ifindex, statuses, speed_issue FROM analysis_iface_state ORDER BY device, ifindex';
    const saved = await rows(batchDb, states);
    expect(saved).toEqual(await rows(perDeviceDb, states));
    expect(saved).toHaveLength(11);

    // The next round (the same minute's job again, or the next poll) opens nothing new.
    const again = await analyseDevices(depsOf(batchDb), DEVICES, new Date(NOW + MIN));
    expect(again.failed).toEqual([]);
    expect(again.opened).toEqual([]);
    expect(await rows(batchDb, 'SELECT count(*)::int AS n FROM anomalies')).toEqual([{ n: opened.length }]);
  });

  it('goes on past a device whose run fails, and says which', async () => {
    // edge2's in_bps profile is unreadable (rewritten since the cache saw it, still fresh)
    await batchDb.pool.query(
      `UPDATE analysis_baselines SET baseline = '{"season": "none"}', computed_at = $1
        WHERE device = 'edge2' AND ifindex = 1 AND metric = 'in_bps'`,
      [new Date(NOW - 30 * MIN)],
    );
    const before = await batchDb.pool.query(
      `SELECT device, jsonb_array_length(statuses) AS n FROM analysis_iface_state WHERE ifindex = 1 ORDER BY device`,
    );
    const r = await analyseDevices(depsOf(batchDb), DEVICES, new Date(NOW + 2 * MIN));
    expect(r.failed.map((f) => f.device)).toEqual(['edge2']);
    expect(r.devices).toBe(3);
    // the others' runs went on: one more poll's link state recorded for each, none for edge2
    const after = await batchDb.pool.query(
      `SELECT device, jsonb_array_length(statuses) AS n FROM analysis_iface_state WHERE ifindex = 1 ORDER BY device`,
    );
    expect(after.rows.map((x, i) => x.n - before.rows[i].n)).toEqual([1, 0, 1]);
  });

  it('names a batch by its devices and minute, whatever their order', () => {
    expect(analysisBatchId(['a', 'b', 'c'], 42)).toBe(analysisBatchId(['c', 'a', 'b'], 42));
    expect(analysisBatchId(['a', 'b'], 42)).not.toBe(analysisBatchId(['a', 'b'], 43));
    expect(analysisBatchId(['a', 'b'], 42)).not.toBe(analysisBatchId(['a', 'b', 'c'], 42));
    expect(analysisBatchId(['a', 'b'], 42)).toMatch(/^analysis-batch-42-[0-9a-f]{16}$/);
  });
});
