import type { ChildProcess } from 'node:child_process';

/**
 * Stops a server the lab started: SIGTERM, and SIGKILL if it has not exited within `graceMs`;
 * resolves once it has exited, so its files (a data directory it writes on the way out) can go.
 */
export async function stopChild(child: ChildProcess, graceMs = Number.POSITIVE_INFINITY): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  if (Number.isFinite(graceMs)) {
    const gone = await Promise.race([
      exited.then(() => true),
      new Promise<boolean>((r) => setTimeout(r, graceMs, false)),
    ]);
    if (gone) return;
    child.kill('SIGKILL');
  }
  await exited;
}
