import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Fleet, fleetAccess, startFleet } from '../../src/lab/fleet/index.js';
import {
  fireAlerts,
  freeTcpPort,
  type RunningAlertmanager,
  startAlertmanager,
} from '../helpers/alertmanager.js';
import { type Stack, startStack } from '../helpers/stack.js';

// Debian's prometheus-alertmanager (0.25) routes alerts to the bot's webhook; its silences API takes
// the Silence button's silences.
const ALERTS = 'C0INCIDENT';
const TOKEN = 'real-alertmanager-bearer';
let fleet: Fleet;
let s: Stack;
let am: RunningAlertmanager;

beforeAll(async () => {
  fleet = await startFleet({ devices: [{ name: 'spine1', vendor: 'arista_eos', seed: 21 }] });
  const access = fleetAccess(fleet);
  const amPort = await freeTcpPort();
  s = await startStack({
    devices: access.devices,
    extraYaml: {
      channels: { ops: 'C00NETOPS0', alerts: ALERTS },
      incidents: {
        sources: { alertmanager: { auth: 'bearer', secret: 'am' } },
        alertmanager: { url: `http://127.0.0.1:${amPort}/` },
        pace: 50,
      },
    },
    start: { secretsEnv: { ...access.env, NETOPS_SECRET_AM: TOKEN } },
  });
  am = await startAlertmanager({
    port: amPort,
    webhookUrl: `http://127.0.0.1:${s.bot!.port}/alerts/alertmanager`,
    token: TOKEN,
  });
}, 90_000);

afterAll(async () => {
  await am?.stop();
  await s?.stop();
  await fleet?.stop();
});

async function until<T>(fn: () => T | undefined | Promise<T | undefined>, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 200));
  }
}

it('fire through Alertmanager → a thread with diagnostics; resolve → parent resolved with a summary', async () => {
  const labels = {
    alertname: 'InterfaceErrors',
    device: 'spine1',
    interface: 'Ethernet1',
    severity: 'warning',
  };
  const startsAt = new Date().toISOString();
  await fireAlerts(am.url, [{ labels, annotations: { summary: 'CRC errors rising' }, startsAt }]);
  const parent = await until(() =>
    s.emu.calls.find(
      (c) =>
        c.method === 'chat.postMessage' &&
        c.args.channel === ALERTS &&
        !c.args.thread_ts &&
        /InterfaceErrors on spine1/.test(String(c.args.text)),
    ),
  );
  const ts = String((parent.response as { ts?: string }).ts);
  await until(() =>
    s.emu.calls.find(
      (c) => c.args.thread_ts === ts && /show interfaces Ethernet1/.test(JSON.stringify(c.args)),
    ),
  );
  // Resolution from Prometheus' side: endsAt in the past; Alertmanager sends it (send_resolved).
  await fireAlerts(am.url, [{ labels, startsAt, endsAt: new Date().toISOString() }]);
  await until(() =>
    s.emu.calls.find(
      (c) => c.method === 'chat.update' && c.args.ts === ts && /resolved/.test(String(c.args.text)),
    ),
  );
  await until(() =>
    s.emu.calls.find(
      (c) => c.args.thread_ts === ts && /Resolved: every alert resolved/.test(String(c.args.text)),
    ),
  );
}, 90_000);

it("Silence 1 h creates a silence that Alertmanager reports, matching exactly the incident's alert", async () => {
  const labels = { alertname: 'BgpPeerDown', device: 'spine1', peer: '10.0.0.9', severity: 'critical' };
  await fireAlerts(am.url, [{ labels, startsAt: new Date().toISOString() }]);
  const parent = await until(() =>
    s.emu.calls.find(
      (c) =>
        c.method === 'chat.postMessage' &&
        !c.args.thread_ts &&
        /BgpPeerDown on spine1/.test(String(c.args.text)),
    ),
  );
  const ts = String((parent.response as { ts?: string }).ts);
  const { rows } = await s.db.pool.query('SELECT id::text FROM incidents WHERE thread_ts = $1', [ts]);
  const id = rows[0].id as string;
  await s.emu.interaction({
    type: 'block_actions',
    user: { id: 'U0000ALICE' },
    channel: { id: ALERTS },
    container: { type: 'message', channel_id: ALERTS, message_ts: ts },
    message: { ts, text: 'incident' },
    actions: [{ type: 'button', action_id: 'incident.silence.1h', block_id: `incident-${id}`, value: id }],
  });
  await until(() =>
    s.emu.calls.find(
      (c) => c.args.thread_ts === ts && /silenced 1 alert for 1 h/.test(JSON.stringify(c.args)),
    ),
  );
  const silences = (await (await fetch(`${am.url}api/v2/silences`)).json()) as Array<{
    status: { state: string };
    matchers: Array<{ name: string; value: string }>;
    createdBy: string;
  }>;
  const mine = silences.filter(
    (x) =>
      x.status.state === 'active' &&
      x.matchers.some((m) => m.name === 'alertname' && m.value === 'BgpPeerDown'),
  );
  expect(mine).toHaveLength(1);
  expect(mine[0]!.createdBy).toMatch(/U0000ALICE/);
  expect(mine[0]!.matchers.map((m) => m.name).sort()).toEqual(Object.keys(labels).sort());
}, 60_000);
