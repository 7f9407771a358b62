import { afterAll, beforeAll, expect, it } from 'vitest';
import { analyseDevice, dailyTraffic } from '../../src/anomalies/index.js';
import { metricsFor } from '../../src/metrics/backend.js';
import { findInterface } from '../../src/metrics/query.js';
import { createConfigStore } from '../../src/configs/index.js';
import { backfill } from '../../src/lab/snmp/backfill.js';
import { buildDeviceModel } from '../../src/lab/snmp/model.js';
import { insertSamples, type SampleRow } from '../../src/metrics/store.js';
import { ensurePartitions } from '../../src/metrics/partitions.js';
import { sampleDevices, type Stack, startStack } from '../helpers/stack.js';

/**
 * The simulated fleet's traffic (a week of history from the lab's SNMP model) gets a spike on one
 * port, and the device's config changed three minutes before it. The anomaly job, enqueued as the
 * poll enqueues it, posts one message in the channel (through the Slack emulator) whose sentence
 * has the band, since when, and the change with its author; the chart follows in the thread; the
 * "expected" button is recorded on the message; the message is edited when the traffic is back.
 */

const CHANNEL = 'C00NETOPS0';
const MIN = 60_000;
let s: Stack;
const spec = { name: 'core1', vendor: 'cisco_iosxe' as const, interfaces: 6 };
const model = buildDeviceModel(1, spec.name, spec.vendor, spec.interfaces);
// A busy-enough access port that is up: the spike is then a clear multiple of its usual traffic.
const port = model.interfaces.filter((i) => i.operUp && i.adminUp && !i.alias.startsWith('uplink'))[0]!;
// The LLDP neighbour on the other end of that port, whose traffic jumps at the same time. Its quietest
// port that is up: a jump to 90 % of the speed on a port whose afternoons already run at 45–60 % is
// inside that port's own band at busy hours, and the sentence rightly leaves it out, so picking the
// first port made this test pass or fail by the hour it ran at (182 of 504 hours over three weeks).
const spec2 = { name: 'core2', vendor: 'arista_eos' as const, interfaces: 4 };
const model2 = buildDeviceModel(1, spec2.name, spec2.vendor, spec2.interfaces);
const port2 = model2.interfaces
  .filter((i) => i.operUp && i.adminUp && !i.alias.startsWith('uplink'))
  .sort((a, b) => a.peak - b.peak)[0]!;
const now = Date.now();
const spikeFrom = Math.floor((now - 25 * MIN) / MIN) * MIN;

function row(t: number, inBps: number, p = port, device = 'core1'): SampleRow {
  return {
    device,
    ifIndex: p.ifIndex,
    ts: new Date(t),
    inBps,
    outBps: inBps / 2,
    inPps: inBps / 8 / 500,
    outPps: inBps / 16 / 500,
    inErrors: 0,
    outErrors: 0,
    inDiscards: 0,
    outDiscards: 0,
    speedBps: p.speedBps,
  };
}

beforeAll(async () => {
  s = await startStack({ devices: sampleDevices(1), roles: ['bot', 'worker'] });
  const pool = s.worker!.pool;
  // Eight days of the model's traffic (daily profile, weekends apart), up to the spike.
  await backfill(pool, [spec, spec2], { days: 8, end: new Date(spikeFrom), stepSec: 60 });
  await ensurePartitions(pool, new Date(spikeFrom), new Date(now + 3_600_000));
  // The model's own error and discard bursts depend on the hour the test runs at; this test is about
  // the traffic spike, so its history has none (they are detected on their own elsewhere).
  await pool.query(
    `UPDATE samples SET in_errors = 0, out_errors = 0, in_discards = 0, out_discards = 0
      WHERE device IN ('core1', 'core2')`,
  );
  const spike: SampleRow[] = [];
  for (let t = spikeFrom + MIN; t <= now; t += MIN) {
    spike.push(row(t, port.speedBps * 0.9));
    spike.push(row(t, port2.speedBps * 0.9, port2, 'core2'));
  }
  await insertSamples(pool, spike);
  await pool.query(
    'INSERT INTO device_links (device, interface, neighbor, neighbor_interface) VALUES ($1, $2, $3, $4)',
    ['core1', port.name, 'core2', port2.name],
  );
  // core2 is analysed too (it is not in this worker's inventory: record only, no channel).
  await analyseDevice(
    { pool, responder: s.worker!.responder, timezone: 'UTC', channelFor: () => undefined },
    'core2',
    new Date(now),
  );
  const store = createConfigStore(pool);
  await store.record({
    device: 'core1',
    body: 'hostname core1\n!\n',
    collectedAt: new Date(now - 3 * 86_400_000),
    trigger: 'schedule',
  });
  await store.record({
    device: 'core1',
    body: 'hostname core1\n!\ninterface Gi1/0/1\n service-policy output NONE\n!\n',
    collectedAt: new Date(spikeFrom - 3 * MIN),
    trigger: 'syslog',
    author: 'alice',
  });
}, 120_000);

afterAll(async () => {
  await s?.stop();
});

const hhmm = (t: number) =>
  new Intl.DateTimeFormat('en-GB', {
    timeZone: 'UTC',
    hour: '2-digit',
    minute: '2-digit',
    hour12: false,
  }).format(new Date(t));

it('a spike after a config change: one message in the channel with the band, since when and the change by its author', async () => {
  await s.worker!.producer.enqueue('analysis.device', { device: 'core1' });
  const post = await s.emu.waitFor(
    (c) => c.method === 'chat.postMessage' && c.args.channel === CHANNEL && /core1/.test(String(c.args.text)),
    30_000,
  );
  const text = String(post.args.text);
  // In and out both jumped: one message for the device, two lines, each naming the other.
  expect(text).toContain(`:rotating_light: *core1*: 2 anomalies now`);
  expect(text).toContain('out on the same port rose at');
  expect(text).toMatch(
    new RegExp(
      `core1 ${port.name.replace(/\//g, '\\/')} in [\\d.]+ [MG]bps vs [\\d.]+ [kMG]?bps–[\\d.]+ [kMG]?bps expected for \\w+ \\d\\d:00, since \\d\\d:\\d\\d`,
    ),
  );
  expect(text).toContain(`config changed at ${hhmm(spikeFrom - 3 * MIN)} by alice`);
  expect(text).toMatch(
    new RegExp(`neighbour core2 ${port2.name.replace(/\//g, '\\/')} in rose at \\d\\d:\\d\\d`),
  );
  // The chart with the band, in the message's thread.
  const ts = (post.response as { ts?: string }).ts;
  await s.emu.waitFor((c) => c.method === 'files.completeUploadExternal' && c.args.thread_ts === ts, 30_000);
  // A second run (the next poll) does not post it again.
  await s.worker!.producer.enqueue('analysis.device', { device: 'core1' });
  await new Promise((r) => setTimeout(r, 3_000));
  expect(
    s.emu.calls.filter((c) => c.method === 'chat.postMessage' && /core1/.test(String(c.args.text))),
  ).toHaveLength(1);

  // "Expected: mute 4 h" is recorded and shown on the message.
  const buttons = (
    post.args.blocks as { type: string; elements?: { action_id: string; value: string }[] }[]
  ).find((b) => b.type === 'actions')!.elements!;
  const mute = buttons.find((b) => b.action_id === 'anomaly.expected.mute4h')!;
  await s.emu.interaction({
    type: 'block_actions',
    channel: { id: CHANNEL },
    container: { type: 'message', channel_id: CHANNEL, message_ts: ts },
    message: { ts, text: 'anomaly' },
    actions: [{ type: 'button', action_id: mute.action_id, block_id: 'b', value: mute.value }],
  });
  await s.emu.waitFor(
    (c) =>
      c.method === 'chat.update' &&
      c.args.ts === ts &&
      /marked this expected: muted until/.test(JSON.stringify(c.args.blocks)),
    20_000,
  );
  const { rows } = await s.worker!.pool.query('SELECT verdict, action FROM anomaly_feedback');
  expect(rows).toEqual([{ verdict: 'expected', action: 'mute' }]);

  // Traffic back to the model's own for twenty minutes: the same message is edited to "cleared". (A
  // made-up "usual" level far below the band is a drop, and rightly an anomaly of its own.)
  await backfill(s.worker!.pool, [spec], { days: 20 / 1440, end: new Date(now + 20 * MIN), stepSec: 60 });
  // Only the spiked port comes back, and without the model's own happenings of the hour the test runs
  // at: its error bursts and its 10-minute traffic spikes (2–4× the level), on this port or another,
  // are anomalies of their own and rightly keep the device's message open (CI once saw a third one).
  // The spiked port is held at or under its own median of those twenty minutes.
  await s.worker!.pool.query(`DELETE FROM samples WHERE device = 'core1' AND ifindex <> $1 AND ts > $2`, [
    port.ifIndex,
    new Date(now),
  ]);
  await s.worker!.pool.query(
    `WITH m AS (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY in_bps) AS i,
                       percentile_cont(0.5) WITHIN GROUP (ORDER BY out_bps) AS o
                  FROM samples WHERE device = 'core1' AND ifindex = $1 AND ts > $2)
     UPDATE samples SET in_errors = 0, out_errors = 0, in_discards = 0, out_discards = 0,
            in_bps = LEAST(in_bps, m.i), out_bps = LEAST(out_bps, m.o)
       FROM m WHERE device = 'core1' AND ifindex = $1 AND ts > $2`,
    [port.ifIndex, new Date(now)],
  );
  const r = await analyseDevice(
    {
      pool: s.worker!.pool,
      responder: s.worker!.responder,
      timezone: 'UTC',
      channelFor: () => CHANNEL,
    },
    'core1',
    new Date(now + 20 * MIN),
  );
  expect(r.cleared).toBeGreaterThanOrEqual(1);
  await s.emu.waitFor(
    (c) =>
      c.method === 'chat.update' &&
      c.args.ts === ts &&
      /:white_check_mark: \*core1\*: cleared at/.test(String(c.args.text)),
    20_000,
  );
}, 120_000);

const said = (pred: (t: string) => boolean) =>
  s.emu.calls
    .filter(
      (c) =>
        c.method === 'chat.postMessage' ||
        c.method === 'chat.update' ||
        c.method === 'files.completeUploadExternal' ||
        c.method === 'upload',
    )
    .map((c) => JSON.stringify(c.args))
    .filter(pred);

async function until<T>(fn: () => T | undefined, ms = 30_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() - t0 > ms) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}

it('/net anomalies lists them with the feedback; /net top and /net capacity answer from the daily p95s', async () => {
  const slash = async (text: string) => {
    const res = await s.emu.slashCommand({ command: '/net', text, channelId: CHANNEL, userId: 'U0000ALICE' });
    expect(res.status).toBe(200);
  };
  await slash('anomalies 1d core1');
  const list = await until(() => said((t) => t.includes('anomalies on core1 in the last'))[0]);
  expect(list).toContain('cleared');
  expect(list).toContain('marked this expected: muted until');

  // The baseline rebuild kept eight complete days of p95s; the spiked port is not the busiest day
  // everywhere, but every listed row has a p95 and a day.
  await slash('top in 7d core1');
  const top = await until(() => said((t) => t.includes('Top ') && t.includes('by in p95'))[0]);
  expect(top).toMatch(/core1/);

  // Eight days of history: an honest "not enough data", not a made-up date.
  await slash('capacity core1');
  const cap = await until(() => said((t) => /projected to reach 80 %|not enough data/.test(t))[0], 60_000);
  expect(cap).toMatch(/without enough history|not enough data/);
}, 120_000);

it('capacity fills the daily p95s once: days found empty are kept as such, a second call reads no samples', async () => {
  const pool = s.worker!.pool;
  const iface = (await findInterface(pool, 'core1', { ifindex: port.ifIndex }))!;
  const at = new Date(now);
  // Counted at the metrics backend the job reads through (the same object for this pool).
  const backend = metricsFor(pool);
  let rollupReads = 0;
  const read = backend.querySeriesFor;
  backend.querySeriesFor = (...args) => {
    rollupReads++;
    return read.apply(backend, args);
  };
  try {
    await pool.query(`DELETE FROM analysis_daily WHERE device = 'core1' AND ifindex = $1`, [port.ifIndex]);
    const first = await dailyTraffic(pool, iface, at, 90, 'UTC');
    expect(rollupReads).toBeGreaterThan(0);
    // Eight days of history (the last may be partial): the rest of the 90 days are empty.
    expect(first.in_bps.length).toBeGreaterThanOrEqual(6);
    expect(first.in_bps.length).toBeLessThanOrEqual(9);
    expect(first.in_bps.every((d) => d.n > 0)).toBe(true);
    const { rows } = await pool.query(
      `SELECT count(*)::int AS n FROM analysis_daily WHERE device = 'core1' AND ifindex = $1 AND metric = 'in_bps' AND n = 0`,
      [port.ifIndex],
    );
    expect(rows[0].n).toBeGreaterThan(70);
    rollupReads = 0;
    const second = await dailyTraffic(pool, iface, at, 90, 'UTC');
    // Only the last two days (whose rollups may still come) are looked at again, if they miss.
    expect(rollupReads).toBeLessThanOrEqual(1);
    expect(second).toEqual(first);
  } finally {
    backend.querySeriesFor = read;
  }
});

it('a message someone deleted: the next change posts the group anew (and later edits follow that one), nothing lost', async () => {
  const pool = s.worker!.pool;
  // Another access port that is up (the first one is muted for 4 h by the first test).
  const other = model.interfaces.filter((i) => i.operUp && i.adminUp && !i.alias.startsWith('uplink'))[1]!;
  const deps = { pool, responder: s.worker!.responder, timezone: 'UTC', channelFor: () => CHANNEL };
  const at = (m: number) => now + m * MIN;
  const rows = (
    fromMin: number,
    toMin: number,
    inBps: (t: number) => number,
    outBps: number,
  ): SampleRow[] => {
    const out: SampleRow[] = [];
    for (let t = at(fromMin); t <= at(toMin); t += MIN)
      out.push({ ...row(t, inBps(t), other), outBps, outPps: outBps / 8 / 500 });
    return out;
  };
  // In and out at 90 % / 45 % of the speed for twenty minutes: a new group, posted.
  await insertSamples(
    pool,
    rows(31, 50, () => other.speedBps * 0.9, other.speedBps * 0.45),
  );
  const opened = await analyseDevice(deps, 'core1', new Date(at(50)));
  expect(opened.opened.map((a) => a.metric).sort()).toEqual(['in_bps', 'out_bps']);
  const first = await s.emu.waitFor(
    (c) =>
      c.method === 'chat.postMessage' &&
      /\*core1\*: 2 anomalies now/.test(String(c.args.text)) &&
      /GigabitEthernet1\/0\/\d+ in/.test(String(c.args.text)) &&
      String(c.args.text).includes(other.name),
    20_000,
  );
  const firstTs = (first.response as { ts?: string }).ts!;
  // Someone deletes it in Slack.
  const channel = s.emu.channels.get(CHANNEL)!;
  channel.messages = channel.messages.filter((m) => m.ts !== firstTs);

  // In back to what the baseline expects, out still high: one clears, one stays open.
  const { rows: exp } = await pool.query(
    `SELECT expected FROM anomalies WHERE device = 'core1' AND ifindex = $1 AND metric = 'in_bps' AND cleared_at IS NULL`,
    [other.ifIndex],
  );
  const usual = Number(exp[0].expected);
  await insertSamples(
    pool,
    rows(51, 75, () => usual, other.speedBps * 0.45),
  );
  const r = await analyseDevice(deps, 'core1', new Date(at(75)));
  expect(r.cleared).toBe(1);
  // The edit found no message: the group is posted again, with the one still open.
  const again = await s.emu.waitFor(
    (c) =>
      c.method === 'chat.postMessage' &&
      (c.response as { ts?: string }).ts !== firstTs &&
      /\*core1\*: 1 anomaly now/.test(String(c.args.text)) &&
      String(c.args.text).includes(other.name),
    20_000,
  );
  const { rows: g } = await pool.query(
    `SELECT g.ts FROM anomaly_groups g JOIN anomalies a ON a.group_id = g.id
      WHERE a.device = 'core1' AND a.ifindex = $1 AND a.metric = 'out_bps' AND a.cleared_at IS NULL`,
    [other.ifIndex],
  );
  expect(g[0].ts).toBe((again.response as { ts?: string }).ts);
}, 120_000);
