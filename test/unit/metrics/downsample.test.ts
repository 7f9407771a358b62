import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  bucketize,
  bucketsToM4,
  bucketsToMinMax,
  lttb,
  m4,
  minMax,
  type Point,
  withGaps,
} from '../../../src/metrics/downsample.js';

/** Sorted, strictly increasing x in [from, to), arbitrary y (including spikes). */
const series = fc
  .record({
    from: fc.integer({ min: 0, max: 1_000_000 }),
    steps: fc.array(fc.integer({ min: 1, max: 5_000 }), { minLength: 1, maxLength: 3_000 }),
    ys: fc.array(fc.double({ min: -1e12, max: 1e12, noNaN: true }), { minLength: 3_000, maxLength: 3_000 }),
    width: fc.integer({ min: 1, max: 400 }),
  })
  .map(({ from, steps, ys, width }) => {
    const points: Point[] = [];
    let x = from;
    for (let i = 0; i < steps.length; i++) {
      points.push({ x, y: ys[i]! });
      x += steps[i]!;
    }
    return { points, opts: { from, to: x, width } };
  });

const maxY = (ps: readonly Point[]) => Math.max(...ps.map((p) => p.y));
const minY = (ps: readonly Point[]) => Math.min(...ps.map((p) => p.y));

function strictlyIncreasing(ps: readonly Point[]): boolean {
  return ps.every((p, i) => i === 0 || p.x > ps[i - 1]!.x);
}

describe('m4', () => {
  it('draws at most 4 points per pixel, keeps the raw max and min, and keeps time order', () => {
    fc.assert(
      fc.property(series, ({ points, opts }) => {
        const out = m4(points, opts);
        expect(out.length).toBeLessThanOrEqual(4 * opts.width);
        expect(out.length).toBeLessThanOrEqual(points.length);
        expect(maxY(out)).toBe(maxY(points));
        expect(minY(out)).toBe(minY(points));
        expect(strictlyIncreasing(out)).toBe(true);
        // every drawn point is a raw point (no invented values)
        const raw = new Map(points.map((p) => [p.x, p.y]));
        for (const p of out) expect(raw.get(p.x)).toBe(p.y);
      }),
      { numRuns: 200 },
    );
  });

  it('keeps a single-sample spike among a million flat samples', () => {
    const points: Point[] = Array.from({ length: 1_000_000 }, (_, i) => ({ x: i * 1000, y: 1 }));
    points[654_321] = { x: 654_321_000, y: 9.5e9 };
    const out = m4(points, { from: 0, to: 1e9, width: 800 });
    expect(out.length).toBeLessThanOrEqual(3_200);
    expect(maxY(out)).toBe(9.5e9);
    expect(out.find((p) => p.y === 9.5e9)?.x).toBe(654_321_000);
  });
});

describe('minMax', () => {
  it('draws at most 2 points per pixel and keeps both extremes in time order', () => {
    fc.assert(
      fc.property(series, ({ points, opts }) => {
        const out = minMax(points, opts);
        expect(out.length).toBeLessThanOrEqual(2 * opts.width);
        expect(maxY(out)).toBe(maxY(points));
        expect(minY(out)).toBe(minY(points));
        expect(strictlyIncreasing(out)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});

describe('bucket aggregates without extreme timestamps (the SQL shape)', () => {
  it('still bounds the point count, keeps extremes and never goes back in time', () => {
    fc.assert(
      fc.property(series, ({ points, opts }) => {
        const withEdges = bucketize(points, opts).map(({ tMin: _a, tMax: _b, ...rest }) => rest);
        const buckets = withEdges.map(({ first: _f, last: _l, ...rest }) => rest);
        for (const out of [bucketsToM4(withEdges), bucketsToM4(buckets), bucketsToMinMax(buckets)]) {
          expect(out.length).toBeLessThanOrEqual(4 * opts.width);
          expect(maxY(out)).toBe(maxY(points));
          expect(minY(out)).toBe(minY(points));
          expect(out.every((p, i) => i === 0 || p.x >= out[i - 1]!.x)).toBe(true);
        }
        expect(bucketsToMinMax(buckets).length).toBeLessThanOrEqual(2 * opts.width);
        expect(bucketsToM4(buckets).length).toBeLessThanOrEqual(2 * opts.width);
      }),
      { numRuns: 150 },
    );
  });

  it('bucket counts add up to the number of samples and averages lie between min and max', () => {
    fc.assert(
      fc.property(series, ({ points, opts }) => {
        const buckets = bucketize(points, opts);
        expect(buckets.reduce((s, b) => s + b.n, 0)).toBe(points.length);
        for (const b of buckets) {
          expect(b.avg).toBeGreaterThanOrEqual(b.min - Math.abs(b.min) * 1e-9);
          expect(b.avg).toBeLessThanOrEqual(b.max + Math.abs(b.max) * 1e-9);
          expect(b.tFirst).toBeGreaterThanOrEqual(b.x0);
          expect(b.tLast).toBeLessThan(b.x1 + 1e-6);
        }
      }),
      { numRuns: 100 },
    );
  });
});

describe('lttb', () => {
  it('returns exactly the threshold, keeps the ends, picks only raw points in time order', () => {
    fc.assert(
      fc.property(series, fc.integer({ min: 3, max: 500 }), ({ points }, threshold) => {
        const out = lttb(points, threshold);
        expect(out.length).toBe(Math.min(threshold, points.length));
        expect(out[0]).toEqual(points[0]);
        expect(out[out.length - 1]).toEqual(points[points.length - 1]);
        expect(strictlyIncreasing(out)).toBe(true);
        const raw = new Map(points.map((p) => [p.x, p.y]));
        for (const p of out) expect(raw.get(p.x)).toBe(p.y);
      }),
      { numRuns: 200 },
    );
  });

  it('keeps an isolated spike (it forms the largest triangle)', () => {
    const points: Point[] = Array.from({ length: 10_000 }, (_, i) => ({ x: i, y: Math.sin(i / 500) }));
    points[4_321] = { x: 4_321, y: 100 };
    expect(maxY(lttb(points, 200))).toBe(100);
  });
});

describe('withGaps', () => {
  it('inserts a break only where samples stop for longer than the limit', () => {
    const out = withGaps(
      [
        { x: 0, y: 1 },
        { x: 60, y: 1 },
        { x: 600, y: 2 },
      ],
      120,
    );
    expect(out.map((p) => Number.isNaN(p.y))).toEqual([false, false, true, false]);
  });
});
