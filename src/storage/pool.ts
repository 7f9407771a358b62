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
  // Every caller gets the same clear, retryable error when the server is away, not a socket message.
  // A pool whose clients are all busy (a burst of work, a slow machine) answers "timeout exceeded
  // when trying to connect" like a server that is away; the server is there, so wait longer for a
  // client (up to BUSY_WAITS more tries) before telling anyone the database is unreachable.
  const max = options.max ?? 10;
  const query = pool.query.bind(pool) as (...args: unknown[]) => Promise<unknown>;
  const attempt = (args: unknown[], busyWaits: number): Promise<unknown> =>
    query(...args).catch((err: unknown) => {
      if (busyWaits > 0 && isPoolBusy(err) && pool.totalCount >= max && typeof args.at(-1) !== 'function') {
        return attempt(args, busyWaits - 1);
      }
      throw isConnectionError(err) ? dbError(err) : err;
    });
  (pool as { query: unknown }).query = (...args: unknown[]) => attempt(args, BUSY_WAITS);
  return pool;
}

const BUSY_WAITS = 5;

function isPoolBusy(err: unknown): boolean {
  return /timeout exceeded when trying to connect/i.test((err as { message?: string } | null)?.message ?? '');
}

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  '57P01',
  '57P02',
  '57P03',
  '08000',
  '08001',
  '08003',
  '08006',
]);

export function isConnectionError(err: unknown): boolean {
  const e = err as { code?: string; message?: string } | null;
  if (!e) return false;
  if (e.code && CONNECTION_CODES.has(e.code)) return true;
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(
    e.message ?? '',
  );
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
