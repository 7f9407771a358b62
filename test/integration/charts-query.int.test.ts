import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bucketsToM4 } from '../../src/metrics/downsample.js';
import {
  chooseResolution,
  queryTopN,
  querySeries,
  querySummary,
  type SeriesResult,
} from '../../src/metrics/query.js';
import { freshDb, type TestDb } from '../helpers/pg.js';

// 300,000 samples at 1 s for one interface (3.47 days), a known one-second spike among them,
// plus a quieter second interface and a busy third one on another device.
const FROM = Date.parse('2026-03-01T00:00:00Z');
const N = 300_000;
const TO = FROM + N * 1000;
const SPIKE_I = 123_457;
const SPIKE = 9_876_543_210.5;
const DIP_I = 222_222;

let db: TestDb;

async function insertSamples(device: string, ifindex: number, n: number, base: number, spike?: boolean) {
  // deterministic (no random()): a sine wave with a second harmonic, values in bits/s
  await db.pool.query(
    `INSERT INTO samples (device, ifindex, ts, in_bps, out_bps, in_errors, out_errors, in_discards, out_discards, speed_bps)
     SELECT $1, $2, to_timestamp($3::float8 / 1000) + i * interval '1 second',
            $4::float8 + $4::float8 * 0.5 * sin(i / 3000.0) + $4::float8 * 0.1 * sin(i / 37.0),
            $4::float8 * 0.6 + $4::float8 * 0.2 * cos(i / 5000.0),
            (i % 600 = 0)::int * 3, 0, (i % 997 = 0)::int * 1.5, 0,
            10000000000
     FROM generate_series(0, $5::int - 1) i`,
    [device, ifindex, FROM, base, n],
  );
  if (spike) {
    await db.pool.query(`UPDATE samples SET in_bps = $3 WHERE device = $1 AND ifindex = $2 AND ts = $4`, [
      device,
      ifindex,
      SPIKE,
      new Date(FROM + SPIKE_I * 1000),
    ]);
    await db.pool.query(`UPDATE samples SET in_bps = -0.25 WHERE device = $1 AND ifindex = $2 AND ts = $3`, [
      device,
      ifindex,
      new Date(FROM + DIP_I * 1000),
    ]);
  }
}

beforeAll(async () => {
  db = await freshDb('charts');
  // daily partitions, as the poller's maintenance job creates them
  for (let d = 0; d < 5; d++) {
    const a = new Date(FROM + d * 86_400_000).toISOString();
    const b = new Date(FROM + (d + 1) * 86_400_000).toISOString();
    await db.pool.query(
      `CREATE TABLE samples_p${d} PARTITION OF samples FOR VALUES FROM ('${a}') TO ('${b}')`,
    );
  }
  await db.pool.query(
    `INSERT INTO interfaces (device, ifindex, name, alias, speed_bps) VALUES
     ('core1', 1, 'Ethernet1/1', 'uplink to isp-a', 10000000000),
     ('core1', 2, 'Ethernet1/2', null, 10000000000),
     ('edge1', 7, 'xe-0/0/7', null, 1000000000)`,
  );
  await insertSamples('core1', 1, N, 3e9, true);
  await insertSamples('core1', 2, 20_000, 1e8);
  await insertSamples('edge1', 7, 20_000, 6e8);
  await db.pool.query('ANALYZE samples');
}, 120_000);

afterAll(async () => {
  await db?.drop();
});

async function rawExtremes(from: number, to: number) {
  const { rows } = await db.pool.query(
    `SELECT max(in_bps) AS max, min(in_bps) AS min, count(*)::int AS n FROM samples
     WHERE device = 'core1' AND ifindex = 1 AND ts >= $1 AND ts < $2`,
    [new Date(from), new Date(to)],
  );
  return rows[0] as { max: number; min: number; n: number };
}

function expectFaithful(res: SeriesResult, widthPx: number, raw: { max: number; min: number }) {
  const buckets = res.series.in_bps!;
  expect(buckets.length).toBeGreaterThan(widthPx * 0.9);
  expect(buckets.length).toBeLessThanOrEqual(widthPx);
  const points = bucketsToM4(buckets);
  expect(points.length).toBeLessThanOrEqual(4 * widthPx);
  expect(Math.max(...points.map((p) => p.y))).toBe(raw.max);
  expect(Math.min(...points.map((p) => p.y))).toBe(raw.min);
  expect(points.every((p, i) => i === 0 || p.x >= points[i - 1]!.x)).toBe(true);
  expect(points.every((p) => p.x >= res.from && p.x < res.to)).toBe(true);
}

describe('querySeries over raw samples', () => {
  it('returns one row per pixel and the drawn peak equals the raw peak', async () => {
    const raw = await rawExtremes(FROM, TO);
    expect(raw.max).toBe(SPIKE);
    expect(raw.min).toBe(-0.25);
    const res = await querySeries(db.pool, {
      device: 'core1',
      ifname: 'ethernet1/1',
      metrics: ['in_bps', 'out_bps'],
      from: new Date(FROM),
      to: new Date(TO),
      widthPx: 800,
      resolution: 'raw',
    });
    expect(res.iface).toMatchObject({ ifindex: 1, name: 'Ethernet1/1', speedBps: 1e10 });
    expect(res.resolution).toBe('raw');
    expect(res.rowsScanned).toBe(N);
    expectFaithful(res, 800, raw);
    // counts add up, buckets span the real first and last samples, averages are exact
    expect(res.series.in_bps!.reduce((s, b) => s + b.n, 0)).toBe(N);
    expect(res.series.out_bps![0]!.tFirst).toBe(FROM);
    expect(res.series.out_bps!.at(-1)!.tLast).toBe(TO - 1000);
    const { rows } = await db.pool.query(
      `SELECT avg(out_bps) AS avg FROM samples WHERE device = 'core1' AND ifindex = 1 AND ts >= $1 AND ts < $2`,
      [new Date(res.series.out_bps![5]!.x0), new Date(res.series.out_bps![5]!.x1)],
    );
    expect(res.series.out_bps![5]!.avg).toBeCloseTo(rows[0].avg, 0);
  });

  it('keeps the peak at any width and for a sub-range', async () => {
    for (const widthPx of [37, 400, 1600]) {
      const from = FROM + 100_000_000;
      const to = FROM + 250_000_000;
      const raw = await rawExtremes(from, to);
      const res = await querySeries(db.pool, {
        device: 'core1',
        ifindex: 1,
        metrics: ['in_bps'],
        from: new Date(from),
        to: new Date(to),
        widthPx,
      });
      expect(res.resolution).toBe('raw'); // no rollups: auto falls back to raw
      expectFaithful(res, widthPx, raw);
    }
  });

  it('names an unknown interface clearly', async () => {
    await expect(
      querySeries(db.pool, {
        device: 'core1',
        ifname: 'Gi9/9',
        metrics: ['in_bps'],
        from: new Date(FROM),
        to: new Date(TO),
        widthPx: 100,
      }),
    ).rejects.toMatchObject({ code: 'NETOPS_NOT_FOUND', userMessage: expect.stringContaining('Gi9/9') });
  });

  it('summarises peak (with its exact time), p95, average and current', async () => {
    const res = await querySeries(db.pool, {
      device: 'core1',
      ifindex: 1,
      metrics: ['in_bps'],
      from: new Date(FROM),
      to: new Date(TO),
      widthPx: 800,
      resolution: 'raw',
    });
    const [s] = await querySummary(db.pool, res);
    const { rows } = await db.pool.query(
      `SELECT in_bps FROM samples WHERE device = 'core1' AND ifindex = 1 ORDER BY ts`,
    );
    const values = rows.map((r) => r.in_bps as number);
    const sorted = [...values].sort((a, b) => a - b);
    expect(s!.peak).toBe(SPIKE);
    expect(s!.peakAt).toBe(FROM + SPIKE_I * 1000);
    expect(s!.p95).toBe(sorted[Math.ceil(0.95 * sorted.length) - 1]);
    expect(s!.avg).toBeCloseTo(values.reduce((a, b) => a + b, 0) / values.length, 0);
    expect(s!.current).toBe(values[values.length - 1]);
    expect(s!.samples).toBe(N);
  });
});

describe('chooseResolution', () => {
  it('reads raw up to 2 days, then the coarsest rollup that still fills every pixel', () => {
    const day = 86_400_000;
    expect(chooseResolution(3_600_000, 1000)).toBe('raw');
    expect(chooseResolution(2 * day, 1000)).toBe('raw');
    expect(chooseResolution(7 * day, 1000)).toBe('5m');
    expect(chooseResolution(30 * day, 1000)).toBe('5m');
    expect(chooseResolution(90 * day, 1000)).toBe('1h');
    expect(chooseResolution(3 * day, 2000)).toBe('raw'); // 130 s per pixel: 5m rollups would leave holes
  });
});

describe('querySeries over rollups', () => {
  it('uses 5-minute rollups for long ranges, fills the uncovered tail from raw, keeps the peak', async () => {
    // the rollup job has covered everything but the last 6 hours
    const rolledTo = TO - 6 * 3_600_000;
    await db.pool.query(
      `INSERT INTO rollups_5m (device, ifindex, metric, bucket, n, min, avg, max, p95)
       SELECT device, ifindex, m.metric, date_bin('5 minutes', ts, 'epoch'), count(*),
              min(v), avg(v), max(v), percentile_disc(0.95) WITHIN GROUP (ORDER BY v)
       FROM samples CROSS JOIN LATERAL (VALUES ('in_bps', in_bps), ('out_bps', out_bps)) m(metric, v)
       WHERE ts < $1
       GROUP BY device, ifindex, m.metric, date_bin('5 minutes', ts, 'epoch')`,
      [new Date(rolledTo)],
    );
    const raw = await rawExtremes(FROM, TO);
    const res = await querySeries(db.pool, {
      device: 'core1',
      ifindex: 1,
      metrics: ['in_bps', 'out_bps'],
      from: new Date(FROM),
      to: new Date(TO),
      widthPx: 400,
      resolutionOptions: { rawMaxRangeMs: 86_400_000 },
    });
    expect(chooseResolution(TO - FROM, 400, { rawMaxRangeMs: 86_400_000 })).toBe('5m');
    expect(res.resolution).toBe('5m');
    expectFaithful(res, 400, raw);
    // the tail is there: the last bucket ends at the last raw sample
    const last = res.series.in_bps!.at(-1)!;
    expect(last.tLast).toBe(TO - 1000);
    // and nothing is counted twice
    expect(res.series.in_bps!.reduce((s, b) => s + b.n, 0)).toBe(N);
    const [s] = await querySummary(db.pool, res);
    expect(s!.peak).toBe(SPIKE);
    expect(s!.p95Basis).toBe('5-minute averages');
    expect(s!.p95).toBeGreaterThan(0);
  });
});

describe('queryTopN', () => {
  it('ranks interfaces by utilisation of the busier direction', async () => {
    const top = await queryTopN(db.pool, {
      from: new Date(FROM),
      to: new Date(FROM + 20_000_000),
      by: 'max',
    });
    // edge1 peaks near 96% of 1 Gbps; core1:1 near 48% of 10 Gbps with more bits/s
    expect(top.map((t) => `${t.device}:${t.name}`)).toEqual([
      'edge1:xe-0/0/7',
      'core1:Ethernet1/1',
      'core1:Ethernet1/2',
    ]);
    expect(top[0]!.util).toBeGreaterThan(0.9);
    expect(top[1]!.value).toBe((await rawExtremes(FROM, FROM + 20_000_000)).max);
    expect(top[1]!.direction).toBe('in');
    const p95 = await queryTopN(db.pool, {
      from: new Date(FROM),
      to: new Date(FROM + 20_000_000),
      limit: 2,
      devices: ['core1'],
    });
    expect(p95.map((t) => t.name)).toEqual(['Ethernet1/1', 'Ethernet1/2']);
    expect(p95[0]!.value).toBeLessThan(top[1]!.value);
  });
});
