import { type ChildProcess, fork } from 'node:child_process';
import type { Config } from '../../src/config.js';

const WORKER = new URL('../fixtures/spine/worker-proc.ts', import.meta.url).pathname;

function forkWorker(config: Config, start: Record<string, unknown>, standby: boolean): ChildProcess {
  return fork(WORKER, [], {
    execArgv: ['--import', 'tsx'],
    env: {
      ...process.env,
      NETOPS_TEST_CONFIG: JSON.stringify(config),
      NETOPS_TEST_START: JSON.stringify(start),
      ...(standby ? { NETOPS_TEST_STANDBY: '1' } : {}),
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
 * `start` adds startRoles options (JSON-safe), e.g. { maxStalledCount: 10 }.
 */
export function spawnWorker(config: Config, start: Record<string, unknown> = {}): Promise<ChildProcess> {
  return nextMessage(forkWorker(config, start, false));
}

/**
 * Worker processes that have loaded their modules but not started: loading takes seconds on a
 * busy machine, so a test that kills workers often replaces each one from here at once.
 */
export function createStandbyPool(config: Config, start: Record<string, unknown>, size: number) {
  const ready: ChildProcess[] = [];
  const all = new Set<ChildProcess>();
  let loading = 0;
  let closed = false;
  const refill = () => {
    // Two at a time: loading is CPU-bound, more at once only slows the machine down.
    while (!closed && ready.length + loading < size && loading < 2) {
      loading++;
      const child = forkWorker(config, start, true);
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
