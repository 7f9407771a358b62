import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { ErrorCode, NetopsError } from '../errors.js';

export const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export async function loadMigrations(dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => /^\d{4}_[\w-]+\.sql$/.test(f)).sort();
  const out: Migration[] = [];
  for (const file of files) {
    const version = Number(file.slice(0, 4));
    if (out.some((m) => m.version === version)) {
      throw new NetopsError(ErrorCode.MIGRATION_FAILED, `two migrations share version ${version} (${file})`);
    }
    out.push({ version, name: file.replace(/\.sql$/, ''), sql: await readFile(dir + file, 'utf8') });
  }
  return out;
}

export interface MigrateResult {
  applied: string[];
  current: number;
}

/**
 * Applies pending migrations in order, each in its own transaction. A session-level advisory lock
 * keyed on the schema makes concurrent runners (bot and worker starting together) queue up instead
 * of racing; the second one finds nothing to do.
 */
export async function migrate(pool: pg.Pool, options: { dir?: string } = {}): Promise<MigrateResult> {
  const migrations = await loadMigrations(options.dir);
  const client = await pool.connect();
  const applied: string[] = [];
  try {
    const { rows } = await client.query<{ schema: string }>('SELECT current_schema() AS schema');
    const schema = rows[0]?.schema ?? 'public';
    await client.query('SELECT pg_advisory_lock(hashtext($1))', [`netops-migrate:${schema}`]);
    try {
      await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version integer PRIMARY KEY,
        name text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now())`);
      const done = new Set(
        (await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map(
          (r) => r.version,
        ),
      );
      for (const m of migrations) {
        if (done.has(m.version)) continue;
        try {
          await client.query('BEGIN');
          await client.query(m.sql);
          await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [
            m.version,
            m.name,
          ]);
          await client.query('COMMIT');
          applied.push(m.name);
        } catch (err) {
          await client.query('ROLLBACK').catch(() => {});
          throw new NetopsError(
            ErrorCode.MIGRATION_FAILED,
            `migration ${m.name} failed: ${(err as Error).message}`,
            {
              cause: err,
              hint: 'Fix the SQL file and run `netops-bot migrate` again; earlier migrations stay applied.',
            },
          );
        }
      }
    } finally {
      await client
        .query('SELECT pg_advisory_unlock(hashtext($1))', [`netops-migrate:${schema}`])
        .catch(() => {});
    }
    const current = migrations.length ? Math.max(...migrations.map((m) => m.version)) : 0;
    return { applied, current };
  } finally {
    client.release();
  }
}
