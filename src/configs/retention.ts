import type { Pool } from 'pg';
import { GC_LOCK_KEY } from './store.js';

export interface RetentionPolicy {
  /** Every version younger than this is kept. */
  keepAllDays: number;
  /** Then, for this many more days, the last version of each UTC day. */
  dailyDays: number;
  /** Then the last version of each ISO week, for this many more weeks (Infinity: forever). */
  weeklyWeeks: number;
}

export const DEFAULT_RETENTION: RetentionPolicy = {
  keepAllDays: 30,
  dailyDays: 60,
  weeklyWeeks: Number.POSITIVE_INFINITY,
};

export interface VersionStamp {
  id: number;
  collectedAt: Date;
}

const DAY = 86_400_000;

/** Monday-based week number since the epoch (1970-01-01 was a Thursday, hence the 3-day shift). */
function weekBucket(t: number): number {
  return Math.floor((t + 3 * DAY) / (7 * DAY));
}

/**
 * Which versions of ONE device to drop. Pure. Keeps: the newest version always (it is the current
 * config), everything younger than keepAllDays, the last version of each day in the daily band,
 * the last of each week in the weekly band; drops whatever is older than the weekly band.
 * "Last of a bucket" is the config as it stood at the end of that day/week.
 */
export function planRetention(
  versions: readonly VersionStamp[],
  now: Date,
  policy: RetentionPolicy,
): number[] {
  if (!versions.length) return [];
  const sorted = [...versions].sort(
    (a, b) => b.collectedAt.getTime() - a.collectedAt.getTime() || b.id - a.id,
  );
  const allCut = now.getTime() - policy.keepAllDays * DAY;
  const dailyCut = allCut - policy.dailyDays * DAY;
  const weeklyCut = dailyCut - policy.weeklyWeeks * 7 * DAY;
  const seen = new Set<string>();
  const drop: number[] = [];
  sorted.forEach((v, i) => {
    const t = v.collectedAt.getTime();
    if (t >= allCut) return;
    let bucket: string | undefined;
    if (t >= dailyCut) bucket = `d${Math.floor(t / DAY)}`;
    else if (t >= weeklyCut) bucket = `w${weekBucket(t)}`;
    // The newest version stays whatever its age, and it is its bucket's keeper.
    if (i === 0 || (bucket !== undefined && !seen.has(bucket))) {
      if (bucket !== undefined) seen.add(bucket);
      return;
    }
    drop.push(v.id);
  });
  return drop;
}

export interface RetentionResult {
  devices: number;
  versionsDropped: number;
  blobsDropped: number;
}

/**
 * Applies the policy to every device with history, then collects blobs nobody references.
 * Works device by device so one huge history never holds a long transaction.
 */
export async function applyRetention(
  pool: Pool,
  policy: RetentionPolicy,
  now: Date,
): Promise<RetentionResult> {
  const allCut = new Date(now.getTime() - policy.keepAllDays * DAY);
  const { rows: devices } = await pool.query<{ device: string }>(
    'SELECT DISTINCT device FROM config_versions WHERE collected_at < $1',
    [allCut],
  );
  let versionsDropped = 0;
  for (const { device } of devices) {
    const { rows } = await pool.query<{ id: string; collected_at: Date }>(
      `SELECT id::text, collected_at FROM config_versions WHERE device = $1 ORDER BY collected_at DESC, id DESC`,
      [device],
    );
    const drop = planRetention(
      rows.map((r) => ({ id: Number(r.id), collectedAt: r.collected_at })),
      now,
      policy,
    );
    for (let i = 0; i < drop.length; i += 5_000) {
      const res = await pool.query(
        `DELETE FROM config_versions WHERE id = ANY($1::bigint[])
           AND id NOT IN (SELECT version_id FROM config_latest WHERE device = $2)`,
        [drop.slice(i, i + 5_000), device],
      );
      versionsDropped += res.rowCount ?? 0;
    }
  }
  const blobsDropped = await collectBlobs(pool);
  return { devices: devices.length, versionsDropped, blobsDropped };
}

/** Deletes blobs no version and no latest row references. Exclusive against running backups. */
export async function collectBlobs(pool: Pool): Promise<number> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [GC_LOCK_KEY]);
    const res = await client.query(
      `DELETE FROM config_blobs b
        WHERE NOT EXISTS (SELECT 1 FROM config_versions v WHERE v.sha256 = b.sha256)
          AND NOT EXISTS (SELECT 1 FROM config_latest l WHERE l.sha256 = b.sha256)`,
    );
    await client.query('COMMIT');
    return res.rowCount ?? 0;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}
