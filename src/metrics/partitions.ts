import type { Pool } from 'pg';

const DAY = 86_400_000;

export function dayStart(t: Date | number): Date {
  const ms = typeof t === 'number' ? t : t.getTime();
  return new Date(Math.floor(ms / DAY) * DAY);
}

/** samples_20260131 for the UTC day starting at `day`. */
export function partitionName(day: Date): string {
  return `samples_${day.toISOString().slice(0, 10).replace(/-/g, '')}`;
}

function partitionDay(name: string): Date | undefined {
  const m = /^samples_(\d{4})(\d{2})(\d{2})$/.exec(name);
  return m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : undefined;
}

export async function listPartitions(pool: Pool): Promise<{ name: string; day: Date }[]> {
  const { rows } = await pool.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
      WHERE i.inhparent = 'samples'::regclass`,
  );
  return rows
    .map((r) => ({ name: r.name, day: partitionDay(r.name) }))
    .filter((p): p is { name: string; day: Date } => p.day !== undefined)
    .sort((a, b) => a.day.getTime() - b.day.getTime());
}

/**
 * Creates a daily partition for every UTC day in [from, to]. Rows that already landed in the
 * DEFAULT partition for that day are moved in (Postgres refuses to attach otherwise), under a lock so
 * concurrent maintenance runs queue up.
 */
export async function ensurePartitions(pool: Pool, from: Date, to: Date): Promise<string[]> {
  const have = new Set((await listPartitions(pool)).map((p) => p.name));
  const created: string[] = [];
  for (let d = dayStart(from).getTime(); d <= to.getTime(); d += DAY) {
    const day = new Date(d);
    const name = partitionName(day);
    if (have.has(name)) continue;
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query("SELECT pg_advisory_xact_lock(hashtext('netops-partitions:' || current_schema()))");
      const exists = await client.query('SELECT to_regclass($1) AS r', [name]);
      if (exists.rows[0]?.r) {
        await client.query('COMMIT');
        continue;
      }
      const lo = day.toISOString();
      const hi = new Date(d + DAY).toISOString();
      await client.query(`CREATE TEMP TABLE moving ON COMMIT DROP AS
        WITH gone AS (DELETE FROM samples_default WHERE ts >= '${lo}' AND ts < '${hi}' RETURNING *) SELECT * FROM gone`);
      await client.query(`CREATE TABLE ${name} PARTITION OF samples FOR VALUES FROM ('${lo}') TO ('${hi}')`);
      await client.query('INSERT INTO samples SELECT * FROM moving');
      await client.query('COMMIT');
      created.push(name);
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      client.release();
    }
  }
  return created;
}

/** Detaches and drops day partitions that end at or before `cutoff`; trims the DEFAULT partition too. */
export async function dropPartitionsBefore(pool: Pool, cutoff: Date): Promise<string[]> {
  const dropped: string[] = [];
  for (const p of await listPartitions(pool)) {
    if (p.day.getTime() + DAY > cutoff.getTime()) continue;
    await pool.query(`ALTER TABLE samples DETACH PARTITION ${p.name}`);
    await pool.query(`DROP TABLE ${p.name}`);
    dropped.push(p.name);
  }
  await pool.query('DELETE FROM samples_default WHERE ts < $1', [cutoff]);
  return dropped;
}
