import pg from 'pg';
import { ErrorCode, NetopsError } from '../errors.js';

export type Pool = pg.Pool;

export interface PoolOptions {
  connectionString: string;
  /** Schema to put first on the search_path (tests use a fresh one each). */
  schema?: string;
  max?: number;
  /** How long one try for a client may take: connecting a new one, or waiting for a busy one (5 s). */
  connectTimeoutMs?: number;
  applicationName?: string;
}

// int8 → bigint so counters and byte totals never lose precision; numeric stays a string.
pg.types.setTypeParser(pg.types.builtins.INT8, (v: string) => BigInt(v));

type ConnectCallback = (
  err: Error | undefined,
  client?: pg.PoolClient,
  done?: (release?: Error | boolean) => void,
) => void;

export function createPool(options: PoolOptions): pg.Pool {
  const max = options.max ?? 10;
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max,
    application_name: options.applicationName ?? 'netops-bot',
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000,
    idleTimeoutMillis: 30_000,
    ...(options.schema ? { options: `-c search_path=${quoteIdent(options.schema)},public` } : {}),
  });
  // An idle client losing its server must not crash the process; the next query reports it.
  pool.on('error', () => {});
  // Every caller gets the same clear, retryable error when the server is away, not a socket message.
  // A pool whose clients are all busy (a burst of work, a slow machine, a poll round's stores at
  // 10,000 devices) answers "timeout exceeded when trying to connect" like a server that is away;
  // the server is there (every client is connected to it), so wait longer for a client (up to
  // BUSY_WAITS more tries) before telling anyone the database is unreachable. pool.query checks
  // out through this.connect, so queries and transactions (connect()) wait alike.
  const connect = pool.connect.bind(pool) as () => Promise<pg.PoolClient>;
  const attempt = (busyWaits: number): Promise<pg.PoolClient> =>
    connect().catch((err: unknown) => {
      if (busyWaits > 0 && isPoolBusy(err) && pool.totalCount >= max) return attempt(busyWaits - 1);
      throw isConnectionError(err) ? dbError(err) : err;
    });
  (pool as { connect: unknown }).connect = (cb?: ConnectCallback) => {
    const client = attempt(BUSY_WAITS);
    if (!cb) return client;
    client.then(
      (c) => cb(undefined, c, (release) => c.release(release)),
      (err: Error) => cb(err, undefined, () => {}),
    );
    return undefined;
  };
  const query = pool.query.bind(pool) as (...args: unknown[]) => Promise<unknown>;
  (pool as { query: unknown }).query = (...args: unknown[]) => {
    const result = query(...args);
    // With a callback, pg answers through it (its connect errors already went through the above).
    if (!(result instanceof Promise)) return result;
    return result.catch((err: unknown) => {
      throw isConnectionError(err) ? dbError(err) : err;
    });
  };
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
