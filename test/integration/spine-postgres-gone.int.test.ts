import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Stack, startStack } from '../helpers/stack.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';
import { TEST_DATABASE_URL } from '../helpers/pg.js';

const CHANNEL = 'C00NETOPS0';
let proxy: Awaited<ReturnType<typeof startTcpProxy>>;
let s: Stack;

beforeAll(async () => {
  proxy = await startTcpProxy(Number(new URL(TEST_DATABASE_URL).port || 5432));
  s = await startStack({ dbThroughPort: proxy.port });
});
afterAll(async () => {
  await s?.stop();
  await proxy?.close();
});

it('Postgres gone: device work still answers, database work says so clearly, and all recovers', async () => {
  proxy.cut();

  // Inventory work needs no database: it still runs and answers; its audit row waits in the spool.
  await s.emu.slashCommand({ command: '/net', text: 'devices core*', channelId: CHANNEL });
  await s.emu.waitFor((c) => c.method === 'chat.update' && /^done/.test(String(c.args.text)), 15_000);

  // /net jobs reads the database: the user is told plainly, after the retries.
  await s.emu.slashCommand({ command: '/net', text: 'jobs', channelId: CHANNEL });
  const failed = await s.emu.waitFor(
    (c) => c.method === 'chat.update' && /^failed/.test(String(c.args.text)),
    40_000,
  );
  expect(String(failed.args.text), String(failed.args.text)).toMatch(/database is not reachable/);

  // Readiness says which dependency is down; the process itself is alive.
  const ready = await fetch(`http://127.0.0.1:${s.bot!.port}/readyz`);
  expect(ready.status).toBe(503);
  expect(await ready.json()).toMatchObject({ ok: false, postgres: false, redis: true, slack: true });
  expect((await fetch(`http://127.0.0.1:${s.bot!.port}/healthz`)).status).toBe(200);

  proxy.restore();
  await s.emu.slashCommand({ command: '/net', text: 'jobs all', channelId: CHANNEL });
  await s.emu.waitFor(
    (c) => c.method === 'chat.update' && /^done: .*jobs all/.test(String(c.args.text)),
    20_000,
  );
}, 90_000);
