import type { Pool, PoolClient } from 'pg';

export interface TransactionOptions {
  readOnly?: boolean;
  /** `SET LOCAL` settings for this transaction only (statement_timeout, jit, planner switches). */
  settings?: Record<string, string | number | boolean>;
}

/** Runs fn in one transaction on one client: commit on success, rollback on any error, always release. */
export async function withTransaction<T>(
  pool: Pool,
  fn: (client: PoolClient) => Promise<T>,
  options: TransactionOptions = {},
): Promise<T> {
  const client = await pool.connect();
  try {
    // BEGIN and the settings in one round trip (one simple query of several statements)
    const start = [options.readOnly ? 'BEGIN READ ONLY' : 'BEGIN'];
    for (const [name, value] of Object.entries(options.settings ?? {})) {
      if (!/^[a-z_]+$/.test(name)) throw new Error(`not a setting name: ${name}`);
      start.push(
        `SET LOCAL ${name} = ${typeof value === 'string' ? `'${value.replace(/'/g, "''")}'` : String(value)}`,
      );
    }
    await client.query(start.join('; '));
    const out = await fn(client);
    await client.query('COMMIT');
    return out;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}
