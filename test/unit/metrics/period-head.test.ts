import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { METRICS } from '../../../src/metrics/names.js';
import { decodeHead, encodeHead } from '../../../src/metrics/period-head.js';

const PERIOD = Date.parse('2026-03-01T10:00:00Z');

describe('period heads', () => {
  it('give back count, min, max (earliest), sum and their moments for any mix of values and nulls', () => {
    const value = fc.oneof(
      fc.constant(Number.NaN),
      fc.constant(0),
      fc.constant(-0),
      fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e12, max: 1e12 }),
      fc.integer({ min: 0, max: 5 }),
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 90 }),
        fc.array(value, { minLength: 90, maxLength: 90 }),
        (n, pool) => {
          // n samples about 40 s apart, some µs off the ms
          const ts = Float64Array.from({ length: n }, (_, i) => (PERIOD + i * 40_000) * 1000 + (i % 3) * 250);
          const values: Record<string, Float64Array> = {};
          METRICS.forEach((m, k) => {
            values[m] = Float64Array.from({ length: n }, (_, i) => (k === 3 ? 0 : pool[(i * (k + 1)) % 90]!));
          });
          const h = decodeHead(encodeHead(PERIOD, ts, values), PERIOD, Math.floor(ts[0]! / 1000) * 1000, n)!;
          const ms = (i: number) => Math.floor(ts[i]! / 1000) * 1000;
          expect(h.tLast).toBe(ms(n - 1));
          METRICS.forEach((m, k) => {
            const vs = values[m]!;
            const known = [...vs.keys()].filter((i) => !Number.isNaN(vs[i]!));
            const got = h.metrics[k];
            if (!known.length) {
              expect(got).toBeNull();
              return;
            }
            let iMin = known[0]!;
            let iMax = known[0]!;
            let sum = 0;
            for (const i of known) {
              if (vs[i]! < vs[iMin]!) iMin = i;
              if (vs[i]! > vs[iMax]!) iMax = i;
              sum += vs[i]!;
            }
            expect(got!.count).toBe(known.length);
            expect(got!.min).toBe(vs[iMin]);
            expect(got!.max).toBe(vs[iMax]);
            expect(got!.sum).toBe(sum);
            expect(got!.tMin).toBe(ms(iMin));
            expect(got!.tMax).toBe(ms(iMax));
            expect(got!.tFirst).toBe(ms(known[0]!));
            expect(got!.tLast).toBe(ms(known.at(-1)!));
          });
        },
      ),
    );
  });

  it('costs one byte for a metric that was zero all period, and refuses another version', () => {
    const ts = Float64Array.from({ length: 60 }, (_, i) => (PERIOD + i * 60_000) * 1000);
    const zero = new Float64Array(60);
    const busy = Float64Array.from({ length: 60 }, (_, i) => 1e9 + i);
    const values = Object.fromEntries(METRICS.map((m) => [m, m === 'in_bps' ? busy : zero]));
    const head = encodeHead(PERIOD, ts, values);
    // version, last moment (59 min in ms: 4 varint bytes), in_bps (tag, 3 doubles, its min at
    // 0 ms and max at 59 min), seven one-byte tags
    expect(head.length).toBe(1 + 4 + (1 + 24 + 1 + 4) + 7);
    const other = Buffer.from(head);
    other[0] = 99;
    expect(decodeHead(other, PERIOD, ts[0]!, 60)).toBeUndefined();
  });
});
