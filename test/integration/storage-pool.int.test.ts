import { expect, it } from 'vitest';
import { ErrorCode, NetopsError } from '../../src/errors.js';
import { createPool } from '../../src/storage/index.js';
import { freePort } from '../helpers/redis-server.js';
import { TEST_DATABASE_URL } from '../helpers/pg.js';

/**
 * "The database is not reachable" must mean the server is away, not that every client of the pool
 * was busy for a few seconds (a burst of work on a slow machine).
 */
it('a query waiting behind a busy pool runs once a client is free, instead of failing as unreachable', async () => {
  const pool = createPool({ connectionString: TEST_DATABASE_URL, max: 1 });
  try {
    const held = await pool.connect();
    const t0 = Date.now();
    setTimeout(() => held.release(), 6_500); // longer than the pool's 5 s wait for a client
    const r = await pool.query('SELECT 42 AS n');
    expect(r.rows[0].n).toBe(42);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(6_000);
  } finally {
    await pool.end();
  }
}, 30_000);

it('a server that is away is still reported at once as unreachable', async () => {
  const port = await freePort();
  const pool = createPool({ connectionString: `postgres://root@127.0.0.1:${port}/test`, max: 1 });
  try {
    const t0 = Date.now();
    const err = await pool.query('SELECT 1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetopsError);
    expect((err as NetopsError).code).toBe(ErrorCode.DB_UNAVAILABLE);
    expect(Date.now() - t0).toBeLessThan(5_000);
  } finally {
    await pool.end();
  }
});
