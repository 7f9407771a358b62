import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stopChild } from './child.js';

/** Debian's package name for the binary. */
export const ALERTMANAGER_BIN = '/usr/bin/prometheus-alertmanager';

export interface LabAlertmanager {
  /** http://127.0.0.1:<port> */
  readonly url: string;
  /** Fires (or resolves, with endsAt in the past) alerts through Alertmanager's API v2. */
  push(alerts: AlertmanagerAlert[]): Promise<void>;
  stop(): Promise<void>;
}

export interface AlertmanagerAlert {
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  startsAt?: string;
  endsAt?: string;
  generatorURL?: string;
}

export interface StartAlertmanagerOptions {
  /** Where Alertmanager sends its webhooks (the bot's alert intake). */
  webhookUrl: string;
  /** Sent as `Authorization: Bearer …` on every webhook (the intake's bearer secret). */
  bearerToken?: string;
  /** Listen here (the bot's config names Alertmanager's URL before it starts); a free one if absent. */
  port?: number;
  binary?: string;
  /** Short waits so a lab alert reaches the bot within seconds, not Alertmanager's 30 s default. */
  groupWait?: string;
  groupInterval?: string;
}

export function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Whether the lab can run a real Alertmanager here (else it posts in Alertmanager's format itself). */
export function alertmanagerAvailable(binary = ALERTMANAGER_BIN): boolean {
  return existsSync(binary);
}

/**
 * A real Alertmanager for the lab, on loopback, with one webhook receiver: the bot. Clustering off
 * (no gossip port), state in a temporary directory removed on stop.
 */
export async function startAlertmanager(options: StartAlertmanagerOptions): Promise<LabAlertmanager> {
  const dir = mkdtempSync(join(tmpdir(), 'netops-alertmanager-'));
  const port = options.port ?? (await freeTcpPort());
  const config = join(dir, 'alertmanager.yml');
  // The file holds the webhook's token: readable by this user only, removed on stop.
  writeFileSync(
    config,
    [
      'route:',
      '  receiver: netops-bot',
      "  group_by: ['alertname', 'device']",
      `  group_wait: ${options.groupWait ?? '2s'}`,
      `  group_interval: ${options.groupInterval ?? '10s'}`,
      '  repeat_interval: 1h',
      'receivers:',
      '  - name: netops-bot',
      '    webhook_configs:',
      `      - url: ${JSON.stringify(options.webhookUrl)}`,
      '        send_resolved: true',
      ...(options.bearerToken
        ? [
            '        http_config:',
            '          authorization:',
            `            credentials: ${JSON.stringify(options.bearerToken)}`,
          ]
        : []),
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  const child: ChildProcess = spawn(
    options.binary ?? ALERTMANAGER_BIN,
    [
      `--config.file=${config}`,
      `--storage.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=',
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`alertmanager exited (${child.exitCode}): ${stderr}`);
    try {
      const r = await fetch(`${url}/-/ready`);
      if (r.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGTERM');
      throw new Error(`alertmanager not ready within 15 s: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    async push(alerts) {
      const r = await fetch(`${url}/api/v2/alerts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(alerts),
      });
      if (!r.ok) throw new Error(`alertmanager refused the alerts: HTTP ${r.status} ${await r.text()}`);
    },
    async stop() {
      await stopChild(child, 5_000);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
