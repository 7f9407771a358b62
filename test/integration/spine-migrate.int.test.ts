import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, expect, it } from 'vitest';
import { loadMigrations, quoteIdent } from '../../src/storage/index.js';
import { TEST_DATABASE_URL } from '../helpers/pg.js';

const run = promisify(execFile);
const schema = `mig_${randomBytes(4).toString('hex')}`;
const admin = () => new pg.Client({ connectionString: TEST_DATABASE_URL });

afterAll(async () => {
  const c = admin();
  await c.connect();
  await c.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`);
  await c.end();
});

it('`netops-bot migrate` from four processes at once applies every migration exactly once', async () => {
  const c = admin();
  await c.connect();
  await c.query(`CREATE SCHEMA ${quoteIdent(schema)}`);
  const url = `${TEST_DATABASE_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  const results = await Promise.all(
    Array.from({ length: 4 }, () =>
      run('node', ['bin/netops-bot.js', 'migrate'], {
        env: { ...process.env, DATABASE_URL: url, LOG_LEVEL: 'error' },
      }),
    ),
  );
  expect(results).toHaveLength(4);
  const { rows } = await c.query(
    `SELECT version FROM ${quoteIdent(schema)}.schema_migrations ORDER BY version`,
  );
  expect(rows.map((r) => r.version)).toEqual((await loadMigrations()).map((m) => m.version));
  const tables = await c.query(
    'SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = $1',
    [schema],
  );
  expect(tables.rows[0].n).toBeGreaterThan(10);
  await c.end();
}, 60_000);

it('`netops-bot all` with a broken configuration lists every problem and exits 1', async () => {
  const { mkdtempSync, writeFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'netops-cli-'));
  writeFileSync(
    join(dir, 'netops.yaml'),
    'devices:\n  - { name: r1, vendor: cisco_ios, host: 10.0.0.1, credential: ro }\n',
  );
  const err = await run('node', ['bin/netops-bot.js', 'all'], {
    env: { PATH: process.env.PATH, NETOPS_CONFIG: join(dir, 'netops.yaml') },
  }).catch((e: { code: number; stderr: string }) => e);
  expect((err as { code: number }).code).toBe(1);
  const stderr = (err as { stderr: string }).stderr;
  expect(stderr).toMatch(/configuration has 3 problem\(s\)/);
  expect(stderr).toMatch(/SLACK_BOT_TOKEN/);
  expect(stderr).toMatch(/SLACK_SIGNING_SECRET/);
  expect(stderr).toMatch(/devices\.0\.vendor.*hint: one of cisco_iosxe/);
});

it('`netops-bot` with an unknown role prints usage and exits 2', async () => {
  const err = await run('node', ['bin/netops-bot.js', 'frobnicate']).catch(
    (e: { code: number; stderr: string }) => e,
  );
  expect((err as { code: number }).code).toBe(2);
  expect((err as { stderr: string }).stderr).toMatch(/unknown role "frobnicate"[\s\S]*worker\s+runs jobs/);
});
