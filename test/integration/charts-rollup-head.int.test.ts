import { afterAll, beforeAll, expect, it } from 'vitest';
import { bucketsToM4, withGaps } from '../../src/metrics/downsample.js';
import { querySeries } from '../../src/metrics/query.js';
import { rollupRange } from '../../src/metrics/rollup.js';
import { upsertInterfaces } from '../../src/metrics/store.js';
import { freshDb, type TestDb } from '../helpers/pg.js';

// Six days of 5-minute samples, rolled up for the last day only: what a database looks like when
// history was written (imported, backfilled by the lab) after its rollups had begun, or while a
// rollup run is still working back through it.
const END = Date.parse('2026-03-10T00:00:00Z');
const DAYS = 6;
let db: TestDb;

beforeAll(async () => {
  db = await freshDb('rollhead');
  await upsertInterfaces(db.pool, 'r1', [{ ifIndex: 1, name: 'Ethernet1', speedBps: 10e9 }]);
  await db.pool.query(
    `INSERT INTO samples (device, ifindex, ts, in_bps, out_bps, speed_bps)
     SELECT 'r1', 1, to_timestamp($1::float8 / 1000) + i * interval '5 minutes', 1e9 + i, 5e8, 10000000000
       FROM generate_series(0, $2::int - 1) i`,
    [END - DAYS * 86_400_000, (DAYS * 86_400_000) / 300_000],
  );
  await rollupRange(db.pool, '5m', new Date(END - 86_400_000), new Date(END));
});

afterAll(async () => {
  await db?.drop();
});

it('regression: a chart that reads rollups still draws the samples older than the first rollup', async () => {
  const r = await querySeries(db.pool, {
    device: 'r1',
    ifindex: 1,
    metrics: ['in_bps'],
    from: new Date(END - DAYS * 86_400_000),
    to: new Date(END),
    widthPx: 1000,
  });
  expect(r.resolution).toBe('5m');
  const buckets = r.series.in_bps ?? [];
  // It drew only the last day before: the newer rollups hid five days of samples.
  expect(buckets[0]!.x0).toBe(END - DAYS * 86_400_000);
  const gaps = withGaps(bucketsToM4(buckets), r.bucketMs * 3).filter((p) => Number.isNaN(p.y));
  expect(gaps).toEqual([]);
  expect(buckets.reduce((n, b) => n + b.n, 0)).toBe((DAYS * 86_400_000) / 300_000);
});
