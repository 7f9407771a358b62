import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BUCKET_ROLLUPS,
  bucketQuery,
  bucketsFromMatrix,
  deviceGroups,
  discPhi,
  pixelGrid,
  selector,
  vmTime,
  type VmSeries,
} from '../../../src/metrics/metricsql.js';
import { percentileDisc } from '../../../src/metrics/scan.js';
import { type SampleRow, sampleRow } from '../../../src/metrics/store.js';
import { importBodies } from '../../../src/metrics/victoria.js';

/** VictoriaMetrics 1.79's quantile (app/vmselect/promql: rank = φ·(n − 1), linear between neighbours). */
function vmQuantile(phi: number, values: readonly number[]): number {
  const a = [...values].sort((x, y) => x - y);
  const n = a.length;
  const rank = phi * (n - 1);
  const lower = Math.max(0, Math.floor(rank));
  const upper = Math.min(n - 1, lower + 1);
  const weight = rank - Math.floor(rank);
  return a[lower]! * (1 - weight) + a[upper]! * weight;
}

describe('MetricsQL for the VictoriaMetrics backend', () => {
  it("discPhi makes VictoriaMetrics' interpolating quantile return percentile_disc's sample", () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e12, max: 1e12 }), {
          minLength: 1,
          maxLength: 3000,
        }),
        fc.constantFrom(0.5, 0.95, 0.99),
        (xs, f) => {
          const want = percentileDisc(Float64Array.from(xs), f);
          const got = vmQuantile(discPhi(xs.length, f), xs);
          // exact, or (a count no double hits) within 1e-9 of the gap to the next sample
          const spread = Math.max(...xs) - Math.min(...xs);
          expect(Math.abs(got - want)).toBeLessThanOrEqual(1e-9 * spread);
        },
      ),
      { numRuns: 300 },
    );
    // the rank lands on k (or at most 1e-9 above it) for every count up to a million samples
    let exact = 0;
    let counts = 0;
    for (let n = 2; n <= 1_000_000; n += n < 5000 ? 1 : 997) {
      const k = Math.max(1, Math.ceil(0.95 * n)) - 1;
      const rank = discPhi(n, 0.95) * (n - 1);
      expect(Math.floor(rank), `n=${n}`).toBe(k);
      expect(rank - k, `n=${n}`).toBeLessThan(1e-9);
      counts++;
      if (rank === k) exact++;
    }
    expect(exact / counts).toBeGreaterThan(0.9);
  });

  it('plain quantile_over_time(0.95) is not percentile_disc (why discPhi exists)', () => {
    const xs = Array.from({ length: 20 }, (_, i) => i);
    expect(percentileDisc(Float64Array.from(xs), 0.95)).toBe(18);
    expect(vmQuantile(0.95, xs)).toBeCloseTo(18.05, 12);
  });

  it("names moments so VictoriaMetrics' float parse and truncation give back the millisecond", () => {
    // (Go: int64(strconv.ParseFloat(s) * 1e3); the same IEEE double arithmetic here)
    const parsed = (s: string) => Math.trunc(Number.parseFloat(s) * 1e3);
    expect(vmTime(1768224697357)).toBe('1768224697.3575');
    // what RFC 3339 gave (Go: float64(t.UnixNano()) / 1e9, then the same): 37.357 became 37.356
    const nanos = BigInt(Date.parse('2026-01-12T13:31:37.357Z')) * 1_000_000n;
    expect(Math.trunc((Number(nanos) / 1e9) * 1e3)).toBe(1768224697356);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4_102_444_800_000 }), (ms) => {
        expect(parsed(vmTime(ms))).toBe(ms);
      }),
      { numRuns: 20_000 },
    );
  });

  it('splits a range into query_range columns and a raw tail', () => {
    // 10 columns of 1 s, all settled: every column from query_range, evaluated at its last ms
    expect(pixelGrid(0, 10_000, 1_000, 1e12)).toEqual({
      head: { start: 999, end: 9_999, step: 1_000, count: 10 },
      tailFrom: 10_000,
    });
    // the range's end cuts the last column short: it comes from raw samples
    expect(pixelGrid(0, 10_500, 1_000, 1e12)).toEqual({
      head: { start: 999, end: 9_999, step: 1_000, count: 10 },
      tailFrom: 10_000,
    });
    // columns ending after the cut (recent) too
    expect(pixelGrid(0, 10_000, 1_000, 6_999)).toEqual({
      head: { start: 999, end: 6_999, step: 1_000, count: 7 },
      tailFrom: 7_000,
    });
    expect(pixelGrid(0, 10_000, 1_000, 6_998).head?.count).toBe(6);
    expect(pixelGrid(5_000, 10_000, 1_000, 0)).toEqual({ tailFrom: 5_000 });
  });

  it('quotes label values and tags every rollup', () => {
    expect(selector('netops_in_bps', { devices: ['a"b\\c'], ifindex: 3 })).toBe(
      'netops_in_bps{device="a\\"b\\\\c",ifindex="3"}',
    );
    expect(selector('x', { devices: ['r1.lab', 'r2'] })).toBe('x{device=~"r1\\\\.lab|r2"}');
    const q = bucketQuery('netops_', ['in_bps'], { devices: ['r1'], ifindex: 1 }, 4_500);
    // the filters once, in a WITH template (queries over 16 KB are refused)
    // every rollup of a metric from one pass over its samples (aggr_over_time)
    expect(q).toMatch(
      /^WITH \(sel_filters = \{device="r1",ifindex="1"\}\) label_set\(aggr_over_time\(\("count_over_time", "min_over_time", /,
    );
    expect(q).toContain('"tmax_over_time"), netops_in_bps{sel_filters}[4500ms]), "netops_m", "in_bps")');
    expect(bucketQuery('netops_', ['in_bps', 'out_bps'], {}, 1000).match(/aggr_over_time\(/g)).toHaveLength(
      2,
    );
    const many = Array.from({ length: 200 }, (_, i) => `access-switch-${i}.dc1.example.net`);
    const big = bucketQuery(
      'netops_',
      ['in_bps', 'out_bps', 'in_errors', 'out_errors'],
      { devices: many },
      300_000,
    );
    expect(big.length).toBeLessThan(16_384);
    expect(bucketQuery('netops_', ['in_bps', 'out_bps'], {}, 1000)).toMatch(
      /^union\(label_set\(aggr_over_time\(\("count_over_time", .*\), netops_in_bps\[1000ms\]\)/,
    );
  });

  it('groups devices by count, name length and interfaces', () => {
    const ds = Array.from({ length: 10 }, (_, i) => `d${i}`);
    expect(deviceGroups(ds, { maxDevices: 4, maxChars: 1000 }).map((g) => g.length)).toEqual([4, 4, 2]);
    expect(deviceGroups(ds, { maxDevices: 100, maxChars: 9 }).map((g) => g.length)).toEqual([3, 3, 3, 1]);
    expect(
      deviceGroups(ds, {
        maxDevices: 100,
        maxChars: 1000,
        maxWeight: 100,
        weight: (d) => (d === 'd3' ? 90 : 10),
      }).map((g) => g.length),
    ).toEqual([3, 2, 5]);
    // one device over every limit still gets a group of its own
    expect(deviceGroups(['x'.repeat(50)], { maxDevices: 1, maxChars: 10 })).toEqual([['x'.repeat(50)]]);
  });

  it('reads columns back, spanning every metric of a column, leaving empty ones out', () => {
    const series = (m: string, f: keyof typeof BUCKET_ROLLUPS, values: [number, string][]): VmSeries => ({
      metric: { device: 'r1', ifindex: '1', netops_m: m, rollup: BUCKET_ROLLUPS[f] },
      values,
    });
    // columns of 1 s from t=1000: column 0 evaluated at 1.999 s, column 2 at 3.999 s (column 1 empty)
    const at = (a: string, b: string): [number, string][] => [
      [1.999, a],
      [3.999, b],
    ];
    const result = [
      series('in_bps', 'n', at('2', '1')),
      series('in_bps', 'min', at('1', '5')),
      series('in_bps', 'max', at('3', '5')),
      series('in_bps', 'avg', at('2', '5')),
      series('in_bps', 'first', at('1', '5')),
      series('in_bps', 'last', at('3', '5')),
      series('in_bps', 'tFirst', at('1.1', '3.5')),
      series('in_bps', 'tLast', at('1.9', '3.5')),
      series('in_bps', 'tMin', at('1.1', '3.5')),
      series('in_bps', 'tMax', at('1.9', '3.5')),
      series('out_bps', 'n', [[1.999, '1']]),
      series('out_bps', 'tFirst', [[1.999, '1.05']]),
      series('out_bps', 'tLast', [[1.999, '1.05']]),
    ];
    const got = bucketsFromMatrix(result, ['in_bps'], 1_000, 1_000).get('r1\u00001')!;
    expect(got.series.in_bps!.map((b) => [b.x0, b.x1, b.n, b.min, b.max, b.tFirst, b.tLast])).toEqual([
      [1_000, 2_000, 2, 1, 3, 1_050, 1_900],
      [3_000, 4_000, 1, 5, 5, 3_500, 3_500],
    ]);
    expect(got.rows).toBe(3);
  });

  it('cuts import bodies at the size limit without losing or repeating a sample', () => {
    const rows: SampleRow[] = [];
    for (let d = 0; d < 40; d++)
      for (let i = 1; i <= 48; i++)
        rows.push({
          device: `sw${d}`,
          ifIndex: i,
          ts: new Date(1_772_323_200_000 + d),
          inBps: i * 1000.5,
          outBps: i,
          inPps: null,
          outPps: Number.NaN,
          inErrors: 0,
          outErrors: 0,
          inDiscards: 0,
          outDiscards: 0,
          speedBps: 1e9,
        });
    const bodies = importBodies(rows, 'netops_', 20_000);
    expect(bodies.length).toBeGreaterThan(3);
    for (const b of bodies) expect(b.body.length).toBeLessThanOrEqual(20_000);
    const lines = bodies.flatMap((b) => b.body.split('\n'));
    expect(new Set(lines).size).toBe(lines.length);
    expect(lines.length).toBe(rows.length);
    // 7 known values per row (pps in unknown, out NaN): columns for those 7 only, no empty field
    expect(bodies.reduce((a, b) => a + b.samples, 0)).toBe(rows.length * 7);
    for (const b of bodies)
      expect(decodeURIComponent(b.path)).toBe(
        '/api/v1/import/csv?format=1:label:device,2:label:ifindex,3:time:unix_ms,' +
          '4:metric:netops_in_bps,5:metric:netops_out_bps,6:metric:netops_in_errors,7:metric:netops_out_errors,' +
          '8:metric:netops_in_discards,9:metric:netops_out_discards,10:metric:netops_speed_bps',
      );
    expect(lines[0]).toBe('"sw0",1,1772323200000,1000.5,1,0,0,0,0,1000000000');
  });

  it('groups import lines by the metrics they know, quotes the device, and sends a name CSV cannot hold as JSON', () => {
    const at = new Date(1_772_323_200_123);
    const bodies = importBodies(
      [
        sampleRow('a,"b"', 1, at, { inBps: 1, speedBps: 1e9 }),
        sampleRow('a,"b"', 2, at, { inBps: 2 }),
        sampleRow('a,"b"', 3, at, {}),
        sampleRow('c\nd', 4, at, { outBps: 4 }),
        sampleRow('e', 5, new Date(Number.NaN), { inBps: 5 }),
      ],
      'x_',
      4_000_000,
    );
    expect(bodies.map((b) => [decodeURIComponent(b.path), b.body, b.samples])).toEqual([
      [
        '/api/v1/import/csv?format=1:label:device,2:label:ifindex,3:time:unix_ms,4:metric:x_in_bps,5:metric:x_speed_bps',
        '"a,""b""",1,1772323200123,1,1000000000',
        2,
      ],
      [
        '/api/v1/import/csv?format=1:label:device,2:label:ifindex,3:time:unix_ms,4:metric:x_in_bps',
        '"a,""b""",2,1772323200123,2',
        1,
      ],
      [
        '/api/v1/import',
        '{"metric":{"__name__":"x_out_bps","device":"c\\nd","ifindex":"4"},"values":[4],"timestamps":[1772323200123]}',
        1,
      ],
    ]);
  });
});
