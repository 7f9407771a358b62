import { describe, expect, it } from 'vitest';
import {
  buildBaseline,
  detectSeries,
  metricSettings,
  type Point,
  sanitise,
  type SeriesAnomaly,
} from '../../../src/analysis/index.js';
import { DAY, diurnal, HOUR, noise, STEP, series, T0 } from './helpers.js';

const SPEED = 10e9;
const traffic = metricSettings('in_bps', STEP, SPEED);
const errors = metricSettings('in_errors', STEP, SPEED);

/** History of `days` days, then `test` analysed against the baseline learnt from it. */
function run(history: Point[], test: Point[], settings = traffic): SeriesAnomaly[] {
  const b = buildBaseline(sanitise(history, 'in_bps', SPEED).points, settings.baseline);
  if (!b) throw new Error('no baseline');
  return detectSeries(sanitise(test, 'in_bps', SPEED).points, b, settings.detector);
}

function noisyDiurnal(seed: number, amp = 0.08) {
  const n = noise(seed);
  return (t: number) => diurnal(t) * (1 + amp * n());
}

describe('seasonal baseline detector: no false alarms', () => {
  it('a flat series with noise raises nothing', () => {
    const n = noise(3);
    const all = series(10, () => 3e8 * (1 + 0.05 * n()));
    expect(run(all.slice(0, 8 * 288), all.slice(8 * 288))).toEqual([]);
  });

  it('a daily-seasonal series (busy afternoons, quiet nights) raises nothing', () => {
    const all = series(10, noisyDiurnal(4));
    expect(run(all.slice(0, 8 * 288), all.slice(8 * 288))).toEqual([]);
  });

  it('a weekly-seasonal series (quiet weekends) with three weeks of history raises nothing on the weekend', () => {
    const n = noise(5);
    const f = (t: number) => {
      const dow = (Math.floor(t / DAY) + 4) % 7; // 0 = Sunday
      return diurnal(t) * (dow === 0 || dow === 6 ? 0.3 : 1) * (1 + 0.06 * n());
    };
    const all = series(28, f);
    const b = buildBaseline(all.slice(0, 21 * 288), traffic.baseline)!;
    expect(b.season).toBe('week');
    expect(detectSeries(all.slice(21 * 288), b, traffic.detector)).toEqual([]);
  });

  it('a counter wrap misread as one huge rate, a reboot (gap then reset) and polling gaps raise nothing', () => {
    const f = noisyDiurnal(6);
    const all = series(10, (t, i) => {
      if (i === 8 * 288 + 40) return 5e10; // above the 10 Gb/s port: impossible, dropped
      if (i === 8 * 288 + 90) return 9e8; // one wild sample from a reset read as a wrap
      if (i >= 8 * 288 + 150 && i < 8 * 288 + 160) return null; // reboot: polls fail
      if (i % 97 === 0) return null; // scattered missed polls
      return f(t);
    });
    const s = sanitise(all, 'in_bps', SPEED);
    expect(s.impossible).toBe(1);
    expect(run(all.slice(0, 8 * 288), all.slice(8 * 288))).toEqual([]);
  });

  it('one noisy sample outside the band is not an alert', () => {
    const f = noisyDiurnal(7, 0.03);
    const all = series(10, (t, i) => (i === 9 * 288 ? f(t) * 2.5 : f(t)));
    expect(run(all.slice(0, 8 * 288), all.slice(8 * 288))).toEqual([]);
  });
});

describe('seasonal baseline detector: anomalies', () => {
  const start = 8 * 288 + 150; // day 8, 12:30

  it('a spike is found within two samples, with the band and since when', () => {
    const f = noisyDiurnal(8);
    const all = series(10, (t, i) => (i >= start && i < start + 4 ? f(t) * 4 : f(t)));
    const found = run(all.slice(0, 8 * 288), all.slice(8 * 288));
    expect(found).toHaveLength(1);
    const a = found[0]!;
    expect(a.kind).toBe('spike');
    expect(a.side).toBe('high');
    expect(a.since).toBe(all[start]!.t);
    expect((a.detectedAt - a.since) / STEP).toBeLessThanOrEqual(2);
    expect(a.observed).toBeGreaterThan(a.high);
    expect(a.low).toBeLessThan(a.expected);
    expect(a.clearedAt).toBe(all[start + 4 + 2]!.t);
  });

  it('a level shift (doubling for six hours) is found in a few samples and called a level shift', () => {
    const f = noisyDiurnal(9);
    const all = series(10, (t, i) => (i >= start && i < start + 72 ? f(t) * 2 : f(t)));
    const found = run(all.slice(0, 8 * 288), all.slice(8 * 288));
    expect(found).toHaveLength(1);
    expect(found[0]!.kind).toBe('level-shift');
    expect((found[0]!.detectedAt - found[0]!.since) / STEP).toBeLessThanOrEqual(4);
  });

  it('a surge right after a drop is its own anomaly at once, not the drop clearing (regression: the lab port whose low week hid a spike)', () => {
    const f = noisyDiurnal(13, 0.03);
    const all = series(10, (t, i) => {
      if (i >= start && i < start + 20) return f(t) * 0.5;
      if (i >= start + 20 && i < start + 26) return f(t) * 8;
      return f(t);
    });
    const found = run(all.slice(0, 8 * 288), all.slice(8 * 288));
    expect(found.map((a) => a.side)).toEqual(['low', 'high']);
    const surge = all[start + 20]!.t;
    // The drop ends where the surge starts, and the surge is seen by its second sample (hard rule).
    expect(found[0]!.clearedAt).toBe(surge);
    expect(found[1]!.since).toBe(surge);
    expect(found[1]!.detectedAt).toBeLessThanOrEqual(surge + STEP);
  });

  it('a drop to zero is called a drop to zero', () => {
    const f = noisyDiurnal(10);
    const all = series(10, (t, i) => (i >= start && i < start + 24 ? 0 : f(t)));
    const found = run(all.slice(0, 8 * 288), all.slice(8 * 288));
    expect(found.map((a) => a.kind)).toEqual(['drop-to-zero']);
    expect(found[0]!.side).toBe('low');
  });

  it('the k-of-n rule alone: a moderate shift for 9 samples is found at the 7th sample outside', () => {
    const flat = (t: number) => 3e8 + (t % (2 * STEP) ? 3e6 : -3e6);
    const history = series(8, flat);
    const b = buildBaseline(history, traffic.baseline)!;
    // 5 scales up: beyond the band (4), never beyond the hard limit (8); EWMA switched off.
    const test = series(
      1,
      (t, i) => (i >= 20 && i < 29 ? flat(t) * Math.exp(5 * 0.03) : flat(t)),
      T0 + 8 * DAY,
    );
    const found = detectSeries(test, b, { ...traffic.detector, ewmaLimit: 99 });
    expect(found).toHaveLength(1);
    expect(found[0]!.rule).toBe('k-of-n');
    expect(found[0]!.detectedAt).toBe(test[26]!.t);
  });

  it('a wider band from "expected" feedback hides a moderate excursion that the learnt band shows', () => {
    const f = noisyDiurnal(11, 0.03);
    const all = series(10, (t, i) => (i >= start && i < start + 30 ? f(t) * 1.35 : f(t)));
    const b = buildBaseline(all.slice(0, 8 * 288), traffic.baseline)!;
    const test = all.slice(8 * 288);
    expect(detectSeries(test, b, traffic.detector)).toHaveLength(1);
    expect(detectSeries(test, b, { ...traffic.detector, bandFactor: 3 })).toHaveLength(0);
  });

  it('history with an outage of its own still gives a usable baseline (median, not mean)', () => {
    const f = noisyDiurnal(12);
    const all = series(10, (t, i) => (i >= 3 * 288 && i < 3 * 288 + 48 ? 0 : f(t)));
    const b = buildBaseline(all.slice(0, 8 * 288), traffic.baseline)!;
    expect(detectSeries(all.slice(8 * 288), b, traffic.detector)).toEqual([]);
  });

  it('less than two days of history: no baseline yet (learning), rather than a guess', () => {
    expect(buildBaseline(series(1, noisyDiurnal(13)), traffic.baseline)).toBeUndefined();
    expect(buildBaseline(series(3, noisyDiurnal(13)), traffic.baseline)?.season).toBe('day');
    expect(buildBaseline(series(15, noisyDiurnal(13)), traffic.baseline)?.season).toBe('week');
  });
});

describe('real-traffic habits (from public cloud NetworkIn series): not anomalies', () => {
  // A quiet port with a job that moves data twice an hour, at :59 and :09 (two bursts one
  // sample apart with a normal sample between them), every hour of every day.
  const cron = (seed: number, burst = 3.2e6) => {
    const n = noise(seed);
    return (t: number) => {
      const m = Math.round((t % HOUR) / 60_000);
      return m === 55 || m === 5 ? burst * (1 + 0.02 * n()) : 2.5e5 * (1 + 0.05 * n());
    };
  };
  const G = metricSettings('in_bps', STEP, 1e9);
  const runG = (all: Point[], histDays: number) => {
    const b = buildBaseline(sanitise(all.slice(0, histDays * 288), 'in_bps', 1e9).points, G.baseline)!;
    return {
      b,
      found: detectSeries(sanitise(all.slice(histDays * 288), 'in_bps', 1e9).points, b, G.detector),
    };
  };

  it('two far samples with a normal one between them are two blips, not a spike (the hard rule wants two in a row)', () => {
    const f = noisyDiurnal(21, 0.03);
    const at = 8 * 288 + 150;
    const all = series(10, (t, i) => (i === at || i === at + 2 ? f(t) * 6 : f(t)));
    expect(run(all.slice(0, 8 * 288), all.slice(8 * 288))).toEqual([]);
    // the same two samples back to back are a spike
    const pair = series(10, (t, i) => (i === at || i === at + 1 ? f(t) * 6 : f(t)));
    expect(run(pair.slice(0, 8 * 288), pair.slice(8 * 288)).map((a) => a.kind)).toEqual(['spike']);
  });

  it('bursts that happen at that hour on most days are routine; a bigger one, or one that lasts, is not', () => {
    const f = cron(22);
    const routine = runG(series(10, f), 8);
    expect(routine.b.routineHigh?.filter((h) => h !== null)).toHaveLength(24);
    expect(routine.found).toEqual([]);
    // Three times the usual burst, twice in a row at :20 and :25: a spike.
    const at = 8 * 288 + 12 * 12 + 4;
    const big = runG(
      series(10, (t, i) => (i === at || i === at + 1 ? 1e7 : f(t))),
      8,
    );
    expect(big.found.map((a) => [a.kind, a.rule])).toEqual([['spike', 'hard']]);
    // The usual burst size, but for an hour: a level shift (the waiver is for short bursts only).
    const long = runG(
      series(10, (t, i) => (i >= at && i < at + 12 ? 3.2e6 : f(t))),
      8,
    );
    expect(long.found.map((a) => a.kind)).toEqual(['level-shift']);
  });

  it('a burst at an hour where it never happens is found, even though other hours have it daily', () => {
    const n = noise(23);
    // Bursts only between 01:00 and 03:00 (a nightly backup).
    const f = (t: number) => {
      const h = Math.floor((t % DAY) / HOUR);
      const m = Math.round((t % HOUR) / 60_000);
      return (h === 1 || h === 2) && m < 15 ? 5e7 * (1 + 0.02 * n()) : 2.5e5 * (1 + 0.05 * n());
    };
    const nightly = runG(series(10, f), 8);
    expect(nightly.found).toEqual([]);
    const at = 8 * 288 + 14 * 12; // 14:00
    const afternoon = runG(
      series(10, (t, i) => (i >= at && i < at + 3 ? 5e7 : f(t))),
      8,
    );
    expect(afternoon.found.map((a) => a.kind)).toEqual(['spike']);
  });

  it('a quiet port that bursts a few times a day at random hours: the usual burst is routine, a bigger one is not', () => {
    const n = noise(25);
    // About four 5-minute bursts of ~5 Mb/s a day, at hours that change every day.
    const burstAt = new Set<number>();
    const pick = noise(26);
    for (let d = 0; d < 10; d++)
      for (let k = 0; k < 4; k++) burstAt.add(d * 288 + Math.floor(((pick() + 1) / 2) * 287));
    const f = (_t: number, i: number) =>
      burstAt.has(i) || burstAt.has(i - 1) ? 5e6 * (1 + 0.1 * n()) : 70 * (1 + 0.05 * n());
    const quiet = runG(series(10, f), 8);
    expect(quiet.b.routineBurst).toBeDefined();
    expect(quiet.found).toEqual([]);
    const at = 8 * 288 + 200;
    const big = runG(
      series(10, (t, i) => (i === at || i === at + 1 ? 8e7 : f(t, i))),
      8,
    );
    expect(big.found.map((a) => a.kind)).toEqual(['spike']);
    // A smooth daily curve is not bursty: its day's top is its busy hour.
    const smooth = runG(series(10, noisyDiurnal(27)), 8);
    expect(smooth.b.routineBurst).toBeUndefined();
  });

  // A quiet port (~70 b/s) with a transfer a few times a day at hours that change every day, each
  // one five samples: a ramp (~17 kb/s), the burst, a trailing sample (~9 kb/s), then two medium ones.
  const transfers = (seed: number, days: number, size: (day: number) => number) => {
    const n = noise(seed);
    const pick = noise(seed + 1);
    const shape = [17_500, 1, 9_500, 185_000, 500_000];
    const at = new Map<number, number>();
    for (let d = 0; d < days; d++)
      for (let k = 0; k < 5; k++) {
        const start = d * 288 + Math.floor(((pick() + 1) / 2) * 280);
        for (const [j, v] of shape.entries()) at.set(start + j, v === 1 ? size(d) : v);
      }
    return (_t: number, i: number) => (at.get(i) ?? 70) * (1 + 0.08 * n());
  };
  const runWith = (speed: number | null, all: Point[], histDays: number) => {
    const s = metricSettings('in_bps', STEP, speed);
    const b = buildBaseline(sanitise(all.slice(0, histDays * 288), 'in_bps', speed).points, s.baseline)!;
    return {
      b,
      found: detectSeries(sanitise(all.slice(histDays * 288), 'in_bps', speed).points, b, s.detector),
    };
  };

  it('a quiet bursty port with no known speed: bursts a quarter bigger than usual are as routine as with its speed known (regression: 14 false alarms a week on ec2_network_in_5abac7 with ifSpeed 0)', () => {
    // Ten days of ~5.2 Mb/s transfers, then two days of ~6.5 Mb/s ones (the job moves more data).
    const all = series(
      12,
      transfers(31, 12, (d) => (d < 10 ? 5.2e6 : 6.5e6)),
    );
    const known = runWith(1e9, all, 10);
    expect(known.found).toEqual([]);
    const unknown = runWith(null, all, 10);
    expect(unknown.found).toEqual([]);
    // The offset is learnt from the port's own usual daily peak, not the 10 kb/s floor.
    expect(unknown.b.offset).toBeGreaterThan(100_000);
    // ifSpeed 0 is no speed either.
    expect(runWith(0, all, 10).found).toEqual([]);
  });

  it('a quiet bursty port with no known speed still shows a burst far bigger than its usual ones, and a level that lasts', () => {
    const f = transfers(33, 12, () => 5.2e6);
    const at = 10 * 288 + 100;
    const big = runWith(
      null,
      series(12, (t, i) => (i === at || i === at + 1 ? 8e7 : f(t, i))),
      10,
    );
    expect(big.found.map((a) => a.kind)).toEqual(['spike']);
    // A level that stays well above the transfers' offset for an hour is a level shift.
    const busy = runWith(
      null,
      series(12, (t, i) => (i >= at && i < at + 12 ? 3e6 : f(t, i))),
      10,
    );
    expect(busy.found.map((a) => a.kind)).toEqual(['level-shift']);
  });

  it('a port with no known speed whose day peaks under 200 kb/s keeps the 10 kb/s offset: its baseline is the one it always had', () => {
    const all = series(10, noisyDiurnal(35)).map((p) => ({
      t: p.t,
      v: (p.v as number) / 4000, // a daily curve peaking near 100 kb/s
    }));
    const s = metricSettings('in_bps', STEP, null);
    const { peakOffset: _, ...floorOnly } = s.baseline;
    const clean = sanitise(all, 'in_bps', null).points;
    expect(buildBaseline(clean, s.baseline)).toEqual(buildBaseline(clean, floorOnly));
    expect(buildBaseline(clean, s.baseline)?.offset).toBe(10_000);
  });

  it('a busy port with no known speed gets an offset of 5 % of its usual daily peak', () => {
    const all = series(10, noisyDiurnal(36, 0.03)); // peaks near 400 Mb/s
    const b = buildBaseline(
      sanitise(all, 'in_bps', null).points,
      metricSettings('in_bps', STEP, null).baseline,
    )!;
    expect(b.offset).toBeGreaterThan(0.05 * 3.8e8);
    expect(b.offset).toBeLessThan(0.05 * 4.2e8);
  });

  it('a dip on a fast port to a sixth of its usual rate is a dip, not a drop to zero', () => {
    const n = noise(24);
    const all = series(10, (_t, i) =>
      i >= 8 * 288 + 100 && i < 8 * 288 + 104 ? 4e4 : 2.5e5 * (1 + 0.03 * n()),
    );
    const { found } = runG(all, 8);
    expect(found.map((a) => a.kind)).toEqual(['dip']);
    const zero = runG(
      series(10, (_t, i) => (i >= 8 * 288 + 100 && i < 8 * 288 + 104 ? 0 : 2.5e5)),
      8,
    );
    expect(zero.found.map((a) => a.kind)).toEqual(['drop-to-zero']);
  });
});

describe('error and discard bursts', () => {
  it('sporadic single errors on a port that usually has none raise nothing; a burst does', () => {
    const n = noise(14);
    const quiet = (i: number) => (i % 37 === 0 ? 1 / 300 : i % 101 === 0 ? 3 / 300 : 0);
    const history = series(8, (_t, i) => quiet(i));
    const b = buildBaseline(history, errors.baseline)!;
    expect(b.season).toBe('none');
    const calm = series(2, (_t, i) => quiet(i), T0 + 8 * DAY);
    expect(detectSeries(calm, b, errors.detector)).toEqual([]);
    const burst = series(2, (_t, i) => (i >= 100 && i < 106 ? 5 + n() : quiet(i)), T0 + 8 * DAY);
    const found = detectSeries(burst, b, errors.detector);
    expect(found.map((a) => a.kind)).toEqual(['burst']);
    expect((found[0]!.detectedAt - found[0]!.since) / STEP).toBeLessThanOrEqual(2);
  });

  it('fewer errors than usual is never an anomaly', () => {
    const history = series(8, (_t, i) => 2 + (i % 3) * 0.1);
    const b = buildBaseline(history, errors.baseline)!;
    const test = series(1, () => 0, T0 + 8 * DAY);
    expect(detectSeries(test, b, errors.detector)).toEqual([]);
  });

  it('a long polling hole resets the rules: samples before it do not combine with samples after', () => {
    const history = series(8, () => 0);
    const b = buildBaseline(history, errors.baseline)!;
    // One high sample, a 2-hour hole, one high sample: never two of three in a row.
    const test: Point[] = [
      { t: T0 + 8 * DAY, v: 0 },
      { t: T0 + 8 * DAY + STEP, v: 10 },
      { t: T0 + 8 * DAY + 2 * HOUR, v: 10 },
      { t: T0 + 8 * DAY + 2 * HOUR + STEP, v: 0 },
    ];
    expect(detectSeries(test, b, errors.detector)).toEqual([]);
  });
});
