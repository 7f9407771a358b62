import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuditLog } from '../../src/storage/index.js';
import { freshDb, TEST_DATABASE_URL, type TestDb } from '../helpers/pg.js';
import { TEST_REDIS_URL } from '../helpers/redis.js';
import { type Stack, startStack } from '../helpers/stack.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';

const CHANNEL = 'C00NETOPS0';

describe('audit writes while PostgreSQL is away', () => {
  let proxy: Awaited<ReturnType<typeof startTcpProxy>>;
  let s: Stack;
  const redis = new Redis(TEST_REDIS_URL);
  beforeAll(async () => {
    proxy = await startTcpProxy(Number(new URL(TEST_DATABASE_URL).port || 5432));
    s = await startStack({ dbThroughPort: proxy.port });
  });
  afterAll(async () => {
    redis.disconnect();
    await s?.stop();
    await proxy?.close();
  });

  it('are spooled, then written with their own times once it is back: no row lost', async () => {
    const spool = `${s.prefix}:netops:audit-spool`;
    proxy.cut();
    const N = 12;
    const sentAt = new Date();
    for (let i = 0; i < N; i++) {
      await s.emu.slashCommand({
        command: '/net',
        text: `devices ${i % 2 ? 'core*' : 'edge*'}`,
        channelId: CHANNEL,
      });
    }
    // A refused command is audited too.
    await s.emu.slashCommand({ command: '/net', text: 'jobs everybody', channelId: CHANNEL });
    // Inventory work needs no database: every command still gets its answer.
    await expect
      .poll(() => (s.emu.messages[CHANNEL] ?? []).filter((m) => m.text.startsWith('done:')).length, {
        timeout: 30_000,
      })
      .toBe(N);
    // Nothing reached the table; queued, started and finished writes wait in the spool.
    expect((await s.db.pool.query('SELECT count(*)::int AS n FROM audit')).rows[0].n).toBe(0);
    expect(await redis.llen(spool)).toBeGreaterThanOrEqual(3 * N + 1);

    await new Promise((r) => setTimeout(r, 1_500)); // the outage lasts; nothing is dropped meanwhile
    proxy.restore();
    await expect.poll(() => redis.llen(spool), { timeout: 20_000 }).toBe(0);

    const { rows } = await s.db.pool.query(
      `SELECT source, command, text, status, created_at, started_at, finished_at, result_posted_at, attempts, error_code
         FROM audit ORDER BY created_at`,
    );
    expect(rows).toHaveLength(N + 1);
    const jobs = rows.filter((r) => r.command === 'devices');
    expect(jobs).toHaveLength(N);
    for (const r of jobs) {
      expect(r).toMatchObject({ source: 'slash', status: 'done', attempts: 1 });
      expect(r.text).toMatch(/^devices (core|edge)\*$/);
      // The times are when things happened, not when the spool was written out.
      expect(r.created_at.getTime()).toBeGreaterThanOrEqual(sentAt.getTime() - 1_000);
      expect(r.created_at.getTime()).toBeLessThanOrEqual(r.started_at.getTime());
      expect(r.started_at.getTime()).toBeLessThanOrEqual(r.finished_at.getTime());
      expect(r.result_posted_at).not.toBeNull();
    }
    expect(rows.filter((r) => r.status === 'rejected')).toMatchObject([
      { text: 'jobs everybody', error_code: 'NETOPS_BAD_ARGS' },
    ]);
    // And /net jobs, which reads the table, lists them again.
    await s.emu.slashCommand({ command: '/net', text: 'jobs all --limit 20', channelId: CHANNEL });
    await s.emu.waitFor(
      (c) => c.method === 'chat.update' && /^done: .*jobs all/.test(String(c.args.text)),
      20_000,
    );
  }, 90_000);
});

describe('audit writes about a job commute', () => {
  let db: TestDb;
  beforeAll(async () => {
    db = await freshDb('spool');
  });
  afterAll(() => db?.drop());

  it('finished, then started, then the request itself: the row ends the same as in order', async () => {
    const audit = createAuditLog(db.pool);
    const t = (s: number) => new Date(Date.UTC(2026, 0, 1, 12, 0, s));
    await audit.jobFinished('j-00000001', 'done', '3 of 6 devices', undefined, true, t(5));
    await audit.jobStarted('j-00000001', 1, t(2));
    // A late duplicate "started" (a retry that lost its worker) never moves the row back.
    await audit.jobStarted('j-00000001', 2, t(3));
    await audit.record(
      {
        source: 'slash',
        userId: 'U1',
        channelId: 'C1',
        text: 'devices core*',
        command: 'devices',
        status: 'queued',
        jobId: 'j-00000001',
        jobName: 'devices.list',
      },
      t(1),
    );
    // A second final word does not replace the first.
    await audit.jobFinished('j-00000001', 'failed', 'too late', 'NETOPS_INTERNAL', false, t(9));
    const row = await audit.byJob('j-00000001');
    expect(row).toMatchObject({
      source: 'slash',
      userId: 'U1',
      text: 'devices core*',
      command: 'devices',
      jobName: 'devices.list',
      status: 'done',
      attempts: 2,
      resultSummary: '3 of 6 devices',
      errorCode: null,
      createdAt: t(1),
      startedAt: t(2),
      finishedAt: t(5),
      resultPostedAt: t(5),
    });
    const { rows } = await db.pool.query('SELECT count(*)::int AS n FROM audit');
    expect(rows[0].n).toBe(1);
  });
});
