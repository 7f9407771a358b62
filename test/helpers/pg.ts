import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createPool, migrate, quoteIdent } from '../../src/storage/index.js';

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://root@127.0.0.1:5432/test';

export interface TestDb {
  pool: pg.Pool;
  schema: string;
  url: string;
  drop(): Promise<void>;
}

/** A fresh schema with every migration applied (on `base`, default the test database). Call drop() in afterAll. */
export async function freshDb(prefix = 't', base = TEST_DATABASE_URL): Promise<TestDb> {
  const schema = `${prefix}_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${quoteIdent(schema)}`);
  await admin.end();
  const pool = createPool({ connectionString: base, schema, max: 5 });
  await migrate(pool);
  const url = `${base}${base.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema},public`)}`;
  return {
    pool,
    schema,
    url,
    async drop() {
      await pool.end().catch(() => {});
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      // A process just killed can leave a backend finishing its transaction on the schema's
      // tables (the lab's rollups COPY): the drop may deadlock with it; it is gone soon after (under a
      // loaded machine, up to half a minute).
      for (let attempt = 1; ; attempt++) {
        try {
          await c.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`);
          break;
        } catch (err) {
          if ((err as { code?: string }).code !== '40P01' || attempt >= 10) throw err;
          await new Promise((r) => setTimeout(r, 500 * attempt));
        }
      }
      await c.end();
    },
  };
}
