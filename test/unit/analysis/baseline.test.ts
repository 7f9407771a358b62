import { describe, expect, it } from 'vitest';
import { bandAt, buildBaseline, type Point } from '../../../src/analysis/baseline.js';
import { quantileRange, weightedQuantileRange } from '../../../src/analysis/stats.js';
import { DAY, diurnal, HOUR, noise, STEP } from './helpers.js';

/**
 * Four weeks of traffic whose level moves every three days (±30 %, as real ports and the lab's
 * model do from one week to the next) with ±10 % noise within the hour. `sparseBefore`: days older
 * than that are written at one sample per 30 minutes, as a poller set to slow polling, an outage of
 * the fine-grained poller or an imported history leaves them.
 */
function traffic(end: number, sparseBefore: number | null): Point[] {
  const level = noise(7);
  const levels = Array.from({ length: 12 }, () => 1 + 0.3 * level());
  const jitter = noise(11);
  const out: Point[] = [];
  for (let t = end - 28 * DAY; t < end; t += STEP) {
    const v = diurnal(t) * levels[Math.floor((end - t) / (3 * DAY))]! * (1 + 0.1 * jitter());
    if (sparseBefore !== null && t < end - sparseBefore && t % (30 * 60_000) !== 0) continue;
    out.push({ t, v });
  }
  return out;
}

const settings = { log: true, minScale: 1e6, relScale: 0.03 } as const;

describe('baseline: each day weighs alike in its hour', () => {
  it('regression (lab storm): days written sparse (30 min) before the last week give the band the same days written every 5 minutes give', () => {
    const end = Date.UTC(2026, 1, 2);
    const dense = buildBaseline(traffic(end, null), settings)!;
    const sparse = buildBaseline(traffic(end, 7 * DAY), settings)!;
    expect(sparse.season).toBe('week');
    const ratios: number[] = [];
    const centres: number[] = [];
    for (let t = end; t < end + 7 * DAY; t += HOUR) {
      const d = bandAt(dense, t);
      const s = bandAt(sparse, t);
      ratios.push(Math.log(s.high / s.low) / Math.log(d.high / d.low));
      centres.push(Math.abs(Math.log(s.expected / d.expected)));
    }
    ratios.sort((a, b) => a - b);
    centres.sort((a, b) => a - b);
    // The band's width (log high/low), hour by hour: within 10 % at the median hour, 25 % at worst
    // (counting each point alike: 0.37 at the median hour, the lab's band far too narrow).
    expect(ratios[Math.floor(ratios.length / 2)]!).toBeGreaterThan(0.9);
    expect(ratios[Math.floor(ratios.length / 2)]!).toBeLessThan(1.1);
    expect(ratios[0]!).toBeGreaterThan(0.75);
    expect(ratios[ratios.length - 1]!).toBeLessThan(1.25);
    // Its centre: within 5 % at the median hour (9 % before), 15 % at worst (40 % before), where
    // the band's half-width is over 100 % (4 scales of 0.31).
    expect(centres[Math.floor(centres.length / 2)]!).toBeLessThan(0.05);
    expect(centres[centres.length - 1]!).toBeLessThan(0.15);
  });

  it('the usual history (every day every 5 minutes) learns the band it always did: weights only where days differ', () => {
    const end = Date.UTC(2026, 1, 2);
    const h = traffic(end, null);
    const b = buildBaseline(h, settings)!;
    // Drop one 5-minute point from one day: that slot alone takes the weighted path, and moves little.
    const gap = buildBaseline(
      h.filter((_, i) => i !== 1000),
      settings,
    )!;
    let moved = 0;
    for (let k = 0; k < b.slots; k++) moved = Math.max(moved, Math.abs(gap.median[k]! - b.median[k]!));
    expect(moved).toBeLessThan(0.02);
  });
});

describe('weightedQuantileRange', () => {
  it('with equal weights is the plain quantile (median: the mean of the middle two)', () => {
    const r = noise(3);
    for (const n of [1, 2, 3, 10, 11, 200, 1001]) {
      const a = Float64Array.from({ length: n }, () => Math.round(r() * 20));
      const w = new Float64Array(n).fill(1 / 12);
      expect(weightedQuantileRange(a.slice(), w, 0, n, 0.5)).toBeCloseTo(
        quantileRange(a.slice(), 0, n, 0.5),
        12,
      );
    }
  });

  it('a value weighing as much as all others together is the median of one side', () => {
    const a = Float64Array.from([1, 2, 3, 100]);
    const w = Float64Array.from([1, 1, 1, 3]);
    expect(weightedQuantileRange(a, w, 0, 4, 0.5)).toBe(51.5);
    const b = Float64Array.from([5, 1, 9, 3]);
    const v = Float64Array.from([0.25, 0.25, 1, 0.25]);
    expect(weightedQuantileRange(b, v, 0, 4, 0.5)).toBe(9);
    expect(weightedQuantileRange(Float64Array.from([4, 4, 4]), Float64Array.from([1, 2, 3]), 0, 3, 0.5)).toBe(
      4,
    );
  });
});
