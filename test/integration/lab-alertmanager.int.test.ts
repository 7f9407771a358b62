import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  alertmanagerAvailable,
  type LabAlertmanager,
  startAlertmanager,
} from '../../src/lab/alertmanager.js';
import { startScenarioLoop } from '../../src/lab/scenario.js';
import { type SimSite, startSimSite } from '../../src/lab/sim-site.js';

// The lab's alerts through Debian's real Alertmanager: fired over its API v2, grouped, and delivered
// to a webhook in the format the bot's alert intake will read. The webhook here records, and
// answers 404 until told otherwise, as the bot does while it has no intake.
let am: LabAlertmanager;
let site: SimSite;
let hook: Server;
let status = 200;
const received: Array<Record<string, unknown>> = [];
const auth: string[] = [];
let url = '';

beforeAll(async () => {
  if (!alertmanagerAvailable())
    throw new Error('prometheus-alertmanager is not installed (scripts/setup-system.sh)');
  hook = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => {
      body += d;
    });
    req.on('end', () => {
      auth.push(String(req.headers.authorization));
      received.push(JSON.parse(body || '{}'));
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/alerts/alertmanager`;
  am = await startAlertmanager({ webhookUrl: url, groupWait: '1s', bearerToken: 'lab-alert-token' });
  site = await startSimSite({
    devices: [
      { name: 'core1-ams', vendor: 'cisco_iosxe' },
      { name: 'edge1-fra', vendor: 'juniper_junos' },
      { name: 'core2-ams', vendor: 'arista_eos' },
    ],
  });
}, 60_000);

afterAll(async () => {
  await am?.stop();
  await site?.stop();
  await new Promise((r) => hook?.close(r));
});

it('an alert fired by the lab reaches the webhook through Alertmanager, in its version 4 format', async () => {
  const said: string[] = [];
  const loop = startScenarioLoop({
    site,
    say: (l) => said.push(l),
    alertUrl: url,
    alertmanager: am,
    colleagueEveryMs: 3_600_000,
    alertEveryMs: 500,
  });
  try {
    await expect
      .poll(() => received.find((p) => Array.isArray(p.alerts) && (p.alerts as unknown[]).length > 0), {
        timeout: 20_000,
        interval: 200,
      })
      .toBeTruthy();
  } finally {
    loop.stop();
  }
  const p = received.find((x) => (x.alerts as unknown[]).length > 0) as {
    version: string;
    status: string;
    receiver: string;
    alerts: Array<{ status: string; labels: Record<string, string>; annotations: Record<string, string> }>;
  };
  expect(p.version).toBe('4');
  expect(p.receiver).toBe('netops-bot');
  expect(p.status).toBe('firing');
  expect(p.alerts[0]!.labels).toMatchObject({ alertname: 'InterfaceSaturated', device: 'core1-ams' });
  expect(p.alerts[0]!.annotations.summary).toMatch(/core1-ams GigabitEthernet1\/0\/1 inbound above 95%/);
  expect(said.some((l) => /fired through Alertmanager/.test(l))).toBe(true);
  // The intake's bearer secret travels with Alertmanager's webhooks (the lab's own empty probe has none).
  expect(auth[received.indexOf(p)]).toBe('Bearer lab-alert-token');
});

it('while the bot has no alert intake (404), the lab says so once', async () => {
  status = 404;
  const said: string[] = [];
  const loop = startScenarioLoop({
    site,
    say: (l) => said.push(l),
    alertUrl: url,
    colleagueEveryMs: 3_600_000,
    alertEveryMs: 200,
  });
  try {
    await expect.poll(() => said.length, { timeout: 5_000, interval: 100 }).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 800));
  } finally {
    loop.stop();
  }
  expect(said.filter((l) => /no alert intake/.test(l))).toHaveLength(1);
  expect(said.some((l) => /sent \(HTTP/.test(l))).toBe(false);
});
