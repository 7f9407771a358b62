import { type ChildProcess, fork } from 'node:child_process';
import { cpSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import type { Config } from '../../src/config.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const WORKER = new URL('../fixtures/spine/worker-proc.ts', import.meta.url).pathname;
const BOT = new URL('../fixtures/spine/bot-proc.ts', import.meta.url).pathname;

let compiled: string | undefined;

/**
 * The worker fixture and all it imports as plain JS (esbuild, file by file, as tsx would, once per
 * process) under .tmp/, beside node_modules: a worker then starts without compiling TypeScript,
 * which is most of its start-up on a busy machine. Returns the fixture's path.
 */
export function compiledWorker(): string {
  if (compiled) return compiled;
  const out = join(ROOT, '.tmp', `worker-js-${process.pid}`);
  const entryPoints = ['src', 'commands', 'jobs', 'test/fixtures/spine'].flatMap((dir) =>
    (readdirSync(join(ROOT, dir), { recursive: true }) as string[])
      .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
      .map((f) => join(ROOT, dir, f)),
  );
  buildSync({
    entryPoints,
    outdir: out,
    outbase: ROOT,
    bundle: false,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    logLevel: 'error',
  });
  cpSync(join(ROOT, 'src/storage/migrations'), join(out, 'src/storage/migrations'), { recursive: true });
  process.once('exit', () => rmSync(out, { recursive: true, force: true }));
  compiled = join(out, 'test/fixtures/spine/worker-proc.js');
  return compiled;
}

export interface WorkerProcOptions {
  /** Which test jobs the worker knows: `sleep` (default) or `freeze` (the poison job). */
  jobs?: 'sleep' | 'freeze';
  /** Load the modules, then wait for `activate` (createStandbyPool). */
  standby?: boolean;
  /** Run the fixture compiled to JS (compiledWorker) instead of through tsx: starts much sooner. */
  compiled?: boolean;
}

function forkWorker(
  config: Config,
  start: Record<string, unknown>,
  options: WorkerProcOptions = {},
): ChildProcess {
  return fork(options.compiled ? compiledWorker() : WORKER, [], {
    execArgv: options.compiled ? [] : ['--import', 'tsx'],
    env: {
      ...process.env,
      NETOPS_TEST_CONFIG: JSON.stringify(config),
      NETOPS_TEST_START: JSON.stringify(start),
      NETOPS_TEST_JOBS: options.jobs ?? 'sleep',
      ...(options.standby ? { NETOPS_TEST_STANDBY: '1' } : {}),
    },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
}

function nextMessage(child: ChildProcess): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null, signal: string | null) =>
      reject(new Error(`worker exited early (${code ?? signal})`));
    child.once('exit', onExit);
    child.once('message', () => {
      child.off('exit', onExit);
      resolve(child);
    });
  });
}

/**
 * A worker role in its own process (test jobs registered), so a test can SIGKILL it mid-job.
 * `start` adds startRoles options (JSON-safe), e.g. { maxStalledCount: 10 }. Resolves once the
 * worker takes jobs.
 */
export function spawnWorker(
  config: Config,
  start: Record<string, unknown> = {},
  options: Omit<WorkerProcOptions, 'standby'> = {},
): Promise<ChildProcess> {
  return nextMessage(forkWorker(config, start, options));
}

/**
 * The same, without waiting for it to say it is ready: a worker that takes a job which blocks its
 * event loop (the poison job) may never get to say so.
 */
export function forkWorkerNoWait(
  config: Config,
  start: Record<string, unknown> = {},
  options: Omit<WorkerProcOptions, 'standby'> = {},
): ChildProcess {
  return forkWorker(config, start, options);
}

/** The bot role (test commands registered) in its own process; resolves with its HTTP port. */
export function spawnBot(
  config: Config,
  start: Record<string, unknown> = {},
): Promise<{ child: ChildProcess; port: number }> {
  const child = fork(BOT, [], {
    execArgv: ['--import', 'tsx'],
    env: {
      ...process.env,
      NETOPS_TEST_CONFIG: JSON.stringify(config),
      NETOPS_TEST_START: JSON.stringify(start),
    },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code, signal) => reject(new Error(`bot exited early (${code ?? signal})`)));
    child.once('message', (m) => resolve({ child, port: (m as { port: number }).port }));
  });
}

/**
 * Worker processes that have loaded their modules but not started: loading takes seconds on a
 * busy machine, so a test that kills workers often replaces each one from here at once.
 */
export function createStandbyPool(
  config: Config,
  start: Record<string, unknown>,
  size: number,
  options: Pick<WorkerProcOptions, 'compiled'> = {},
) {
  const ready: ChildProcess[] = [];
  const all = new Set<ChildProcess>();
  let loading = 0;
  let closed = false;
  const refill = () => {
    // Two at a time: loading is CPU-bound, more at once only slows the machine down.
    while (!closed && ready.length + loading < size && loading < 2) {
      loading++;
      const child = forkWorker(config, start, { ...options, standby: true });
      all.add(child);
      nextMessage(child).then(
        (c) => {
          loading--;
          ready.push(c);
          refill();
        },
        () => {
          loading--;
          refill();
        },
      );
    }
  };
  refill();
  return {
    /** Processes created so far (to kill at the end). */
    all,
    get ready() {
      return ready.length;
    },
    /** Starts the worker role in a loaded process; resolves once it takes jobs. */
    async activate(): Promise<ChildProcess> {
      while (!ready.length) await new Promise((r) => setTimeout(r, 50));
      const child = ready.shift()!;
      refill();
      const started = nextMessage(child);
      child.send('start');
      return started;
    },
    close() {
      closed = true;
    },
  };
}

export async function killHard(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}
