import { describe, expect, it } from 'vitest';
import {
  dailyP95,
  forecastCapacity,
  leastSquares,
  median,
  projection,
  quantile,
  theilSen,
} from '../../../src/analysis/index.js';
import { DAY, noise, STEP, series, T0 } from './helpers.js';

describe('robust statistics', () => {
  it('median and quantiles interpolate between order statistics', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(quantile([0, 10], 0.95)).toBeCloseTo(9.5);
  });

  it('Theil–Sen ignores an outage day that bends least squares', () => {
    const xs = Array.from({ length: 30 }, (_, i) => i);
    const ys = xs.map((x) => 100 + 2 * x);
    ys[25] = 0;
    expect(theilSen(xs, ys).slope).toBeCloseTo(2, 6);
    expect(Math.abs(leastSquares(xs, ys).slope - 2)).toBeGreaterThan(0.3);
  });
});

describe('capacity forecast', () => {
  const speed = 10e9;
  const threshold = 0.8 * speed;

  function growing(days: number, startLevel: number, perDay: number, seed = 1) {
    const n = noise(seed);
    return series(days, (t) => {
      const h = (t % DAY) / 3_600_000;
      const shape = 0.3 + 0.7 * Math.exp(-(((h - 14) / 4) ** 2));
      return (startLevel + perDay * ((t - T0) / DAY)) * shape * (1 + 0.03 * n());
    });
  }

  it('daily p95 per day, and a day cut short by an outage is left out', () => {
    const pts = series(3, (t, i) => (i >= 288 + 20 && i < 288 + 250 ? null : (t % DAY) / DAY));
    const d = dailyP95(pts, STEP);
    expect(d.map((x) => x.day)).toEqual([T0, T0 + 2 * DAY]);
    expect(d[0]!.p95).toBeCloseTo(0.95 * (287 / 288), 2);
  });

  it('less than two weeks of history: "not enough data", with how much there is', () => {
    const f = forecastCapacity(dailyP95(growing(9, 2e9, 5e7), STEP), {
      thresholdBps: threshold,
      now: T0 + 9 * DAY,
    });
    expect(f.status).toBe('not-enough-data');
    expect(f.reason).toContain('9 of the 14 days');
    expect(f.crossingAt).toBeNull();
  });

  it('a steady linear growth crosses 80 % of speed on the right date, inside its range', () => {
    // p95 ≈ level (the shape peaks at 1): 3 Gb/s growing 40 Mb/s a day reaches 8 Gb/s ~125 days in.
    const now = T0 + 60 * DAY;
    const d = dailyP95(growing(60, 3e9, 4e7), STEP);
    const f = forecastCapacity(d, { thresholdBps: threshold, now });
    expect(f.status).toBe('crossing');
    const levelNow = d.at(-1)!.p95;
    const truth = now + ((threshold - levelNow) / 4e7) * DAY;
    expect(Math.abs(f.crossingAt! - truth) / (truth - now)).toBeLessThan(0.1);
    expect(f.crossingLow!).toBeLessThanOrEqual(f.crossingAt!);
    expect(f.crossingHigh!).toBeGreaterThanOrEqual(f.crossingAt!);
    expect(f.fits.map((x) => `${x.method}/${x.windowDays}`)).toEqual([
      'theil-sen/30',
      'least-squares/30',
      'theil-sen/90',
      'least-squares/90',
    ]);
    const p = projection(f, now, f.crossingAt!);
    expect(p.line.at(-1)!.y).toBeCloseTo(threshold, -8);
  });

  it('flat traffic: no growth, no crossing date', () => {
    const f = forecastCapacity(dailyP95(growing(40, 3e9, 0, 3), STEP), {
      thresholdBps: threshold,
      now: T0 + 40 * DAY,
    });
    expect(['no-growth', 'beyond-horizon']).toContain(f.status);
    expect(f.crossingAt).toBeNull();
  });

  it('already above the threshold says so', () => {
    const f = forecastCapacity(dailyP95(growing(20, 9e9, 1e6), STEP), {
      thresholdBps: threshold,
      now: T0 + 20 * DAY,
    });
    expect(f.status).toBe('already-above');
  });
});
