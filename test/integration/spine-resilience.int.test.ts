import type { ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.js';
import { startRoles } from '../../src/main.js';
import { testCommands, testJobs } from '../fixtures/spine/sleep.js';
import { freePort } from '../helpers/redis-server.js';
import { type Stack, startStack } from '../helpers/stack.js';
import { killHard, spawnWorker } from '../helpers/worker-procs.js';

const CHANNEL = 'C00NETOPS0';

describe('resilience', () => {
  let s: Stack | undefined;
  const children: ChildProcess[] = [];
  afterEach(async () => {
    await Promise.all(children.map(killHard));
    children.length = 0;
    await s?.stop();
    s = undefined;
  });

  it('a worker killed mid-job: another worker retries it and the user sees exactly one result', async () => {
    s = await startStack({ roles: ['bot'], start: { jobs: testJobs, commands: testCommands } });
    const first = await spawnWorker(s.config);
    children.push(first);
    await s.emu.slashCommand({ command: '/net', text: 'sleep 2500', channelId: CHANNEL });
    await s.emu.waitFor((c) => c.method === 'chat.update' && /^running/.test(String(c.args.text)), 10_000);
    await killHard(first);

    const second = await startRoles({
      config: s.config,
      role: 'worker',
      log: silentLogger,
      jobs: testJobs,
      lockDurationMs: 1_500,
      stalledIntervalMs: 1_000,
    });
    try {
      const done = await s.emu.waitFor(
        (c) => c.method === 'chat.update' && /^done/.test(String(c.args.text)),
        30_000,
      );
      expect(String(done.args.text)).toMatch(new RegExp(`pid ${process.pid}`));
      await new Promise((r) => setTimeout(r, 1_500));
      const results = s.emu.calls.filter(
        (c) => c.method === 'chat.postMessage' && /woke up/.test(JSON.stringify(c.args)),
      );
      expect(results).toHaveLength(1);
      expect(
        s.emu.calls.filter((c) => c.method === 'chat.update' && /^done/.test(String(c.args.text))),
      ).toHaveLength(1);
      const { rows } = await s.db.pool.query(
        "SELECT status, attempts FROM audit WHERE job_name = 'test.sleep'",
      );
      expect(rows).toEqual([{ status: 'done', attempts: expect.any(Number) }]);
    } finally {
      await second.stop(2_000);
    }
  }, 60_000);

  it('graceful shutdown finishes the running job before the worker exits', async () => {
    s = await startStack({ roles: ['bot'], start: { jobs: testJobs, commands: testCommands } });
    const w = await spawnWorker(s.config);
    children.push(w);
    await s.emu.slashCommand({ command: '/net', text: 'sleep 1500', channelId: CHANNEL });
    await s.emu.waitFor((c) => c.method === 'chat.update' && /^running/.test(String(c.args.text)), 10_000);
    w.kill('SIGTERM');
    const code = await new Promise((r) => w.once('exit', r));
    expect(code).toBe(0);
    expect(s.emu.calls.some((c) => c.method === 'chat.update' && /^done/.test(String(c.args.text)))).toBe(
      true,
    );
  }, 60_000);

  it('Redis gone: the user is told at once that nothing was started', async () => {
    s = await startStack({ roles: ['bot'], redisUrl: `redis://127.0.0.1:${await freePort()}` });
    const res = await s.emu.slashCommand({ command: '/net', text: 'devices', channelId: CHANNEL });
    expect(res.status).toBe(200);
    const failed = await s.emu.waitFor(
      (c) => c.method === 'chat.update' && /^failed/.test(String(c.args.text)),
      10_000,
    );
    expect(String(failed.args.text)).toMatch(/job queue \(Redis\) is not reachable, so nothing was started/);
    const { rows } = await s.db.pool.query('SELECT status, error_code FROM audit');
    expect(rows).toEqual([{ status: 'failed', error_code: 'NETOPS_QUEUE_UNAVAILABLE' }]);
  });

  it('Slack rate limits (429 Retry-After) delay the result instead of losing it', async () => {
    s = await startStack();
    s.emu.setRateLimit('chat.update', { retryAfterSec: 1, times: 2 });
    const t0 = Date.now();
    await s.emu.slashCommand({ command: '/net', text: 'devices', channelId: CHANNEL });
    await s.emu.waitFor(
      (c) => c.method === 'chat.update' && c.status === 200 && /^done/.test(String(c.args.text)),
      20_000,
    );
    expect(s.emu.calls.filter((c) => c.method === 'chat.update' && c.status === 429)).toHaveLength(2);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1_000);
  });

  it('a bad argument is refused privately and nothing is queued', async () => {
    s = await startStack();
    await s.emu.slashCommand({ command: '/net', text: 'jobs everybody', channelId: CHANNEL });
    await expect.poll(() => s!.emu.responseUrlPosts.length, { timeout: 5_000 }).toBe(1);
    expect(String(s.emu.responseUrlPosts[0]!.body.text)).toMatch(
      /say `mine` or `all`.*Usage: `jobs \[mine\|all\]/s,
    );
    expect(s.emu.calls.filter((c) => c.method === 'chat.postMessage')).toHaveLength(0);
    const { rows } = await s.db.pool.query('SELECT status, error_code FROM audit');
    expect(rows).toEqual([{ status: 'rejected', error_code: 'NETOPS_BAD_ARGS' }]);
  });
});
