import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropPartitionsBefore, ensurePartitions, listPartitions } from '../../src/metrics/partitions.js';
import { rollupClosed, runMaintenance } from '../../src/metrics/rollup.js';
import { type SampleRow, insertSamples } from '../../src/metrics/store.js';
import { type TestDb, freshDb } from '../helpers/pg.js';

const T0 = Date.UTC(2026, 0, 10, 0, 0, 0);

function row(ts: number, inBps: number | null, ifIndex = 1, device = 'r1'): SampleRow {
  return {
    device,
    ifIndex,
    ts: new Date(ts),
    inBps,
    outBps: inBps === null ? null : inBps * 2,
    inPps: null,
    outPps: null,
    inErrors: 0,
    outErrors: 0,
    inDiscards: null,
    outDiscards: null,
    speedBps: 1e9,
  };
}

/** percentile_cont: linear interpolation between closest ranks. */
function p95(values: number[]): number {
  const v = [...values].sort((a, b) => a - b);
  const pos = 0.95 * (v.length - 1);
  const lo = Math.floor(pos);
  return v[lo]! + (v[Math.min(lo + 1, v.length - 1)]! - v[lo]!) * (pos - lo);
}

describe('metrics storage', () => {
  let db: TestDb;
  beforeAll(async () => {
    db = await freshDb('snmpm');
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('routes batched inserts to day partitions and moves DEFAULT rows when a partition is created late', async () => {
    await ensurePartitions(db.pool, new Date(T0), new Date(T0 + 86_400_000));
    // a row for a day with no partition yet goes to DEFAULT…
    await insertSamples(db.pool, [row(T0 + 3 * 86_400_000, 5)]);
    expect((await db.pool.query('SELECT count(*)::int AS n FROM samples_default')).rows[0].n).toBe(1);
    // …and moves into its own partition once it exists
    const created = await ensurePartitions(
      db.pool,
      new Date(T0 + 3 * 86_400_000),
      new Date(T0 + 3 * 86_400_000),
    );
    // recent rows and compacted hours are partitioned by the same days
    expect(created).toEqual(['samples_20260113', 'samples_packed_20260113']);
    expect((await db.pool.query('SELECT count(*)::int AS n FROM samples_default')).rows[0].n).toBe(0);
    expect((await db.pool.query('SELECT count(*)::int AS n FROM samples_20260113')).rows[0].n).toBe(1);
    const rows = Array.from({ length: 25_000 }, (_, i) => row(T0 + i * 1000, i, 2 + (i % 5)));
    expect(await insertSamples(db.pool, rows)).toBe(25_000);
    expect(
      (await db.pool.query('SELECT count(*)::int AS n FROM samples_20260110 WHERE ifindex > 1')).rows[0].n,
    ).toBe(25_000);
  });

  it('rolls up closed 5-minute and 1-hour buckets with min/avg/max/p95, incrementally', async () => {
    const dev = 'roll1';
    const values = Array.from({ length: 20 }, (_, i) => ((i * 37) % 20) * 1000 + 7);
    // 20 samples every 15 s in [00:05, 00:10), plus a null, plus one in the still-open bucket
    const rows = values.map((v, i) => row(T0 + 300_000 + i * 15_000, v, 1, dev));
    rows.push(row(T0 + 301_000, null, 1, dev), row(T0 + 601_000, 123, 1, dev));
    await insertSamples(db.pool, rows);
    const now = new Date(T0 + 600_000 + 120_000 + 1); // 00:12: bucket 00:05 closed (lag 2 min), 00:10 open
    const first = await rollupClosed(db.pool, '5m', { now, since: new Date(T0) });
    expect(first.rows).toBeGreaterThan(0);
    const { rows: r } = await db.pool.query(
      "SELECT * FROM rollups_5m WHERE device = $1 AND metric = 'in_bps' ORDER BY bucket",
      [dev],
    );
    expect(r).toHaveLength(1);
    expect(r[0].bucket.getTime()).toBe(T0 + 300_000);
    expect(r[0].n).toBe(20);
    expect(r[0].min).toBe(Math.min(...values));
    expect(r[0].max).toBe(Math.max(...values));
    expect(r[0].avg).toBeCloseTo(values.reduce((a, b) => a + b, 0) / 20, 9);
    expect(r[0].p95).toBeCloseTo(p95(values), 9);
    const out = await db.pool.query("SELECT avg FROM rollups_5m WHERE device = $1 AND metric = 'out_bps'", [
      dev,
    ]);
    expect(out.rows[0].avg).toBeCloseTo((2 * values.reduce((a, b) => a + b, 0)) / 20, 9);
    // the next run, five minutes later, picks up the 00:10 bucket only
    const again = await rollupClosed(db.pool, '5m', { now: new Date(now.getTime() + 300_000) });
    const all = await db.pool.query(
      "SELECT bucket, n FROM rollups_5m WHERE device = $1 AND metric = 'in_bps' ORDER BY bucket",
      [dev],
    );
    expect(all.rows.map((x) => [x.bucket.getTime() - T0, x.n])).toEqual([
      [300_000, 20],
      [600_000, 1],
    ]);
    expect(again.until?.getTime()).toBe(T0 + 900_000);
    // hourly rollup over the raw samples: one bucket with all 21 values
    await rollupClosed(db.pool, '1h', { now: new Date(T0 + 2 * 3_600_000), since: new Date(T0) });
    const h = await db.pool.query("SELECT n, max FROM rollups_1h WHERE device = $1 AND metric = 'in_bps'", [
      dev,
    ]);
    expect(h.rows).toEqual([{ n: 21, max: Math.max(...values) }]);
  });

  it('applies retention: drops old day partitions and old rollups, creates partitions ahead', async () => {
    const now = new Date(T0 + 9 * 86_400_000 + 3_600_000); // Jan 19 01:00
    const res = await runMaintenance(db.pool, {
      now,
      retention: { rawMs: 7 * 86_400_000, fiveMinuteMs: 8 * 86_400_000, hourMs: 30 * 86_400_000 },
    });
    expect(res.dropped.filter((n) => !n.startsWith('samples_packed_'))).toEqual([
      'samples_20260110',
      'samples_20260111',
    ]);
    expect(res.dropped.filter((n) => n.startsWith('samples_packed_'))).toEqual([
      'samples_packed_20260110',
      'samples_packed_20260111',
    ]);
    expect(res.created).toEqual([
      'samples_20260119',
      'samples_20260120',
      'samples_20260121',
      'samples_packed_20260119',
      'samples_packed_20260120',
      'samples_packed_20260121',
    ]);
    const names = (await listPartitions(db.pool)).map((p) => p.name);
    expect(names).not.toContain('samples_20260110');
    expect(names).toContain('samples_20260113');
    expect(
      (
        await db.pool.query('SELECT count(*)::int AS n FROM rollups_5m WHERE bucket < $1', [
          new Date(now.getTime() - 8 * 86_400_000),
        ])
      ).rows[0].n,
    ).toBe(0);
    expect((await db.pool.query('SELECT count(*)::int AS n FROM rollups_1h')).rows[0].n).toBeGreaterThan(0);
    expect(await dropPartitionsBefore(db.pool, new Date(T0))).toEqual([]);
  });
});
