/**
 * Alerts → incident threads, measured end to end on the simulated fleet:
 *  1. webhook → first diagnostics message in the thread (p50/p95) for incidents on real SSH devices;
 *  2. a storm: 1,000 alerts in 10 s (Alertmanager v4 payloads of 10) → alerts accepted per second,
 *     incidents created, alerts lost, and messages per channel per second as Slack sees them
 *     (pacing at Slack's ~1 message/s/channel; the busiest 10 s window and the busiest 1 s window).
 * Run: npx tsx bench/incidents.ts
 */
import { type Fleet, fleetAccess, startFleet } from '../src/lab/fleet/index.js';
import { type Stack, startStack } from '../test/helpers/stack.js';

const ALERTS = 'C0INCIDENT';
const TOKEN = 'bench-token';
const LATENCY_RUNS = Number(process.env.RUNS ?? 8);
const STORM_ALERTS = 1_000;
const STORM_SECONDS = 10;
const STORM_HOSTS = 12;

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? Number.NaN;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let fleet: Fleet | undefined;
let stack: Stack | undefined;
try {
  fleet = await startFleet({
    devices: [
      { name: 'core1', vendor: 'cisco_iosxe', seed: 1 },
      { name: 'core2', vendor: 'arista_eos', seed: 2 },
      { name: 'edge1', vendor: 'juniper_junos', seed: 3 },
      { name: 'leaf1', vendor: 'cisco_nxos', seed: 4 },
    ],
  });
  const access = fleetAccess(fleet);
  stack = await startStack({
    devices: access.devices,
    extraYaml: {
      channels: { ops: 'C00NETOPS0', alerts: ALERTS },
      incidents: { sources: { alertmanager: { auth: 'bearer', secret: 'am' } } },
    },
    start: { secretsEnv: { ...access.env, NETOPS_SECRET_AM: TOKEN } },
  });
  const s = stack;
  const url = `http://127.0.0.1:${s.bot!.port}/alerts/alertmanager`;
  const post = async (alerts: unknown[]) => {
    const r = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ version: '4', status: 'firing', alerts }),
    });
    await r.arrayBuffer();
    return r.status;
  };
  const ifaceOf = (i: number) =>
    fleet!.devices[i % fleet!.devices.length]!.sim.showContext().ifaces[1]?.name ?? 'ge-0/0/1';

  // 1. latency: one incident at a time, each on a real (simulated) device over SSH.
  const latencies: number[] = [];
  for (let i = 0; i < LATENCY_RUNS; i++) {
    const device = fleet.devices[i % fleet.devices.length]!.name;
    const fp = `lat-${i}`;
    const mark = s.emu.calls.length;
    const t0 = performance.now();
    const status = await post([
      {
        status: 'firing',
        labels: { alertname: `LinkDown${i}`, device, interface: ifaceOf(i), severity: 'critical' },
        startsAt: new Date().toISOString(),
        fingerprint: fp,
      },
    ]);
    if (status !== 200) throw new Error(`webhook answered ${status}`);
    let parentTs: string | undefined;
    for (;;) {
      const calls = s.emu.calls.slice(mark);
      parentTs ??= calls.find(
        (c) =>
          c.method === 'chat.postMessage' &&
          !c.args.thread_ts &&
          String(c.args.text).includes(`LinkDown${i} `),
      )?.response?.ts as string | undefined;
      if (parentTs && calls.some((c) => c.args.thread_ts === parentTs)) break;
      if (performance.now() - t0 > 60_000) throw new Error('no diagnostics within 60 s');
      await sleep(5);
    }
    latencies.push(performance.now() - t0);
    // resolve it, so the next alert on this device opens an incident of its own
    await post([
      {
        status: 'resolved',
        labels: { alertname: `LinkDown${i}`, device, interface: ifaceOf(i), severity: 'critical' },
        startsAt: new Date(Date.now() - 60_000).toISOString(),
        endsAt: new Date().toISOString(),
        fingerprint: fp,
      },
    ]);
    // let this thread's diagnostics drain (paced at 1/s) before the next, as separate incidents would be
    const quietSince = async () => {
      let last = s.emu.calls.length;
      let still = 0;
      while (still < 2_500) {
        await sleep(250);
        if (s.emu.calls.length === last) still += 250;
        else {
          last = s.emu.calls.length;
          still = 0;
        }
      }
    };
    await quietSince();
  }

  // 2. the storm
  const stormMark = s.emu.calls.length;
  const stormStart = Date.now();
  const perBatch = 10;
  const batches = STORM_ALERTS / perBatch;
  let accepted = 0;
  const inflight: Promise<void>[] = [];
  for (let b = 0; b < batches; b++) {
    const due = stormStart + (b * STORM_SECONDS * 1000) / batches;
    const wait = due - Date.now();
    if (wait > 0) await sleep(wait);
    const alerts = Array.from({ length: perBatch }, (_, k) => {
      const n = b * perBatch + k;
      return {
        status: 'firing',
        labels: { alertname: 'PortFlapping', instance: `tor${n % STORM_HOSTS}.dc1:9116`, port: `p${n}` },
        startsAt: new Date().toISOString(),
        fingerprint: `storm-${n}`,
      };
    });
    inflight.push(
      post(alerts).then((st) => {
        if (st === 200) accepted += alerts.length;
      }),
    );
  }
  await Promise.all(inflight);
  const acceptSeconds = (Date.now() - stormStart) / 1000;
  const stored = Number(
    (await s.db.pool.query(`SELECT count(*) AS n FROM incident_alerts WHERE fingerprint LIKE 'storm-%'`))
      .rows[0].n,
  );
  const incidents = Number(
    (
      await s.db.pool.query(
        `SELECT count(DISTINCT incident_id) AS n FROM incident_alerts WHERE fingerprint LIKE 'storm-%'`,
      )
    ).rows[0].n,
  );
  // wait until every storm incident's parent is posted and the thread posts have drained
  const drainStart = Date.now();
  for (;;) {
    const { rows } = await s.db.pool.query(
      `SELECT count(*) AS n FROM incidents i WHERE i.key LIKE 'host:tor%' AND (i.thread_ts IS NULL OR i.synced_at IS NULL OR i.synced_at < i.updated_at)`,
    );
    if (Number(rows[0].n) === 0) break;
    if (Date.now() - drainStart > 180_000) break;
    await sleep(250);
  }
  // then until the paced thread posts stop
  for (let last = s.emu.calls.length, still = 0; still < 4_000; ) {
    await sleep(250);
    if (s.emu.calls.length === last) still += 250;
    else {
      last = s.emu.calls.length;
      still = 0;
    }
  }
  const posts = s.emu.calls
    .slice(stormMark)
    .filter(
      (c) =>
        (c.method === 'chat.postMessage' && c.args.channel === ALERTS) ||
        (c.method === 'files.completeUploadExternal' && c.args.channel_id === ALERTS),
    )
    .map((c) => c.at)
    .sort((a, b) => a - b);
  let max1 = 0;
  let max10 = 0;
  for (let i = 0, j1 = 0, j10 = 0; i < posts.length; i++) {
    while (posts[i]! - posts[j1]! >= 1_000) j1++;
    while (posts[i]! - posts[j10]! >= 10_000) j10++;
    max1 = Math.max(max1, i - j1 + 1);
    max10 = Math.max(max10, i - j10 + 1);
  }
  const result = {
    webhook_to_first_diagnostic_p50_ms: Math.round(pct(latencies, 50)),
    webhook_to_first_diagnostic_p95_ms: Math.round(pct(latencies, 95)),
    latency_runs: latencies.length,
    storm_alerts_sent: STORM_ALERTS,
    storm_alerts_accepted_per_s: Math.round(accepted / acceptSeconds),
    storm_incidents_created: incidents,
    storm_alerts_lost: STORM_ALERTS - stored,
    storm_messages: posts.length,
    messages_per_channel_per_s_busiest_10s: max10 / 10,
    messages_per_channel_in_busiest_1s: max1,
    storm_drain_s: Math.round((Date.now() - stormStart) / 1000),
  };
  console.log(JSON.stringify(result));
} finally {
  await stack?.stop();
  await fleet?.stop();
}
