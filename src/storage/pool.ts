import pg from 'pg';
import { ErrorCode, NetopsError } from '../errors.js';

export type Pool = pg.Pool;

export interface PoolOptions {
  connectionString: string;
  /** Schema to put first on the search_path (tests use a fresh one each). */
  schema?: string;
  max?: number;
  applicationName?: string;
}

// int8 → bigint so counters and byte totals never lose precision; numeric stays a string.
pg.types.setTypeParser(pg.types.builtins.INT8, (v: string) => BigInt(v));

export function createPool(options: PoolOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.max ?? 10,
    application_name: options.applicationName ?? 'netops-bot',
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    ...(options.schema ? { options: `-c search_path=${quoteIdent(options.schema)},public` } : {}),
  });
  // An idle client losing its server must not crash the process; the next query reports it.
  pool.on('error', () => {});
  return pool;
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Wraps connection-level failures into a NetopsError the user can act on. */
export function dbError(err: unknown): NetopsError {
  return new NetopsError(ErrorCode.DB_UNAVAILABLE, 'PostgreSQL is not reachable', {
    cause: err,
    userMessage: 'The database is not reachable right now, so nothing was recorded.',
    hint: 'Try again in a minute; if it persists, check PostgreSQL (DATABASE_URL).',
  });
}
