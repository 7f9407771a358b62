import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChartRenderer, graphInterface } from '../../src/charts/index.js';
import { backfillHeads, compactBefore, packPeriod, type SampleChunk } from '../../src/metrics/packed.js';
import { ensurePartitions } from '../../src/metrics/partitions.js';
import { querySeries, querySummary, queryTopN } from '../../src/metrics/query.js';
import { rollupRange, runMaintenance } from '../../src/metrics/rollup.js';
import { insertSamples, type SampleRow, upsertInterfaces } from '../../src/metrics/store.js';
import { computeRates, type DeviceReading } from '../../src/snmp/counters.js';
import { createPool, MIGRATIONS_DIR, migrate, quoteIdent } from '../../src/storage/index.js';
import { freshDb, type TestDb, TEST_DATABASE_URL } from '../helpers/pg.js';

/**
 * The migration to the compact layout keeps existing data: a database populated in the old
 * layout (migrations up to 0004, samples written by the poller's own counter maths, rollups)
 * is migrated, compacted by maintenance, and every chart, summary and top-N row drawn from it
 * is the same as before, down to the PNG bytes.
 */

const HOUR = 3_600_000;
const T0 = Date.parse('2026-02-02T00:00:00Z');
const HOURS = 30;
const NOW = T0 + HOURS * HOUR + 10 * 60_000;
const SPIKE_AT = 17 * HOUR + 29 * 60_000;

let pool: pg.Pool;
let schema: string;

function lcg(seed: number) {
  let s = seed;
  return () => {
    s = (s * 1_103_515_245 + 12_345) % 2_147_483_648;
    return s / 2_147_483_648;
  };
}

/** Two interfaces polled every ~60 s (with jitter) through computeRates, as the poller stores them. */
function pollerRows(device: string): SampleRow[] {
  const rnd = lcg(device.length * 7919);
  const rows: SampleRow[] = [];
  let prev: DeviceReading | undefined;
  const octets = [10_000_000n, 77_000_000_000n];
  const pkts = [1_000n, 90_000_000n];
  let errs = 0n;
  let t = T0;
  let uptime = 5_000_000;
  while (t < T0 + HOURS * HOUR) {
    const dt = 60_000 + Math.round((rnd() - 0.5) * 600);
    t += dt;
    uptime += dt / 10;
    // a reboot 10 h in: the poller stores nothing for that poll, then starts again
    if (Math.abs(t - (T0 + 10 * HOUR)) < 30_000) uptime = 100;
    const burst = Math.abs(t - (T0 + SPIKE_AT)) < 30_000 ? 5.5e9 : 0;
    octets[0]! += BigInt(Math.round(((2e8 + rnd() * 1e8) * dt) / 8000));
    octets[1]! += BigInt(Math.round(((3e9 + Math.sin(t / 4e6) * 1e9 + burst + rnd() * 3e8) * dt) / 8000));
    pkts[0]! += BigInt(Math.round(30 * dt * (0.5 + rnd())));
    pkts[1]! += BigInt(Math.round(400 * dt * (0.5 + rnd())));
    if (rnd() < 0.05) errs += 1n + BigInt(Math.floor(rnd() * 4));
    const cur: DeviceReading = {
      ts: t,
      uptimeCs: Math.round(uptime),
      interfaces: [0, 1].map((k) => ({
        ifIndex: k + 1,
        hc: true,
        speedBps: 10e9,
        counters: {
          inOctets: octets[k]!,
          outOctets: octets[k]! / 3n,
          inPkts: pkts[k]!,
          outPkts: pkts[k]! / 2n,
          inErrors: k ? errs : 0n,
          outErrors: 0n,
          inDiscards: 0n,
          outDiscards: errs / 2n,
        },
      })),
    };
    const { samples, reset } = computeRates(prev, cur, { maxGapMs: 15 * 60_000 });
    if (!reset) rows.push(...samples.map((s) => ({ device, ...s })));
    prev = cur;
  }
  // a few values no counter gives (written by an import from another tool): kept raw, exactly
  rows[5]!.inBps = Math.PI * 1e6;
  rows[7]!.outPps = 1 / 3;
  return rows;
}

let pngBefore: Buffer[] = [];
let summaryBefore: unknown[] = [];
let topBefore: unknown;
let rollupsBefore: Record<string, unknown>[] = [];
let rowsBefore = 0;

async function charts(db: pg.Pool = pool): Promise<{ png: Buffer[]; summary: unknown[] }> {
  const pool = db;
  const renderer = createChartRenderer({ width: 800, height: 400 });
  const env = { pool, renderer, timezone: 'UTC', width: 800, height: 400 };
  const png: Buffer[] = [];
  const summary: unknown[] = [];
  for (const ifindex of [1, 2]) {
    const iface = { device: 'edge1', ifindex, name: `xe-0/0/${ifindex}`, alias: null, speedBps: 10e9 };
    for (const [from, to] of [
      [T0, T0 + HOURS * HOUR],
      [T0 + 16 * HOUR + 7 * 60_000, T0 + 19 * HOUR],
    ] as const) {
      for (const metric of ['util', 'errors'] as const) {
        const g = await graphInterface(env, iface, { from, to }, metric);
        if (!g.file) throw new Error(`no chart for ${ifindex} ${metric} ${from}: ${g.summary}`);
        png.push(g.file.content);
        summary.push(g.summary, g.file.altText);
      }
      const s = await querySeries(pool, {
        device: 'edge1',
        ifindex,
        metrics: ['in_bps', 'out_bps', 'in_pps', 'out_discards'],
        from: new Date(from),
        to: new Date(to),
        widthPx: 500,
      });
      summary.push(s.series, await querySummary(pool, s));
    }
  }
  return { png, summary };
}

beforeAll(async () => {
  schema = `t_compact_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${quoteIdent(schema)}`);
  await admin.end();
  pool = createPool({ connectionString: TEST_DATABASE_URL, schema, max: 4 });
  // the layout as it was before the compact one: migrations 0001–0004 only
  const old = mkdtempSync(join(tmpdir(), 'netops-mig-'));
  for (const f of readdirSync(MIGRATIONS_DIR).filter((f) => /^000[1-4]_/.test(f)))
    copyFileSync(join(MIGRATIONS_DIR, f), join(old, f));
  await migrate(pool, { dir: `${old}/` });
  rmSync(old, { recursive: true });
  for (let d = 0; d < 3; d++) {
    const day = new Date(T0 + d * 86_400_000).toISOString().slice(0, 10);
    await pool.query(
      `CREATE TABLE samples_${day.replace(/-/g, '')} PARTITION OF samples FOR VALUES FROM ('${day}') TO ('${day}'::date + 1)`,
    );
  }
  await upsertInterfaces(pool, 'edge1', [
    { ifIndex: 1, name: 'xe-0/0/1', speedBps: 10e9 },
    { ifIndex: 2, name: 'xe-0/0/2', speedBps: 10e9 },
  ]);
  const rows = pollerRows('edge1');
  await insertSamples(pool, rows);
  rowsBefore = rows.length;
});

afterAll(async () => {
  await pool?.end();
  const c = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await c.connect();
  await c.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`);
  await c.end();
});

describe('migration to the compact sample layout', () => {
  it('moves no data itself, and keeps every chart, summary and top-N row through compaction', async () => {
    const applied = await migrate(pool);
    expect(applied.applied).toContain('0017_samples_packed');
    expect((await pool.query('SELECT count(*)::int AS n FROM samples')).rows[0].n).toBe(rowsBefore);
    await ensurePartitions(pool, new Date(T0), new Date(NOW));

    const before = await charts();
    pngBefore = before.png;
    summaryBefore = before.summary;
    topBefore = await queryTopN(pool, { from: new Date(T0), to: new Date(T0 + 20 * HOUR), limit: 5 });

    // maintenance: rollups from the rows, then compaction of every hour both rollups are done with
    const m = await runMaintenance(pool, { now: new Date(NOW), retention: { rawMs: 7 * 86_400_000 } });
    expect(m.compacted.rows).toBeGreaterThan(2 * (HOURS - 2));
    rollupsBefore = (await pool.query('SELECT * FROM rollups_5m ORDER BY device, ifindex, metric, bucket'))
      .rows;
    expect(rollupsBefore.length).toBeGreaterThan(0);
    const left = await pool.query('SELECT count(*)::int AS n, min(ts) AS t FROM samples');
    // only the hour still open (plus the lag) stays as rows
    expect(left.rows[0].n).toBeLessThan(2 * 61);
    expect(left.rows[0].t.getTime()).toBeGreaterThanOrEqual(T0 + (HOURS - 1) * HOUR);
    const packed = await pool.query('SELECT sum(n)::int AS n FROM samples_packed');
    expect(packed.rows[0].n + left.rows[0].n).toBe(rowsBefore);

    const after = await charts();
    expect(after.summary).toEqual(summaryBefore);
    expect(after.png.length).toBe(pngBefore.length);
    for (const [i, p] of after.png.entries()) expect(p.equals(pngBefore[i]!), `chart ${i}`).toBe(true);
    expect(await queryTopN(pool, { from: new Date(T0), to: new Date(T0 + 20 * HOUR), limit: 5 })).toEqual(
      topBefore,
    );
  });

  it('gives back the same rollups when they are recomputed from the compacted hours', async () => {
    await pool.query('DELETE FROM rollups_5m');
    await rollupRange(pool, '5m', new Date(T0), new Date(T0 + (HOURS - 1) * HOUR));
    const again = (await pool.query('SELECT * FROM rollups_5m ORDER BY device, ifindex, metric, bucket'))
      .rows;
    const closed = rollupsBefore.filter((r) => (r.bucket as Date).getTime() < T0 + (HOURS - 1) * HOUR);
    expect(again.length).toBe(closed.length);
    again.forEach((r, i) => {
      const b = closed[i]!;
      expect([r.device, r.ifindex, r.metric, r.bucket, r.n, r.min, r.max]).toEqual([
        b.device,
        b.ifindex,
        b.metric,
        b.bucket,
        b.n,
        b.min,
        b.max,
      ]);
      // the same sums in another order: equal to the last few bits
      for (const k of ['avg', 'p95'] as const)
        expect(Math.abs(r[k] - (b[k] as number)), `${k} ${i}`).toBeLessThanOrEqual(
          1e-12 * Math.abs(b[k] as number),
        );
    });
  });

  it('computes a raw chart’s summary in the same pass as its buckets (no second read)', async () => {
    const res = await querySeries(pool, {
      device: 'edge1',
      ifindex: 2,
      metrics: ['in_bps', 'out_bps'],
      from: new Date(T0),
      to: new Date(T0 + 20 * HOUR),
      widthPx: 600,
    });
    expect(res.resolution).toBe('raw');
    let queries = 0;
    const counting = {
      query: () => {
        queries++;
        return Promise.reject(new Error('no query expected'));
      },
    };
    const s = await querySummary(counting as unknown as pg.Pool, res);
    expect(queries).toBe(0);
    const peak = s.find((x) => x.metric === 'in_bps')!;
    // the burst the fleet model put at SPIKE_AT is the peak, found at its exact sample
    expect(peak.peakAt).toBeGreaterThanOrEqual(T0 + SPIKE_AT - 60_000);
    expect(peak.peakAt).toBeLessThanOrEqual(T0 + SPIKE_AT + 60_000);
    const { rows } = await pool.query(
      `SELECT percentile_disc(0.95) WITHIN GROUP (ORDER BY in_bps) AS p FROM (
         SELECT in_bps FROM samples WHERE device = 'edge1' AND ifindex = 2 AND ts >= $1 AND ts < $2
         UNION ALL SELECT 'NaN'::float8 WHERE false) x`,
      [new Date(T0), new Date(T0 + 20 * HOUR)],
    );
    // compacted by now, so the rows table has none of it: p95 came from the packed hours
    expect(rows[0].p).toBeNull();
    expect(Number.isFinite(peak.p95) && peak.p95 < peak.peak).toBe(true);
  });

  it('merges a late row into its already compacted hour', async () => {
    const late = new Date(T0 + 3 * HOUR + 30_500);
    await insertSamples(pool, [
      {
        device: 'edge1',
        ifIndex: 1,
        ts: late,
        inBps: 1234.5,
        outBps: null,
        inPps: 1,
        outPps: 2,
        inErrors: 0,
        outErrors: 0,
        inDiscards: 0,
        outDiscards: 0,
        speedBps: 10e9,
      },
    ]);
    const n0 = (
      await pool.query('SELECT n FROM samples_packed WHERE ifindex = 1 AND period = $1', [
        new Date(T0 + 3 * HOUR),
      ])
    ).rows[0].n;
    const r = await compactBefore(pool, new Date(T0 + 5 * HOUR));
    expect(r).toEqual({ rows: 1, samples: 1 });
    const n1 = (
      await pool.query('SELECT n FROM samples_packed WHERE ifindex = 1 AND period = $1', [
        new Date(T0 + 3 * HOUR),
      ])
    ).rows[0].n;
    expect(n1).toBe(n0 + 1);
    const s = await querySeries(pool, {
      device: 'edge1',
      ifindex: 1,
      metrics: ['in_bps', 'out_bps'],
      from: late,
      to: new Date(late.getTime() + 1),
      widthPx: 10,
    });
    expect(s.series.in_bps).toMatchObject([{ n: 1, min: 1234.5, max: 1234.5 }]);
    expect(s.series.out_bps).toEqual([]);
  });
});

/** The poller's rows of one device as interface-hour chunks, as compaction would see them. */
function hourChunks(rows: readonly SampleRow[]): { hour: number; chunk: SampleChunk }[] {
  const by = new Map<string, SampleRow[]>();
  for (const r of rows) {
    const hour = Math.floor(r.ts.getTime() / HOUR) * HOUR;
    const k = `${r.ifIndex}/${hour}`;
    by.set(k, [...(by.get(k) ?? []), r]);
  }
  const v = (x: number | null) => (x === null ? Number.NaN : x);
  return [...by.entries()].map(([k, list]) => ({
    hour: Number(k.split('/')[1]),
    chunk: {
      device: list[0]!.device,
      ifindex: list[0]!.ifIndex,
      tsUs: Float64Array.from(list, (r) => r.ts.getTime() * 1000),
      values: {
        in_bps: Float64Array.from(list, (r) => v(r.inBps)),
        out_bps: Float64Array.from(list, (r) => v(r.outBps)),
        in_pps: Float64Array.from(list, (r) => v(r.inPps)),
        out_pps: Float64Array.from(list, (r) => v(r.outPps)),
        in_errors: Float64Array.from(list, (r) => v(r.inErrors)),
        out_errors: Float64Array.from(list, (r) => v(r.outErrors)),
        in_discards: Float64Array.from(list, (r) => v(r.inDiscards)),
        out_discards: Float64Array.from(list, (r) => v(r.outDiscards)),
        speed_bps: Float64Array.from(list, (r) => v(r.speedBps)),
      },
    },
  }));
}

describe('migration 0019: heads for packed rows', () => {
  let ref: TestDb;
  let old: pg.Pool;
  let oldSchema: string;
  const rows = pollerRows('edge1');
  const lastHour = T0 + (HOURS - 1) * HOUR;

  beforeAll(async () => {
    // the reference: the same samples as rows, read through the current code
    ref = await freshDb('t_heads_ref');
    await ensurePartitions(ref.pool, new Date(T0), new Date(NOW));
    await upsertInterfaces(ref.pool, 'edge1', [
      { ifIndex: 1, name: 'xe-0/0/1', speedBps: 10e9 },
      { ifIndex: 2, name: 'xe-0/0/2', speedBps: 10e9 },
    ]);
    await insertSamples(ref.pool, rows);
    // a database as 0017/0018 left it: closed hours packed without heads, the open hour as rows
    oldSchema = `t_heads_old_${randomBytes(5).toString('hex')}`;
    const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${quoteIdent(oldSchema)}`);
    await admin.end();
    old = createPool({ connectionString: TEST_DATABASE_URL, schema: oldSchema, max: 4 });
    const dir = mkdtempSync(join(tmpdir(), 'netops-mig-'));
    for (const f of readdirSync(MIGRATIONS_DIR).filter(
      (f) => /^\d{4}_/.test(f) && Number(f.slice(0, 4)) <= 18,
    ))
      copyFileSync(join(MIGRATIONS_DIR, f), join(dir, f));
    await migrate(old, { dir: `${dir}/` });
    rmSync(dir, { recursive: true });
    await ensurePartitions(old, new Date(T0), new Date(NOW));
    await upsertInterfaces(old, 'edge1', [
      { ifIndex: 1, name: 'xe-0/0/1', speedBps: 10e9 },
      { ifIndex: 2, name: 'xe-0/0/2', speedBps: 10e9 },
    ]);
    const packed = hourChunks(rows.filter((r) => r.ts.getTime() < lastHour)).map((h) =>
      packPeriod(h.hour, h.chunk),
    );
    await old.query(
      `INSERT INTO samples_packed (device, ifindex, period, n, t_first, t_last, ts, in_bps, out_bps, in_pps,
         out_pps, in_errors, out_errors, in_discards, out_discards, speed_bps)
       SELECT * FROM unnest($1::text[], $2::int[], $3::timestamptz[], $4::int[], $5::timestamptz[], $6::timestamptz[],
         $7::bytea[], $8::bytea[], $9::bytea[], $10::bytea[], $11::bytea[], $12::bytea[], $13::bytea[], $14::bytea[],
         $15::bytea[], $16::bytea[])`,
      [
        packed.map((p) => p.device),
        packed.map((p) => p.ifindex),
        packed.map((p) => new Date(p.periodMs)),
        packed.map((p) => p.n),
        packed.map((p) => p.tFirst),
        packed.map((p) => p.tLast),
        packed.map((p) => p.ts),
        ...Array.from({ length: 9 }, (_, j) => packed.map((p) => p.cols[j])),
      ],
    );
    await insertSamples(
      old,
      rows.filter((r) => r.ts.getTime() >= lastHour),
    );
  });

  afterAll(async () => {
    await ref?.drop();
    await old?.end();
    const c = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await c.connect();
    await c.query(`DROP SCHEMA IF EXISTS ${quoteIdent(oldSchema)} CASCADE`);
    await c.end();
  });

  it('keeps every chart through the migration and the backfill of heads', async () => {
    const want = await charts(ref.pool);
    const applied = await migrate(old);
    expect(applied.applied[0]).toBe('0019_samples_packed_head');
    const packedRows = (await old.query('SELECT count(*)::int AS n FROM samples_packed')).rows[0].n;
    expect(packedRows).toBe(2 * (HOURS - 1));
    expect(
      (await old.query('SELECT count(*)::int AS n FROM samples_packed WHERE head IS NULL')).rows[0].n,
    ).toBe(packedRows);
    const migrated = await charts(old);
    expect(migrated.summary).toEqual(want.summary);
    for (const [i, p] of migrated.png.entries()) expect(p.equals(want.png[i]!), `chart ${i}`).toBe(true);

    expect(await backfillHeads(old, { batch: 7 })).toBe(packedRows);
    expect(
      (await old.query('SELECT count(*)::int AS n FROM samples_packed WHERE head IS NULL')).rows[0].n,
    ).toBe(0);
    const filled = await charts(old);
    expect(filled.summary).toEqual(want.summary);
    for (const [i, p] of filled.png.entries()) expect(p.equals(want.png[i]!), `chart ${i}`).toBe(true);
  });

  it('draws pixel columns of whole hours from heads: the same buckets as decoding every sample', async () => {
    for (const ifindex of [1, 2]) {
      for (const widthPx of [10, 13]) {
        const q = {
          device: 'edge1',
          ifindex,
          metrics: ['in_bps', 'out_bps', 'in_pps', 'out_pps', 'in_errors', 'out_discards'] as const,
          from: new Date(T0 + 20 * 60_000),
          to: new Date(NOW),
          widthPx,
          resolution: 'raw' as const,
        };
        const full = await querySeries(old, { ...q, metrics: [...q.metrics] });
        const heads = await querySeries(old, { ...q, metrics: [...q.metrics], p95: false });
        expect(heads.rowsScanned).toBe(full.rowsScanned);
        for (const m of q.metrics) {
          const a = full.series[m]!;
          const b = heads.series[m]!;
          expect(b.length, m).toBe(a.length);
          a.forEach((x, i) => {
            const y = b[i]!;
            expect([y.x0, y.x1, y.n, y.min, y.max, y.tMin, y.tMax, y.tFirst, y.tLast], `${m} ${i}`).toEqual([
              x.x0,
              x.x1,
              x.n,
              x.min,
              x.max,
              x.tMin,
              x.tMax,
              x.tFirst,
              x.tLast,
            ]);
            // the same sum added in another grouping: equal to the last few bits
            expect(Math.abs(y.avg - x.avg)).toBeLessThanOrEqual(1e-12 * Math.abs(x.avg));
            if (y.first !== undefined) expect(y.first).toBe(x.first);
            if (y.last !== undefined) expect(y.last).toBe(x.last);
          });
          const sa = full.summaries!.find((s) => s.metric === m)!;
          const sb = heads.summaries!.find((s) => s.metric === m)!;
          expect([sb.peak, sb.peakAt, sb.current, sb.currentAt, sb.samples]).toEqual([
            sa.peak,
            sa.peakAt,
            sa.current,
            sa.currentAt,
            sa.samples,
          ]);
          expect(Number.isNaN(sb.p95)).toBe(true);
        }
        // at these widths most columns hold whole hours, so heads answered most of the range
        expect(full.bucketMs).toBeGreaterThan(2 * HOUR);
      }
    }
    // proof that whole hours were not decoded: break one mid-range hour's stream. Heads still
    // answer; the p95 read, which decodes every hour, now fails on it.
    const widthPx = 10;
    const q = {
      device: 'edge1',
      ifindex: 2,
      metrics: ['in_bps' as const],
      from: new Date(T0 + 20 * 60_000),
      to: new Date(NOW),
      widthPx,
      resolution: 'raw' as const,
    };
    const before = await querySeries(old, { ...q, p95: false });
    const col = (t: number) => Math.floor((t - q.from.getTime()) / before.bucketMs);
    // an hour that lies inside one column, not the newest
    let h = T0 + 2 * HOUR;
    while (col(h) !== col(h + HOUR - 1)) h += HOUR;
    expect(h).toBeLessThan(T0 + (HOURS - 3) * HOUR);
    const mid = new Date(h);
    await old.query(`UPDATE samples_packed SET in_bps = '\\x01'::bytea WHERE ifindex = 2 AND period = $1`, [
      mid,
    ]);
    const after = await querySeries(old, { ...q, p95: false });
    expect(after.series).toEqual(before.series);
    await expect(querySeries(old, q)).rejects.toThrow(/truncated/);
  });
});
