import type { Pool } from 'pg';

const DAY = 86_400_000;

export function dayStart(t: Date | number): Date {
  const ms = typeof t === 'number' ? t : t.getTime();
  return new Date(Math.floor(ms / DAY) * DAY);
}

/**
 * The two day-partitioned sample tables: recent rows (`samples`, by `ts`) and compacted hours
 * (`samples_packed`, by `period`). Both share partition days so retention drops them together.
 */
export type SampleTable = 'samples' | 'samples_packed';
const KEY: Record<SampleTable, string> = { samples: 'ts', samples_packed: 'period' };

/** samples_20260131 (or samples_packed_20260131) for the UTC day starting at `day`. */
export function partitionName(day: Date, parent: SampleTable = 'samples'): string {
  return `${parent}_${day.toISOString().slice(0, 10).replace(/-/g, '')}`;
}

function partitionDay(name: string, parent: SampleTable): Date | undefined {
  const m = new RegExp(`^${parent}_(\\d{4})(\\d{2})(\\d{2})$`).exec(name);
  return m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : undefined;
}

export async function listPartitions(
  pool: Pool,
  parent: SampleTable = 'samples',
): Promise<{ name: string; day: Date }[]> {
  const { rows } = await pool.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
      WHERE i.inhparent = $1::regclass`,
    [parent],
  );
  return rows
    .map((r) => ({ name: r.name, day: partitionDay(r.name, parent) }))
    .filter((p): p is { name: string; day: Date } => p.day !== undefined)
    .sort((a, b) => a.day.getTime() - b.day.getTime());
}

/**
 * Creates a daily partition for every UTC day in [from, to]. Rows that already landed in the
 * DEFAULT partition for that day are moved in (Postgres refuses to attach otherwise), under a lock so
 * concurrent maintenance runs queue up.
 */
export async function ensurePartitions(pool: Pool, from: Date, to: Date): Promise<string[]> {
  const created = await ensureTablePartitions(pool, 'samples', from, to);
  created.push(...(await ensureTablePartitions(pool, 'samples_packed', from, to)));
  return created;
}

async function ensureTablePartitions(
  pool: Pool,
  parent: SampleTable,
  from: Date,
  to: Date,
): Promise<string[]> {
  const have = new Set((await listPartitions(pool, parent)).map((p) => p.name));
  const key = KEY[parent];
  const created: string[] = [];
  for (let d = dayStart(from).getTime(); d <= to.getTime(); d += DAY) {
    const day = new Date(d);
    const name = partitionName(day, parent);
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
        WITH gone AS (DELETE FROM ${parent}_default WHERE ${key} >= '${lo}' AND ${key} < '${hi}' RETURNING *) SELECT * FROM gone`);
      await client.query(
        `CREATE TABLE ${name} PARTITION OF ${parent} FOR VALUES FROM ('${lo}') TO ('${hi}')`,
      );
      await client.query(`INSERT INTO ${parent} SELECT * FROM moving`);
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

/**
 * Detaches and drops day partitions (recent and packed) that end at or before `cutoff`; trims
 * the DEFAULT partitions too.
 */
export async function dropPartitionsBefore(pool: Pool, cutoff: Date): Promise<string[]> {
  const dropped: string[] = [];
  for (const parent of ['samples', 'samples_packed'] as const) {
    for (const p of await listPartitions(pool, parent)) {
      if (p.day.getTime() + DAY > cutoff.getTime()) continue;
      await pool.query(`ALTER TABLE ${parent} DETACH PARTITION ${p.name}`);
      await pool.query(`DROP TABLE ${p.name}`);
      dropped.push(p.name);
    }
  }
  await pool.query('DELETE FROM samples_default WHERE ts < $1', [cutoff]);
  // a packed row lives as long as its newest sample
  await pool.query('DELETE FROM samples_packed_default WHERE t_last < $1', [cutoff]);
  return dropped;
}
