import { afterAll, beforeAll, expect, it } from 'vitest';
import { analyseDevice } from '../../src/anomalies/index.js';
import type { Responder } from '../../src/chat/types.js';
import type { SimDeviceSpec } from '../../src/lab/snmp/agent.js';
import { writeLabHistory } from '../../src/lab/snmp/history.js';
import { buildDeviceModel, KNOT_MS, spikeAtKnot } from '../../src/lab/snmp/model.js';
import { freshDb, type TestDb } from '../helpers/pg.js';

/**
 * Regression (the lab storm): `npm run local` started on Sunday 2026-11-29 at 23:17 Amsterdam
 * and posted 39 anomalies within minutes, 33 of them "level shifts" down on nearly every device:
 * every one a port whose model level had gone from ~1.25× to ~0.75× since the week before (the
 * model's 3-day levels, its normal rhythm), judged by a baseline that had learnt only the last
 * days' noise from a history written sparser the older it got.
 * The lab's two weeks of history, as `npm run local` writes them (packed samples and their
 * rollups), then the first analysis run of each device at the lab's start, in the site's timezone:
 * a lab in its normal rhythm pages no one. The model's own 10-minute spikes are real events and
 * may be reported; nothing else may.
 */

const START = new Date('2026-11-29T22:17:00Z');
const TIMEZONE = 'Europe/Amsterdam';
const specs: SimDeviceSpec[] = [
  { name: 'core1-ams', vendor: 'cisco_iosxe', interfaces: 16 },
  { name: 'core2-ams', vendor: 'arista_eos', interfaces: 16 },
  { name: 'leaf2-fra', vendor: 'cisco_nxos', interfaces: 16 },
  { name: 'nms1', vendor: 'linux', interfaces: 16 },
];

/** Ports where the model itself spikes (utilAtKnot's 10-minute spikes) between `from` and `to`. */
function modelSpikes(from: number, to: number): Set<string> {
  const out = new Set<string>();
  for (const spec of specs) {
    const m = buildDeviceModel(1, spec.name, spec.vendor, spec.interfaces ?? 48);
    for (const i of m.interfaces)
      for (let k = Math.floor(from / KNOT_MS); k * KNOT_MS < to; k++)
        if (spikeAtKnot(i, k) > 1) out.add(`${spec.name}/${i.ifIndex}`);
  }
  return out;
}

const silent: Responder = {
  post: async () => ({ ts: '1.0' }),
  update: async () => {},
  ephemeral: async () => {},
  upload: async () => {},
};

let db: TestDb;

beforeAll(async () => {
  db = await freshDb('labhist');
  const h = await writeLabHistory(db.pool, specs, { end: START, days: 14 });
  await h.rollups();
}, 180_000);

afterAll(async () => {
  await db?.drop();
});

it('the lab started on a Sunday evening: its first analysis run opens no level shift or dip, only the model’s own spikes', async () => {
  const opened: string[] = [];
  let series = 0;
  for (const spec of specs) {
    const run = await analyseDevice(
      { pool: db.pool, responder: silent, timezone: TIMEZONE, channelFor: () => undefined },
      spec.name,
      START,
    );
    series += run.series - run.learning;
    for (const a of run.opened) opened.push(`${a.device}/${a.ifindex} ${a.metric} ${a.kind}`);
  }
  // Every port's traffic and counters had a baseline: the run judged them, it did not skip them.
  expect(series).toBeGreaterThan(100);
  const spikes = modelSpikes(START.getTime() - 2 * 3_600_000, START.getTime());
  const unexplained = opened.filter((o) => !(spikes.has(o.split(' ')[0]!) && / (spike|burst)$/.test(o)));
  expect(unexplained).toEqual([]);
}, 120_000);
