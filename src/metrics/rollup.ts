import type { Pool } from 'pg';
import { METRICS } from './names.js';
import { backfillHeads, compactBefore, PERIOD_MS, readSamples, type SampleChunk } from './packed.js';
import { dropPartitionsBefore, ensurePartitions } from './partitions.js';

export { METRICS };
export type Resolution = '5m' | '1h';
export const BUCKET_MS: Record<Resolution, number> = { '5m': 300_000, '1h': 3_600_000 };

export interface Retention {
  rawMs: number;
  fiveMinuteMs: number;
  hourMs: number;
}
export const DEFAULT_RETENTION: Retention = {
  rawMs: 7 * 86_400_000,
  fiveMinuteMs: 90 * 86_400_000,
  hourMs: 730 * 86_400_000,
};

const floorTo = (ms: number, step: number) => Math.floor(ms / step) * step;

/**
 * Computes one resolution's buckets over [from, to) straight from raw samples (an hourly p95 from
 * twelve 5-minute p95s would be wrong). Re-running a range overwrites it, so it is idempotent.
 */
export async function rollupRange(pool: Pool, resolution: Resolution, from: Date, to: Date): Promise<number> {
  const secs = BUCKET_MS[resolution] / 1000;
  const table = resolution === '5m' ? 'rollups_5m' : 'rollups_1h';
  const values = METRICS.map((m) => `('${m}', s.${m})`).join(', ');
  const { rowCount } = await pool.query(
    `INSERT INTO ${table} (device, ifindex, metric, bucket, n, min, avg, max, p95)
     SELECT s.device, s.ifindex, m.metric, to_timestamp(floor(extract(epoch FROM s.ts) / ${secs}) * ${secs}) AS bucket,
            count(*)::int, min(m.v), avg(m.v), max(m.v), percentile_cont(0.95) WITHIN GROUP (ORDER BY m.v)
       FROM samples s CROSS JOIN LATERAL (VALUES ${values}) AS m(metric, v)
      WHERE s.ts >= $1 AND s.ts < $2 AND m.v IS NOT NULL
      GROUP BY 1, 2, 3, 4
     ON CONFLICT (device, ifindex, metric, bucket) DO UPDATE
       SET n = EXCLUDED.n, min = EXCLUDED.min, avg = EXCLUDED.avg, max = EXCLUDED.max, p95 = EXCLUDED.p95`,
    [from, to],
  );
  return (rowCount ?? 0) + (await rollupPacked(pool, table, secs * 1000, from, to));
}

/** percentile_cont(f) of sorted values, with PostgreSQL's interpolation. */
function percentileCont(sorted: Float64Array, f: number): number {
  const pos = f * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = sorted[lo]!;
  return hi > lo ? a + (sorted[hi]! - a) * (pos - lo) : a;
}

/**
 * The buckets whose samples are (partly) in compacted hours, computed here from the decoded
 * streams with the same figures the SQL above gives for recent rows; they overwrite what that
 * statement wrote from the recent part alone. Nothing to do in the usual flow, where hours are
 * compacted only after their rollups are done.
 */
async function rollupPacked(
  pool: Pool,
  table: string,
  stepMs: number,
  from: Date,
  to: Date,
): Promise<number> {
  const { rows: devs } = await pool.query<{ device: string }>(
    'SELECT DISTINCT device FROM samples_packed WHERE period >= $1 AND period < $2 AND t_last >= $3',
    [new Date(floorTo(from.getTime(), PERIOD_MS)), to, from],
  );
  let written = 0;
  for (let i = 0; i < devs.length; i += 200) {
    const chunks = await readSamples(
      pool,
      { devices: devs.slice(i, i + 200).map((d) => d.device) },
      METRICS,
      from.getTime(),
      to.getTime(),
    );
    const cols: unknown[][] = Array.from({ length: 9 }, () => []);
    const per = new Map<string, SampleChunk[]>();
    for (const c of chunks) {
      const k = `${c.device}\u0000${c.ifindex}`;
      per.set(k, [...(per.get(k) ?? []), c]);
    }
    for (const list of per.values()) {
      for (const m of METRICS) {
        const buckets = new Map<number, number[]>();
        for (const c of list) {
          const vs = c.values[m]!;
          for (let j = 0; j < vs.length; j++) {
            const v = vs[j]!;
            if (Number.isNaN(v)) continue;
            const b = floorTo(Math.floor(c.tsUs[j]! / 1000), stepMs);
            const arr = buckets.get(b);
            if (arr) arr.push(v);
            else buckets.set(b, [v]);
          }
        }
        for (const [b, vals] of buckets) {
          let sum = 0;
          for (const v of vals) sum += v;
          const sorted = Float64Array.from(vals).sort();
          cols[0]!.push(list[0]!.device);
          cols[1]!.push(list[0]!.ifindex);
          cols[2]!.push(m);
          cols[3]!.push(new Date(b));
          cols[4]!.push(vals.length);
          cols[5]!.push(sorted[0]);
          cols[6]!.push(sum / vals.length);
          cols[7]!.push(sorted[sorted.length - 1]);
          cols[8]!.push(percentileCont(sorted, 0.95));
        }
      }
    }
    if (!cols[0]!.length) continue;
    const r = await pool.query(
      `INSERT INTO ${table} (device, ifindex, metric, bucket, n, min, avg, max, p95)
       SELECT * FROM unnest($1::text[], $2::int[], $3::text[], $4::timestamptz[], $5::int[], $6::float8[],
                            $7::float8[], $8::float8[], $9::float8[])
       ON CONFLICT (device, ifindex, metric, bucket) DO UPDATE
         SET n = EXCLUDED.n, min = EXCLUDED.min, avg = EXCLUDED.avg, max = EXCLUDED.max, p95 = EXCLUDED.p95`,
      cols,
    );
    written += r.rowCount ?? 0;
  }
  return written;
}

export interface RollupOptions {
  now: Date;
  /** A bucket counts as closed this long after it ends (late polls still land in it). */
  lagMs?: number;
  /** Where to start when nothing was rolled up yet (defaults to the oldest sample). */
  since?: Date;
  /** Largest range per statement, so a weeks-long backfill is done in bounded steps. */
  chunkMs?: number;
}

/**
 * Incremental rollup: computes every bucket closed since the watermark, then moves the watermark.
 * Returns the number of rollup rows written.
 */
export async function rollupClosed(
  pool: Pool,
  resolution: Resolution,
  options: RollupOptions,
): Promise<{ rows: number; until: Date | null }> {
  const step = BUCKET_MS[resolution];
  const end = floorTo(options.now.getTime() - (options.lagMs ?? 120_000), step);
  const wm = await pool.query<{ done_until: Date }>(
    'SELECT done_until FROM rollup_watermarks WHERE resolution = $1',
    [resolution],
  );
  let start = wm.rows[0]?.done_until.getTime();
  if (start === undefined) {
    if (options.since) start = floorTo(options.since.getTime(), step);
    else {
      const min = await pool.query<{ t: Date | null }>(
        'SELECT least((SELECT min(ts) FROM samples), (SELECT min(t_first) FROM samples_packed)) AS t',
      );
      if (!min.rows[0]?.t) return { rows: 0, until: null };
      start = floorTo(min.rows[0].t.getTime(), step);
    }
  }
  const chunk = Math.max(step, floorTo(options.chunkMs ?? 6 * 3_600_000, step));
  let rows = 0;
  for (let a = start; a < end; a += chunk) {
    const b = Math.min(end, a + chunk);
    rows += await rollupRange(pool, resolution, new Date(a), new Date(b));
    await pool.query(
      `INSERT INTO rollup_watermarks (resolution, done_until) VALUES ($1, $2)
       ON CONFLICT (resolution) DO UPDATE SET done_until = GREATEST(rollup_watermarks.done_until, EXCLUDED.done_until)`,
      [resolution, new Date(b)],
    );
  }
  return { rows, until: end > start ? new Date(end) : new Date(start) };
}

export interface MaintenanceResult {
  created: string[];
  /** Interface-hours compacted (rows written to samples_packed) and the recent rows they took. */
  compacted: { rows: number; samples: number };
  dropped: string[];
  /** Packed rows from before migration 0019 given their head. */
  headsFilled: number;
  rollups: Record<Resolution, number>;
  deleted: Record<Resolution, number>;
}

/** The periodic maintenance: partitions ahead, rollups of closed buckets, retention per resolution. */
export async function runMaintenance(
  pool: Pool,
  options: { now: Date; retention?: Partial<Retention>; daysAhead?: number; lagMs?: number },
): Promise<MaintenanceResult> {
  const r = { ...DEFAULT_RETENTION, ...options.retention };
  const now = options.now.getTime();
  const created = await ensurePartitions(
    pool,
    new Date(now),
    new Date(now + (options.daysAhead ?? 2) * 86_400_000),
  );
  const since = new Date(now - r.rawMs);
  const five = await rollupClosed(pool, '5m', { now: options.now, lagMs: options.lagMs, since });
  const hour = await rollupClosed(pool, '1h', { now: options.now, lagMs: options.lagMs, since });
  // Compact only what both rollups are done with, so they are computed from rows in SQL (the
  // packed path above is for recomputing older ranges).
  const wm = await pool.query<{ t: Date | null }>(
    "SELECT min(done_until) AS t FROM rollup_watermarks WHERE resolution IN ('5m', '1h') HAVING count(*) = 2",
  );
  const until = wm.rows[0]?.t;
  const compacted = until ? await compactBefore(pool, until) : { rows: 0, samples: 0 };
  const dropped = await dropPartitionsBefore(pool, new Date(now - r.rawMs));
  const headsFilled = await backfillHeads(pool, { limit: 50_000 });
  const d5 = await pool.query('DELETE FROM rollups_5m WHERE bucket < $1', [new Date(now - r.fiveMinuteMs)]);
  const d1 = await pool.query('DELETE FROM rollups_1h WHERE bucket < $1', [new Date(now - r.hourMs)]);
  return {
    created,
    compacted,
    dropped,
    headsFilled,
    rollups: { '5m': five.rows, '1h': hour.rows },
    deleted: { '5m': d5.rowCount ?? 0, '1h': d1.rowCount ?? 0 },
  };
}
