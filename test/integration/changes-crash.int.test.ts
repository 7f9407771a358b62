import { type ChildProcess, fork } from 'node:child_process';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { normalise, rulesFor } from '../../src/configs/index.js';
import { type Fleet, fleetAccess, startFleet } from '../../src/lab/fleet/index.js';
import { silentLogger } from '../../src/log.js';
import { type Running, startRoles } from '../../src/main.js';
import { ALICE, BOB, changeDriver } from '../helpers/changes.js';
import { type Stack, startStack } from '../helpers/stack.js';

/**
 * Exactly once: the worker applying a change is SIGKILLed after the commit and before the confirm.
 * The device's own commit-confirmed timer takes the change back, the job's next run (another worker)
 * reconciles instead of applying again, and the change ends `rolled_back`.
 */
const WORKER = new URL('../fixtures/changes/worker-proc.ts', import.meta.url).pathname;
let fleet: Fleet;
let s: Stack;
let env: Record<string, string>;
let child: ChildProcess | undefined;
let second: Running | undefined;

beforeAll(async () => {
  // A device minute of 3 s: the 1-minute confirm window ends 3 s after the commit.
  fleet = await startFleet({
    devices: [
      { name: 'jun9', vendor: 'juniper_junos' },
      { name: 'nx9', vendor: 'cisco_nxos' },
    ],
    minuteMs: 3_000,
  });
  const access = fleetAccess(fleet, { pinHostKeys: true });
  env = access.env;
  s = await startStack({
    roles: ['bot'],
    devices: access.devices,
    extraYaml: {
      // A long soak holds the worker between commit and post-checks: the moment to kill it.
      changes: { soak: '20s' },
      policy: {
        grants: [
          { role: 'operator', users: [ALICE] },
          { role: 'approver', users: [BOB] },
        ],
      },
    },
  });
}, 60_000);

afterAll(async () => {
  child?.kill('SIGKILL');
  await second?.stop(2_000);
  await s?.stop();
  await fleet?.stop();
});

async function spawnWorker(): Promise<ChildProcess> {
  const c = fork(WORKER, [], {
    execArgv: ['--import', 'tsx'],
    env: {
      ...process.env,
      NETOPS_TEST_CONFIG: JSON.stringify(s.config),
      NETOPS_TEST_SECRETS: JSON.stringify(env),
    },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  await new Promise<void>((resolve, reject) => {
    c.once('message', () => resolve());
    c.once('exit', (code) => reject(new Error(`worker exited early (${code})`)));
  });
  return c;
}

/** Waits until the device holds the change inside its window, then kills the worker. */
async function killWhenCommitted(d: ReturnType<typeof changeDriver>, id: string) {
  for (let i = 0; ; i++) {
    const rows = await d.devices(id);
    if (rows[0]?.state === 'committed') break;
    if (i > 300) throw new Error(`never committed: ${JSON.stringify(rows)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  child!.kill('SIGKILL');
  await new Promise((r) => child!.once('exit', r));
}

/** Another worker, which picks the stalled job up. */
const startSecond = () =>
  startRoles({
    config: s.config,
    role: 'worker',
    log: silentLogger,
    secretsEnv: env,
    loops: false,
    lockDurationMs: 1_500,
    stalledIntervalMs: 1_000,
  });

it('worker SIGKILLed between commit and confirm → the device rolls back, no second apply, state rolled_back', async () => {
  child = await spawnWorker();
  const d = changeDriver(s.emu, s.db.pool);
  const sim = fleet.get('jun9').sim;
  const before = normalise(fleet.get('jun9').runningConfig(), rulesFor('juniper_junos'));
  const { id, card } = await d.request('jun9', {
    lines: 'set system ntp server 10.99.9.9',
    reason: 'crash test',
    rollback: '1',
  });
  await d.click('change.approve', card.value, card.ts, BOB);

  // Wait until the device holds the change inside its window, then kill the worker.
  await killWhenCommitted(d, id);
  expect(fleet.get('jun9').runningConfig()).toContain('10.99.9.9');
  expect(sim.pendingRollback).not.toBeNull();

  // Another worker picks the stalled job up.
  second = await startSecond();
  const end = await d.settle(id, 60_000);
  expect(end.state).toBe('rolled_back');
  expect(end.detail).toMatch(/nothing was applied twice/);
  expect(end.detail).toMatch(/back on the backup: its confirm timer rolled it back/);
  expect(normalise(fleet.get('jun9').runningConfig(), rulesFor('juniper_junos'))).toBe(before);
  // Applied once: exactly one commit in the device's history ever held the line.
  expect(sim.junosHistory.filter((h) => h.includes('set system ntp server 10.99.9.9'))).toHaveLength(1);
  expect((await d.devices(id))[0]!.state).toBe('rolled_back');
  expect((await s.db.pool.query('SELECT count(*)::int AS n FROM change_locks')).rows[0].n).toBe(0);
}, 120_000);

it('the same on NX-OS (emulated window): recovery restores the checkpoint at once, nothing applied twice', async () => {
  await second?.stop(2_000);
  second = undefined;
  child = await spawnWorker();
  const d = changeDriver(s.emu, s.db.pool);
  const before = normalise(fleet.get('nx9').runningConfig(), rulesFor('cisco_nxos'));
  const { id, card } = await d.request('nx9', {
    lines: 'ntp server 10.99.8.8',
    reason: 'crash test nx',
    rollback: '1',
  });
  const commits: string[] = [];
  const off = fleet.get('nx9').sim.onSyslog((ev) => {
    if (ev.kind === 'config') commits.push(ev.line);
  });
  await d.click('change.approve', card.value, card.ts, BOB);
  await killWhenCommitted(d, id);
  expect(fleet.get('nx9').runningConfig()).toContain('10.99.8.8');
  second = await startSecond();
  const end = await d.settle(id, 60_000);
  off();
  expect(end.state).toBe('rolled_back');
  expect(end.detail).toMatch(/restored to the backup by recovery \(emulated confirm window\)/);
  expect(normalise(fleet.get('nx9').runningConfig(), rulesFor('cisco_nxos'))).toBe(before);
  // The apply and the checkpoint rollback: two config events, never a second apply.
  expect(commits).toHaveLength(2);
}, 120_000);
