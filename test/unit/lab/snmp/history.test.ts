import { expect, it } from 'vitest';
import { buildBaseline, type Point } from '../../../../src/analysis/baseline.js';
import { detectValues } from '../../../../src/analysis/detect.js';
import { metricSettings, sanitise } from '../../../../src/analysis/snmp.js';
import type { SimDeviceSpec } from '../../../../src/lab/snmp/agent.js';
import { deviceSeries, HISTORY_TIERS, sampleTimes } from '../../../../src/lab/snmp/history.js';
import { KNOT_MS, levelAt, spikeAtKnot } from '../../../../src/lab/snmp/model.js';

const STEP = 300_000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

it('the history has a sample in every 5-minute bucket of its two weeks, as the poller leaves them', () => {
  const end = Date.parse('2026-11-29T22:17:00Z');
  const times = sampleTimes(end - 14 * DAY, end);
  const buckets = new Set(times.map((t) => Math.floor(t / STEP)));
  const missing: string[] = [];
  for (let b = Math.ceil((end - 14 * DAY) / STEP); b < Math.floor(end / STEP); b++)
    if (!buckets.has(b)) missing.push(new Date(b * STEP).toISOString());
  expect(missing.slice(0, 3)).toEqual([]);
});

/**
 * The lab storm, on the model alone: its two weeks as the 5-minute rollups hold them (the average
 * of the samples in each bucket), a baseline on the site's clock, then the detector over the last
 * two hours, as the lab's first analysis run does. The model's spikes are real events and may be
 * reported. So may its largest 3-day level changes, but not the ordinary ones: a port's level moves
 * by up to ±45 % every three days by design, and that is its normal rhythm. On that Sunday every
 * port of the storm had fallen from ~1.25× to ~0.75× of its level since the week before (33 "level
 * shifts"); the history, written at one sample per 30 minutes a week back, had taught the baseline
 * only the last days' noise. Over a week of starts, 2.3 % of series opened an anomaly at the
 * first run before the fix.
 */
const specs: SimDeviceSpec[] = [
  { name: 'core1-ams', vendor: 'cisco_iosxe', interfaces: 12 },
  { name: 'leaf2-fra', vendor: 'cisco_nxos', interfaces: 12 },
  { name: 'nms1', vendor: 'linux', interfaces: 12 },
];

function rollups(times: readonly number[], vs: Float64Array): Point[] {
  const sum = new Map<number, { s: number; n: number }>();
  times.forEach((t, k) => {
    if (Number.isNaN(vs[k]!)) return;
    const b = Math.floor(t / STEP) * STEP;
    const c = sum.get(b) ?? { s: 0, n: 0 };
    c.s += vs[k]!;
    c.n++;
    sum.set(b, c);
  });
  return [...sum].sort((a, b) => a[0] - b[0]).map(([t, c]) => ({ t, v: c.s / c.n }));
}

function firstRun(
  start: number,
  levelShifts: 'real' | 'none',
  tiers = HISTORY_TIERS,
): { series: number; opened: string[] } {
  const end = Math.floor(start / STEP) * STEP;
  const from = end - 24 * STEP;
  const times = sampleTimes(start - 14 * DAY, start, tiers);
  const opened: string[] = [];
  let series = 0;
  for (const spec of specs) {
    const { model, series: all } = deviceSeries(spec, times);
    for (const s of all) {
      const i = model.interfaces[s.ifIndex - 1]!;
      if (!i.operUp) continue;
      let spiked = false;
      for (let k = Math.floor(from / KNOT_MS); k * KNOT_MS < end; k++) spiked ||= spikeAtKnot(i, k) > 1;
      // The model's own level against the same hours a week before (all the history holds of
      // them): the largest changes it makes (about one in ten) are real shifts, worth a report.
      const shift = levelAt(i, from) / levelAt(i, from - 7 * DAY);
      const real = levelShifts === 'none' ? null : shift <= 0.65 ? 'low' : shift >= 1.55 ? 'high' : null;
      for (const metric of ['in_bps', 'out_bps'] as const) {
        const points = rollups(times, s.values[metric]);
        const settings = metricSettings(metric, STEP, i.speedBps);
        const history = sanitise(
          points.filter((p) => p.t < from),
          metric,
          i.speedBps,
        ).points;
        const b = buildBaseline(history, { ...settings.baseline, timezone: 'Europe/Amsterdam' });
        if (!b) continue;
        series++;
        const recent = points.filter((p) => p.t >= from && p.t < end);
        const found = detectValues(
          recent.map((p) => p.t),
          recent.map((p) => p.v ?? Number.NaN),
          recent.length,
          b,
          { ...settings.detector, bandFactor: 1 },
        );
        for (const a of found)
          if (!(spiked && a.kind === 'spike') && !(a.kind === 'level-shift' && a.side === real))
            opened.push(
              `${new Date(start).toISOString()} ${spec.name} ${i.name} ${metric} ${a.kind} ${a.side}`,
            );
      }
    }
  }
  return { series, opened };
}

it('regression (lab storm): the lab started on a Sunday evening in Amsterdam opens no anomaly but the model’s own spikes', () => {
  const run = firstRun(Date.parse('2026-11-29T22:17:00Z'), 'none');
  expect(run.series).toBeGreaterThan(50);
  expect(run.opened).toEqual([]);
});

it('the lab started at any sixth hour of a week (across the model’s 3-day levels) opens no anomaly but the model’s own spikes and level shifts', () => {
  const opened: string[] = [];
  for (let h = 0; h < 168; h += 6)
    opened.push(...firstRun(Date.parse('2026-11-23T00:17:00Z') + h * HOUR, 'real').opened);
  expect(opened).toEqual([]);
}, 60_000);

/**
 * The history as the lab wrote it before it wrote every 5 minutes (one sample per 15 minutes 4–8
 * days back, per 30 minutes 8–14 days back), as a poller's outage, a slow poller or an imported
 * history leave real ones. The baseline weighs each day alike in its hour, so the sparse week-old
 * days are not outvoted by the dense recent ones. Measured on five model devices (16 interfaces
 * each), first run at every third hour of a week: 583 anomalies in 8,064 series-runs when each
 * point weighed alike (43 of them level shifts that were not the model's, at 26 of the 56 starts),
 * 38 with days weighed alike, as with 5-minute history (46 before, 42 after).
 */
const SPARSE_TIERS = [
  ...HISTORY_TIERS,
  { olderThanMs: 4 * DAY, stepSec: 900 },
  { olderThanMs: 8 * DAY, stepSec: 1800 },
];

it('regression (lab storm): with its old sparse history too, the lab started at any sixth hour of a week opens no anomaly but the model’s own spikes and level shifts', () => {
  const opened: string[] = [];
  for (let h = 0; h < 168; h += 6)
    opened.push(...firstRun(Date.parse('2026-11-23T00:17:00Z') + h * HOUR, 'real', SPARSE_TIERS).opened);
  expect(opened).toEqual([]);
}, 60_000);
