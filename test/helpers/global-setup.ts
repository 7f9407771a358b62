import { execSync } from 'node:child_process';

/** Fails fast with a clear message when the services integration tests need are not running. */
export default async function setup(): Promise<void> {
  const pg = await import('pg');
  const client = new pg.default.Client({
    connectionString: process.env.TEST_DATABASE_URL ?? 'postgres://root@127.0.0.1:5432/test',
  });
  try {
    await client.connect();
    await client.end();
  } catch (err) {
    throw new Error(
      `PostgreSQL is not reachable for tests (${(err as Error).message}); run .ci/run or start it`,
    );
  }
  try {
    execSync(`redis-cli -u ${process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'} ping`, {
      stdio: 'pipe',
    });
  } catch {
    throw new Error('Redis is not reachable for tests; run .ci/run or start redis-server');
  }
}
