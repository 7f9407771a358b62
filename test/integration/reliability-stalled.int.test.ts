import type { ChildProcess } from 'node:child_process';
import { afterEach, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.js';
import { type Running, startRoles } from '../../src/main.js';
import { testCommands, testJobs } from '../fixtures/spine/sleep.js';
import { type Stack, startStack } from '../helpers/stack.js';
import { killHard, spawnWorker } from '../helpers/worker-procs.js';

const CHANNEL = 'C00NETOPS0';
let s: Stack | undefined;
let child: ChildProcess | undefined;
let other: Running | undefined;
afterEach(async () => {
  if (child) await killHard(child);
  await other?.stop(2_000);
  await s?.stop();
  s = other = child = undefined;
});

const states = () =>
  (s!.emu.calls ?? [])
    .filter((c) => c.method === 'chat.update' && c.status === 200)
    .map((c) => ({ at: c.at, text: String(c.args.text) }));

it('WORKER_LOCK_DURATION and WORKER_STALLED_INTERVAL bound how long a dead worker holds a job', async () => {
  // The environment sets the surviving worker's intervals; the killed one holds 1.5 s locks.
  s = await startStack({
    roles: ['bot'],
    env: { WORKER_LOCK_DURATION: '2s', WORKER_STALLED_INTERVAL: '1s' },
    start: { jobs: testJobs, commands: testCommands },
  });
  child = await spawnWorker(s.config);
  await s.emu.slashCommand({ command: '/net', text: 'sleep 4000', channelId: CHANNEL });
  await s.emu.waitFor((c) => c.method === 'chat.update' && /^running/.test(String(c.args.text)), 15_000);
  // The survivor starts only now, so the job is surely the child's.
  other = await startRoles({
    config: s.config,
    role: 'worker',
    log: silentLogger,
    jobs: testJobs,
    loops: false,
  });
  expect(other.host!.workers.map((w) => [w.opts.lockDuration, w.opts.stalledInterval])).toContainEqual([
    2_000, 1_000,
  ]);
  const killedAt = Date.now();
  await killHard(child);
  const running = () => states().filter((x) => x.text.startsWith('running'));
  await expect.poll(() => running().length, { timeout: 20_000 }).toBe(2);
  // The dead worker's lock (1.5 s) + one stalled check (1 s), plus slack for a busy machine;
  // with the defaults (15 s + 5 s) a dead worker's job waits up to 20 s.
  expect(running()[1]!.at - killedAt).toBeLessThan(2_500 + 4_000);
  await expect
    .poll(() => states().filter((x) => x.text.startsWith('done')).length, { timeout: 20_000 })
    .toBe(1);
}, 60_000);

it('a job that loses its worker more often than allowed is failed with a clear message and audited', async () => {
  s = await startStack({ roles: ['bot'], start: { jobs: testJobs, commands: testCommands } });
  // maxStalledCount 0: the first lost worker is already one too many (as for a job that crashes it).
  child = await spawnWorker(s.config, { maxStalledCount: 0 });
  await s.emu.slashCommand({ command: '/net', text: 'sleep 5000', channelId: CHANNEL });
  await s.emu.waitFor((c) => c.method === 'chat.update' && /^running/.test(String(c.args.text)), 15_000);
  await killHard(child);
  child = undefined;
  other = await startRoles({
    config: s.config,
    role: 'worker',
    log: silentLogger,
    jobs: testJobs,
    loops: false,
    lockDurationMs: 1_500,
    stalledIntervalMs: 1_000,
    maxStalledCount: 0,
  });
  const failed = await s.emu.waitFor(
    (c) => c.method === 'chat.update' && /^failed/.test(String(c.args.text)),
    20_000,
  );
  expect(String(failed.args.text)).toMatch(
    /worker running this job died once before it finished, so it was not tried again/,
  );
  await new Promise((r) => setTimeout(r, 500));
  expect(states().map((x) => x.text.split(':')[0])).toEqual(['running', 'failed']);
  expect(
    s.emu.calls.filter((c) => c.method === 'chat.postMessage' && /woke up/.test(JSON.stringify(c.args))),
  ).toEqual([]);
  const { rows } = await s.db.pool.query(
    "SELECT status, error_code, finished_at IS NOT NULL AS finished FROM audit WHERE command = 'sleep'",
  );
  expect(rows).toEqual([{ status: 'failed', error_code: 'NETOPS_JOB_STALLED', finished: true }]);
}, 60_000);
