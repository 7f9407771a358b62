import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeTcpPort } from './alertmanager.js';
import { stopChild } from './child.js';

/** Debian's package name for the single-node binary. */
export const VICTORIA_BIN = '/usr/bin/victoria-metrics';

export interface LabVictoria {
  /** http://127.0.0.1:<port> */
  readonly url: string;
  /** Its data directory (a temporary one, removed on stop). */
  readonly dir: string;
  stop(): Promise<void>;
}

/**
 * A real single-node VictoriaMetrics on loopback for tests and benchmarks: data in a temporary
 * directory, kept for ever (samples from any date are accepted), errors only in its log.
 */
export async function startVictoria(
  options: { binary?: string; stderr?: 'inherit' | 'ignore'; dirPrefix?: string } = {},
): Promise<LabVictoria> {
  const dir = mkdtempSync(join(tmpdir(), options.dirPrefix ?? 'netops-vm-'));
  const port = await freeTcpPort();
  const child: ChildProcess = spawn(
    options.binary ?? VICTORIA_BIN,
    [
      `-storageDataPath=${dir}`,
      `-httpListenAddr=127.0.0.1:${port}`,
      '-retentionPeriod=100y',
      '-loggerLevel=ERROR',
    ],
    { stdio: ['ignore', 'ignore', options.stderr ?? 'ignore'] },
  );
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    // Its data directory goes only after it has exited: it writes caches there on the way out, and
    // removing them under it fails with ENOTEMPTY (seen in CI on a loaded machine).
    await stopChild(child, 15_000);
    rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  };
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`victoria-metrics exited at start (code ${child.exitCode})`);
    }
    const ok = await fetch(`${url}/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error('victoria-metrics did not answer /health within 20 s');
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, dir, stop };
}
