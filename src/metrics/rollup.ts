import type { Pool } from 'pg';
import { dropPartitionsBefore, ensurePartitions } from './partitions.js';

export const METRICS = [
  'in_bps',
  'out_bps',
  'in_pps',
  'out_pps',
  'in_errors',
  'out_errors',
  'in_discards',
  'out_discards',
] as const;
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
  return rowCount ?? 0;
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
      const min = await pool.query<{ t: Date | null }>('SELECT min(ts) AS t FROM samples');
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
  dropped: string[];
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
  const dropped = await dropPartitionsBefore(pool, new Date(now - r.rawMs));
  const d5 = await pool.query('DELETE FROM rollups_5m WHERE bucket < $1', [new Date(now - r.fiveMinuteMs)]);
  const d1 = await pool.query('DELETE FROM rollups_1h WHERE bucket < $1', [new Date(now - r.hourMs)]);
  return {
    created,
    dropped,
    rollups: { '5m': five.rows, '1h': hour.rows },
    deleted: { '5m': d5.rowCount ?? 0, '1h': d1.rowCount ?? 0 },
  };
}
