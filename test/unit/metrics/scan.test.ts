import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SampleChunk } from '../../../src/metrics/packed.js';
import { percentileDisc, scanChunks } from '../../../src/metrics/scan.js';

describe('one-pass scan', () => {
  it('percentile_disc equals the sorted definition, for small and histogram-sized inputs', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(fc.double({ noNaN: true, min: -1e12, max: 1e12 }), fc.integer({ min: 0, max: 5 })),
          {
            minLength: 1,
            maxLength: 9000,
          },
        ),
        fc.constantFrom(0.5, 0.95, 0.99, 1),
        (xs, f) => {
          const sorted = [...xs].sort((a, b) => a - b);
          const want = sorted[Math.max(1, Math.ceil(f * xs.length)) - 1];
          expect(percentileDisc(Float64Array.from(xs), f)).toBe(want);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('gives buckets and summary figures equal to a naive computation', () => {
    fc.assert(
      fc.property(
        fc.array(fc.option(fc.integer({ min: 0, max: 1000 }), { nil: null }), {
          minLength: 1,
          maxLength: 400,
        }),
        fc.integer({ min: 1, max: 50 }),
        (vals, width) => {
          const from = 1_000_000;
          const ts = vals.map((_, i) => (from + i * 1000) * 1000);
          // split into two time-ordered chunks, as a packed hour and recent rows would be
          const cut = Math.floor(vals.length / 2);
          const mk = (a: number, b: number): SampleChunk => ({
            device: 'd',
            ifindex: 1,
            tsUs: Float64Array.from(ts.slice(a, b)),
            values: { in_bps: Float64Array.from(vals.slice(a, b), (v) => v ?? Number.NaN) },
          });
          const to = from + vals.length * 1000;
          const bucketMs = Math.max(1, Math.ceil((to - from) / width));
          const r = scanChunks(
            [mk(0, cut), mk(cut, vals.length)].filter((c) => c.tsUs.length),
            ['in_bps'],
            {
              from,
              to,
              bucketMs,
            },
          );
          const known = vals.flatMap((v, i) => (v === null ? [] : [{ v, t: from + i * 1000 }]));
          const st = r.stats.in_bps;
          if (!known.length) {
            expect(st).toBeUndefined();
            return;
          }
          const peak = Math.max(...known.map((k) => k.v));
          expect(st).toMatchObject({
            peak,
            peakAt: known.find((k) => k.v === peak)!.t,
            current: known.at(-1)!.v,
            currentAt: known.at(-1)!.t,
            samples: known.length,
          });
          expect(st!.avg).toBeCloseTo(known.reduce((a, k) => a + k.v, 0) / known.length, 9);
          const n = r.series.in_bps!.reduce((a, b) => a + b.n, 0);
          expect(n).toBe(known.length);
          for (const b of r.series.in_bps!) {
            const inside = known.filter((k) => k.t >= b.x0 && k.t < b.x0 + bucketMs);
            expect(b.min).toBe(Math.min(...inside.map((k) => k.v)));
            expect(b.max).toBe(Math.max(...inside.map((k) => k.v)));
            expect(b.first).toBe(inside[0]!.v);
            expect(b.last).toBe(inside.at(-1)!.v);
          }
        },
      ),
    );
  });
});
