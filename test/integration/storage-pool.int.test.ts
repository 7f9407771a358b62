import type pg from 'pg';
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

/**
 * Regression: at 10,000 devices a poll round's state writes (a transaction, so `pool.connect()`)
 * failed as "database unreachable" while every client was busy; only `pool.query` waited longer.
 */
it('a connect() (transactions, COPY) waiting behind a busy pool gets the client once it is free', async () => {
  const pool = createPool({ connectionString: TEST_DATABASE_URL, max: 1, connectTimeoutMs: 1_000 });
  try {
    const held = await pool.connect();
    const t0 = Date.now();
    setTimeout(() => held.release(), 2_500); // more than two of the pool's 1 s waits for a client
    const client = await pool.connect();
    try {
      expect(Date.now() - t0).toBeGreaterThanOrEqual(2_000);
      await client.query('BEGIN');
      expect((await client.query('SELECT 7 AS n')).rows[0].n).toBe(7);
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    // The callback form (pg's own pool.query uses it) waits the same way.
    const again = await new Promise<pg.PoolClient>((resolve, reject) => {
      const first = pool.connect((err, c) => (err || !c ? reject(err) : resolve(c)));
      expect(first).toBeUndefined();
    });
    again.release();
  } finally {
    await pool.end();
  }
}, 30_000);

it('a connect() to a server that is away is reported at once as unreachable', async () => {
  const port = await freePort();
  const pool = createPool({ connectionString: `postgres://root@127.0.0.1:${port}/test`, max: 1 });
  try {
    const t0 = Date.now();
    const err = await pool.connect().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetopsError);
    expect((err as NetopsError).code).toBe(ErrorCode.DB_UNAVAILABLE);
    expect(Date.now() - t0).toBeLessThan(2_000);
  } finally {
    await pool.end();
  }
});

it('gives up on a pool that stays busy after its waits, with the clear unreachable error', async () => {
  const pool = createPool({ connectionString: TEST_DATABASE_URL, max: 1, connectTimeoutMs: 200 });
  const held = await pool.connect();
  try {
    const t0 = Date.now();
    const err = await pool.connect().catch((e: unknown) => e);
    expect((err as NetopsError).code).toBe(ErrorCode.DB_UNAVAILABLE);
    // 1 try and 5 busy waits of 200 ms each
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1_100);
    expect(Date.now() - t0).toBeLessThan(3_000);
  } finally {
    held.release();
    await pool.end();
  }
});
