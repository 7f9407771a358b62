import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Fleet, fleetAccess, startFleet } from '../../src/lab/fleet/index.js';
import { silentLogger } from '../../src/log.js';
import { type Running, startRoles } from '../../src/main.js';
import { type Stack, startStack } from '../helpers/stack.js';

const ALERTS = 'C0INCIDENT';
const TOKEN = 'am-webhook-token-for-tests';
let fleet: Fleet;
let s: Stack;
let bot2: Running | undefined;
let iface: string;
let secretsEnv: Record<string, string>;

beforeAll(async () => {
  fleet = await startFleet({
    devices: [
      { name: 'core1', vendor: 'cisco_iosxe', seed: 11 },
      { name: 'edge1', vendor: 'juniper_junos', seed: 12 },
    ],
  });
  const access = fleetAccess(fleet);
  iface = fleet.devices[0]!.sim.showContext().ifaces.find((i) => /Gigabit|Ethernet/.test(i.name))!.name;
  secretsEnv = {
    ...access.env,
    NETOPS_SECRET_AM_HOOK: TOKEN,
    NETOPS_SECRET_GEN_HOOK: 'generic-hmac-secret',
  };
  // Grafana's key comes from the credentials file, not the environment: both are the resolver's.
  const credentialsFile = join(mkdtempSync(join(tmpdir(), 'netops-creds-')), 'credentials.yaml');
  writeFileSync(credentialsFile, 'graf-hook:\n  secret: grafana-hmac-secret\n');
  s = await startStack({
    devices: access.devices,
    extraYaml: {
      channels: { ops: 'C00NETOPS0', alerts: ALERTS },
      incidents: {
        sources: {
          alertmanager: { auth: 'bearer', secret: 'am-hook' },
          generic: { auth: 'hmac', secret: 'gen-hook' },
          grafana: {
            auth: 'hmac',
            secret: 'graf-hook',
            header: 'X-Grafana-Alerting-Signature',
            timestampHeader: 'X-Grafana-Alerting-Signature-Timestamp',
          },
        },
        pace: 50,
      },
      policy: {
        grants: [
          { role: 'operator', users: ['U0000ONCALL'] },
          { role: 'viewer', users: ['U0000VIEWER'] },
        ],
      },
    },
    env: { NETOPS_CREDENTIALS_FILE: credentialsFile },
    start: { secretsEnv },
  });
}, 90_000);

afterAll(async () => {
  await bot2?.stop(1_000);
  await s?.stop();
  await fleet?.stop();
});

const botUrl = (bot = s.bot!) => `http://127.0.0.1:${bot.port}`;

function amPayload(alerts: Array<Record<string, unknown>>, status = 'firing') {
  return {
    version: '4',
    groupKey: '{}:{alertname="InterfaceDown"}',
    truncatedAlerts: 0,
    status,
    receiver: 'netops',
    groupLabels: { alertname: 'InterfaceDown' },
    commonLabels: {},
    commonAnnotations: {},
    externalURL: 'http://alertmanager.invalid',
    alerts,
  };
}

const post = (body: unknown, headers: Record<string, string> = {}, url = `${botUrl()}/alerts/alertmanager`) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}`, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

const parents = () =>
  s.emu.calls.filter(
    (c) => c.method === 'chat.postMessage' && c.args.channel === ALERTS && !c.args.thread_ts,
  );

async function until<T>(fn: () => T | undefined | Promise<T | undefined>, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v as T;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}

const count = async (sql: string) => Number((await s.db.pool.query(sql)).rows[0].n);

it('an Alertmanager alert opens one thread whose diagnostics ran on the device', async () => {
  const alert = {
    status: 'firing',
    labels: { alertname: 'InterfaceDown', device: 'core1', interface: iface, severity: 'critical' },
    annotations: { summary: `${iface} is down` },
    startsAt: new Date().toISOString(),
    endsAt: '0001-01-01T00:00:00Z',
    fingerprint: 'fp-core1-if',
  };
  const res = await post(amPayload([alert]));
  expect(res.status).toBe(200);
  const parent = await until(() =>
    parents().find((c) => /Incident #\d+: InterfaceDown on core1/.test(String(c.args.text))),
  );
  const ts = String(parent.response?.ts ?? (parent as { ts?: string }).ts ?? '');
  const inThread = () => s.emu.calls.filter((c) => c.args.channel === ALERTS && c.args.thread_ts);
  // what changed comes first, then each vendor command's output
  await until(() => inThread().find((c) => /What changed/.test(String(c.args.text))));
  await until(() => inThread().find((c) => /show ip interface brief/.test(JSON.stringify(c.args))), 30_000);
  await until(() => inThread().find((c) => /anomalies on core1/i.test(JSON.stringify(c.args))), 30_000);
  await until(
    () =>
      inThread().find((c) =>
        new RegExp(`show interfaces ${iface.replace(/\//g, '\\/')}`).test(JSON.stringify(c.args)),
      ),
    30_000,
  );
  expect(ts === '' || inThread().every((c) => c.args.thread_ts === ts)).toBe(true);

  // the same alert again: no second thread
  const again = await post(amPayload([alert]));
  expect(again.status).toBe(200);
  expect(((await again.json()) as { unchanged: number }).unchanged).toBe(1);
  await new Promise((r) => setTimeout(r, 1_500));
  expect(parents().filter((c) => /InterfaceDown on core1/.test(String(c.args.text)))).toHaveLength(1);

  // resolved: the parent is edited and a summary posted
  const resolved = await post(
    amPayload([{ ...alert, status: 'resolved', endsAt: new Date().toISOString() }], 'resolved'),
  );
  expect(resolved.status).toBe(200);
  await until(() =>
    s.emu.calls.find(
      (c) => c.method === 'chat.update' && c.args.channel === ALERTS && /resolved/.test(String(c.args.text)),
    ),
  );
  await until(() =>
    inThread().find((c) =>
      /Resolved: every alert resolved\. Time to acknowledge: never acknowledged/.test(String(c.args.text)),
    ),
  );
}, 90_000);

it('resolved arriving before firing: recorded resolved, and the late firing does not reopen it', async () => {
  const start = new Date(Date.now() - 60_000);
  const base = {
    labels: { alertname: 'BgpSessionDown', device: 'edge1', peer: '192.0.2.9' },
    annotations: {},
    startsAt: start.toISOString(),
    fingerprint: 'fp-edge1-bgp',
  };
  expect(
    (await post(amPayload([{ ...base, status: 'resolved', endsAt: new Date().toISOString() }], 'resolved')))
      .status,
  ).toBe(200);
  expect(
    (await post(amPayload([{ ...base, status: 'firing', endsAt: '0001-01-01T00:00:00Z' }]))).status,
  ).toBe(200);
  const rows = await s.db.pool.query(
    `SELECT i.state, a.status FROM incidents i JOIN incident_alerts a ON a.incident_id = i.id WHERE a.fingerprint = 'fp-edge1-bgp'`,
  );
  expect(rows.rows).toEqual([{ state: 'resolved', status: 'resolved' }]);
});

it('forged, oversized and malformed requests are refused and store nothing', async () => {
  const before = await count('SELECT count(*) AS n FROM incident_alerts');
  const good = amPayload([
    {
      status: 'firing',
      labels: { alertname: 'X', device: 'core1' },
      startsAt: new Date().toISOString(),
      fingerprint: 'fp-x',
    },
  ]);
  expect((await post(good, { authorization: 'Bearer wrong' })).status).toBe(401);
  expect((await post(good, { authorization: '' })).status).toBe(401);
  expect((await post('{not json')).status).toBe(400);
  const bad = await post({ ...good, alerts: [{ labels: 'x' }] });
  expect(bad.status).toBe(400);
  expect(((await bad.json()) as { problems: string[] }).problems.length).toBeGreaterThan(0);
  expect((await post(good, { 'content-type': 'text/plain' })).status).toBe(415);
  const huge = await post({ ...good, pad: 'x'.repeat(1_200_000) });
  expect(huge.status).toBe(413);
  // generic source: HMAC; a wrong digest is refused
  const gen = await fetch(`${botUrl()}/alerts/generic`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-netops-signature': 'sha256=00' },
    body: JSON.stringify({ alerts: [{ name: 'Y', device: 'core1' }] }),
  });
  expect(gen.status).toBe(401);
  // a source that is not enabled
  expect((await post(good, {}, `${botUrl()}/alerts/nonesuch`)).status).toBe(404);
  expect(await count('SELECT count(*) AS n FROM incident_alerts')).toBe(before);
});

it('two bot processes receiving the same new alert at once open one incident and one thread', async () => {
  bot2 = await startRoles({ config: s.config, role: 'bot', log: silentLogger, secretsEnv });
  const alert = {
    status: 'firing',
    labels: { alertname: 'DeviceDown', device: 'edge1' },
    annotations: { summary: 'edge1 unreachable' },
    startsAt: new Date().toISOString(),
    fingerprint: 'fp-edge1-down',
  };
  const results = await Promise.all([
    post(amPayload([alert])),
    post(amPayload([alert]), {}, `${botUrl(bot2)}/alerts/alertmanager`),
    post(amPayload([alert])),
    post(amPayload([alert]), {}, `${botUrl(bot2)}/alerts/alertmanager`),
  ]);
  expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200]);
  expect(
    await count(`SELECT count(*) AS n FROM incidents WHERE key = 'device:edge1' AND state <> 'resolved'`),
  ).toBe(1);
  await until(() => parents().find((c) => /DeviceDown on edge1/.test(String(c.args.text))));
  await new Promise((r) => setTimeout(r, 2_000));
  expect(parents().filter((c) => /DeviceDown on edge1/.test(String(c.args.text)))).toHaveLength(1);
});

it('Acknowledge: a viewer is refused privately, an operator acknowledges and the parent says by whom', async () => {
  const { rows } = await s.db.pool.query(
    `SELECT id::text, thread_ts FROM incidents WHERE key = 'device:edge1' AND state <> 'resolved'`,
  );
  const { id, thread_ts } = rows[0] as { id: string; thread_ts: string };
  const click = (user: string) =>
    s.emu.interaction({
      type: 'block_actions',
      user: { id: user },
      channel: { id: ALERTS },
      container: { type: 'message', channel_id: ALERTS, message_ts: thread_ts },
      message: { ts: thread_ts, text: 'incident' },
      actions: [{ type: 'button', action_id: 'incident.ack', block_id: `incident-${id}`, value: id }],
    });
  await click('U0000VIEWER');
  await until(() =>
    s.emu.calls.find(
      (c) =>
        c.method === 'chat.postEphemeral' &&
        c.args.user === 'U0000VIEWER' &&
        /incident\.ack/.test(String(c.args.text)),
    ),
  );
  expect((await s.db.pool.query('SELECT state FROM incidents WHERE id = $1', [id])).rows[0].state).toBe(
    'firing',
  );
  await click('U0000ONCALL');
  await until(() =>
    s.emu.calls.find(
      (c) =>
        c.method === 'chat.update' &&
        c.args.ts === thread_ts &&
        /acknowledged/.test(JSON.stringify(c.args.blocks)) &&
        /U0000ONCALL/.test(JSON.stringify(c.args.blocks)),
    ),
  );
});

it('a recorded Grafana alert, signed as Grafana signs it (HMAC over timestamp:body), opens its thread; a replayed old signature is refused', async () => {
  const body = readFileSync(new URL('../fixtures/alerts/grafana-firing.json', import.meta.url), 'utf8')
    .replaceAll('GigabitEthernet1/0/1', iface)
    .replace('2026-11-29T10:05:00Z', new Date().toISOString());
  const sign = (ts: number) => ({
    'content-type': 'application/json',
    'X-Grafana-Alerting-Signature-Timestamp': String(ts),
    'X-Grafana-Alerting-Signature': createHmac('sha256', 'grafana-hmac-secret')
      .update(`${ts}:${body}`)
      .digest('hex'),
  });
  const url = `${botUrl()}/alerts/grafana`;
  const old = await fetch(url, {
    method: 'POST',
    headers: sign(Math.floor(Date.now() / 1000) - 3_600),
    body,
  });
  expect(old.status).toBe(401);
  const res = await fetch(url, { method: 'POST', headers: sign(Math.floor(Date.now() / 1000)), body });
  const answer = (await res.json()) as { incidents: string[] };
  expect(res.status, JSON.stringify(answer)).toBe(200);
  expect(answer.incidents).toHaveLength(1);
  await until(() => parents().find((c) => /High interface utilisation on core1/.test(String(c.args.text))));
});

it('topology: a neighbour’s interface-down joins the incident of the device that is down', async () => {
  await s.db.pool.query(
    `INSERT INTO device_links (device, interface, neighbor, neighbor_interface) VALUES ('core1', $1, 'edge1', 'ge-0/0/0')`,
    [iface],
  );
  // edge1 is down (the DeviceDown incident above is still open): core1's link towards it goes down.
  const res = await post(
    amPayload([
      {
        status: 'firing',
        labels: { alertname: 'InterfaceDown', device: 'core1', interface: iface },
        startsAt: new Date().toISOString(),
        fingerprint: 'fp-core1-link-to-edge1',
      },
    ]),
  );
  expect(res.status).toBe(200);
  const { rows } = await s.db.pool.query(
    `SELECT i.key FROM incident_alerts a JOIN incidents i ON i.id = a.incident_id WHERE a.fingerprint = 'fp-core1-link-to-edge1'`,
  );
  expect(rows).toEqual([{ key: 'device:edge1' }]);
});

it('a storm of 300 alerts over six devices makes six incidents and loses no alert', async () => {
  const devicesN = ['s1', 's2', 's3', 's4', 's5', 's6'];
  // No group key (the sender did not group): alerts about unknown hosts group by host.
  const batches = Array.from({ length: 30 }, (_, b) => ({
    ...amPayload(
      Array.from({ length: 10 }, (_, k) => {
        const n = b * 10 + k;
        return {
          status: 'firing',
          labels: { alertname: 'PortErrors', device: `unknown-${devicesN[n % 6]}`, port: `p${n}` },
          startsAt: new Date().toISOString(),
          fingerprint: `storm-${n}`,
        };
      }),
    ),
    groupKey: undefined,
  }));
  const results = await Promise.all(batches.map((b) => post(b)));
  expect(results.every((r) => r.status === 200)).toBe(true);
  expect(await count(`SELECT count(*) AS n FROM incident_alerts WHERE fingerprint LIKE 'storm-%'`)).toBe(300);
  expect(
    await count(
      `SELECT count(DISTINCT incident_id) AS n FROM incident_alerts WHERE fingerprint LIKE 'storm-%'`,
    ),
  ).toBe(6);
});
