import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { freshDb, type TestDb } from '../helpers/pg.js';

const run = promisify(execFile);
let db: TestDb;
beforeAll(async () => {
  db = await freshDb('readme');
});
afterAll(async () => {
  await db?.drop();
});

// The README's first command, as a new user runs it (one command per process, then exit).
async function local(command: string): Promise<string> {
  const { stdout } = await run('bash', ['scripts/local.sh', '--once', command], {
    env: { ...process.env, DATABASE_URL: db.url, PORT: '0', LOG_LEVEL: 'error' },
    timeout: 120_000,
    maxBuffer: 10_000_000,
  });
  return stdout;
}

it('npm run local: a device command runs over SSH on a simulated device and posts its output', async () => {
  const out = await local('show core1-ams show version');
  expect(out).toMatch(/12 simulated devices/);
  expect(out).toMatch(/Cisco IOS XE Software/);
  expect(out).toMatch(/core1-ams uptime is/);
  expect(out).toMatch(/done/);
}, 150_000);

it('npm run local: charts come from the backfilled history', async () => {
  const out = await local('graph edge1-fra ge-0/0/1 24h');
  expect(out).toMatch(/uploaded edge1-fra-ge-0_0_1-util-1d\.png \(\d{4,} bytes\)/);
}, 150_000);
