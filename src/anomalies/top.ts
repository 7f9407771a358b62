import type { Pool } from 'pg';

/**
 * Top-N interfaces by daily p95 (of 5-minute averages), from the daily table the analysis keeps
 * from rollups: the busiest day of each interface in the range. Reading ~4 rows per interface-day
 * instead of 288 rollups is what keeps a fleet-wide answer under half a second.
 */

export type TopWhat = 'in' | 'out' | 'errors' | 'discards';

const METRICS: Record<TopWhat, string[]> = {
  in: ['in_bps'],
  out: ['out_bps'],
  errors: ['in_errors', 'out_errors'],
  discards: ['in_discards', 'out_discards'],
};

export interface TopRow {
  device: string;
  ifindex: number;
  name: string;
  speedBps: number | null;
  metric: string;
  /** The busiest day's p95 in the range. */
  value: number;
  day: Date;
  /** value / speed for traffic (null when unknown or not traffic). */
  util: number | null;
}

export async function topByDailyP95(
  pool: Pool,
  q: { what: TopWhat; from: Date; to: Date; devices?: readonly string[]; limit?: number },
): Promise<TopRow[]> {
  const params: unknown[] = [
    METRICS[q.what],
    q.from.toISOString().slice(0, 10),
    q.to.toISOString().slice(0, 10),
  ];
  let filter = '';
  if (q.devices) {
    params.push([...q.devices]);
    filter = 'AND d.device = ANY($4::text[])';
  }
  params.push(Math.max(1, Math.min(q.limit ?? 10, 100)));
  const traffic = q.what === 'in' || q.what === 'out';
  // Traffic ranks by utilisation where the speed is known (a 1G port at 90 % before a 100G at 10 %).
  const order = traffic
    ? 'ORDER BY (i.speed_bps > 0) DESC NULLS LAST, b.p95 / nullif(i.speed_bps, 0) DESC NULLS LAST, b.p95 DESC'
    : 'ORDER BY b.p95 DESC';
  // Hash aggregate to one row per interface (no sort of every row), top-N of those, and only then
  // the day and direction of each winner's busiest day.
  const { rows } = await pool.query(
    `WITH b AS (
       SELECT d.device, d.ifindex, max(d.p95) AS p95
         FROM analysis_daily d
        WHERE d.metric = ANY($1::text[]) AND d.day >= $2::date AND d.day < $3::date ${filter}
        GROUP BY d.device, d.ifindex)
     SELECT b.*, coalesce(i.name, 'ifIndex ' || b.ifindex) AS name, i.speed_bps::float8 AS speed_bps, w.metric, w.day
       FROM (SELECT b.device, b.ifindex, b.p95 FROM b LEFT JOIN interfaces i USING (device, ifindex)
              WHERE b.p95 > 0 ${order} LIMIT $${params.length}) b
       LEFT JOIN interfaces i USING (device, ifindex)
       CROSS JOIN LATERAL (
         SELECT d.metric, d.day FROM analysis_daily d
          WHERE d.device = b.device AND d.ifindex = b.ifindex AND d.metric = ANY($1::text[])
            AND d.day >= $2::date AND d.day < $3::date
          ORDER BY d.p95 DESC LIMIT 1) w
      ${order}`,
    params,
  );
  return rows.map((r) => {
    const speed = r.speed_bps === null ? null : Number(r.speed_bps);
    const value = Number(r.p95);
    return {
      device: String(r.device),
      ifindex: Number(r.ifindex),
      name: String(r.name),
      speedBps: speed,
      metric: String(r.metric),
      value,
      day: r.day,
      util: traffic && speed && speed > 0 ? value / speed : null,
    };
  });
}
