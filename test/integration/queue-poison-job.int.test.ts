import type { ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { freezeCommands, freezeJobs } from '../fixtures/spine/freeze.js';
import { type Stack, startStack } from '../helpers/stack.js';
import { forkWorkerNoWait, killHard } from '../helpers/worker-procs.js';

const CHANNEL = 'C00NETOPS0';

describe('regression: a poison job was retried by every worker forever', () => {
  let s: Stack | undefined;
  const children: ChildProcess[] = [];
  afterEach(async () => {
    await Promise.all(children.map(killHard));
    children.length = 0;
    await s?.stop();
    s = undefined;
  });

  it('a job that freezes its worker every time fails after a bounded number of stalls, with a clear message', async () => {
    s = await startStack({ roles: ['bot'], start: { jobs: freezeJobs, commands: freezeCommands } });
    await s.emu.slashCommand({ command: '/net', text: 'freeze', channelId: CHANNEL });
    const running = () =>
      s!.emu.calls.filter((c) => c.method === 'chat.update' && /^running/.test(String(c.args.text))).length;
    const failed = () =>
      s!.emu.calls.find((c) => c.method === 'chat.update' && /^failed/.test(String(c.args.text)));
    // Each worker takes the job and freezes; killing it is what an operator (or the OOM killer) does.
    for (let round = 0; round < 6 && !failed(); round++) {
      const seen = running();
      // No "ready" handshake: the worker may take the job and freeze before it could send one.
      const w = forkWorkerNoWait(s.config, {}, { jobs: 'freeze' });
      children.push(w);
      await expect
        .poll(() => running() > seen || failed() !== undefined, { timeout: 30_000, interval: 100 })
        .toBe(true);
      await killHard(w);
    }
    const f = failed();
    expect(f, 'the job never failed').toBeDefined();
    expect(running()).toBe(3); // the first run and two retries after a stall; then it is failed
    expect(JSON.stringify(f!.args)).toMatch(/died 3 times before it finished, so it was not tried again/);
    const { rows } = await s.db.pool.query(
      "SELECT status, error_code FROM audit WHERE job_name = 'test.freeze'",
    );
    expect(rows).toEqual([{ status: 'failed', error_code: 'NETOPS_JOB_STALLED' }]);
  }, 120_000);
});
