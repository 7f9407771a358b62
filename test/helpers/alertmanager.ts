import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stopChild } from '../../src/lab/child.js';

export const ALERTMANAGER_BIN = ['/usr/bin/prometheus-alertmanager', '/usr/bin/alertmanager'].find((p) =>
  existsSync(p),
);

export function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

export interface RunningAlertmanager {
  url: string;
  stop(): Promise<void>;
}

/** A real Alertmanager (Debian's prometheus-alertmanager) on loopback, its webhook pointed at the bot. */
export async function startAlertmanager(options: {
  port: number;
  webhookUrl: string;
  token: string;
  groupBy?: string[];
}): Promise<RunningAlertmanager> {
  if (!ALERTMANAGER_BIN)
    throw new Error('prometheus-alertmanager is not installed (scripts/setup-system.sh installs it)');
  const dir = mkdtempSync(join(tmpdir(), 'netops-am-'));
  writeFileSync(
    join(dir, 'am.yml'),
    `route:
  receiver: netops
  group_by: [${(options.groupBy ?? ['alertname', 'device']).map((g) => `'${g}'`).join(', ')}]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: netops
    webhook_configs:
      - url: '${options.webhookUrl}'
        send_resolved: true
        http_config:
          authorization:
            type: Bearer
            credentials: '${options.token}'
`,
  );
  const proc: ChildProcess = spawn(
    ALERTMANAGER_BIN,
    [
      `--config.file=${join(dir, 'am.yml')}`,
      `--storage.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${options.port}`,
      '--cluster.listen-address=',
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  proc.stderr?.on('data', (d) => {
    stderr += String(d);
  });
  const url = `http://127.0.0.1:${options.port}/`;
  const end = Date.now() + 20_000;
  for (;;) {
    try {
      const r = await fetch(`${url}-/ready`);
      if (r.ok) break;
    } catch {}
    if (proc.exitCode !== null || Date.now() > end) {
      proc.kill('SIGKILL');
      throw new Error(`alertmanager did not start: ${stderr.slice(-500)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    async stop() {
      await stopChild(proc);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Posts alerts to Alertmanager's API, as Prometheus would. */
export async function fireAlerts(
  url: string,
  alerts: Array<{
    labels: Record<string, string>;
    annotations?: Record<string, string>;
    startsAt?: string;
    endsAt?: string;
  }>,
): Promise<void> {
  const r = await fetch(`${url}api/v2/alerts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(alerts),
  });
  if (!r.ok) throw new Error(`alertmanager refused alerts: ${r.status} ${await r.text()}`);
}
