import { describe, expect, it } from 'vitest';
import type { SampleChunk } from '../../../src/metrics/packed.js';
import { scanChunks } from '../../../src/metrics/scan.js';
import { emptyWindows, foldBuckets, foldChunks, recentGrid } from '../../../src/metrics/windows.js';

/**
 * The analysis job's flat windows hold what the pixel buckets of the same samples hold: averages
 * to the bit and counts, whether folded from the samples (Postgres) or from the buckets a backend
 * answers with (VictoriaMetrics).
 */

const METRICS = ['in_bps', 'out_bps', 'in_errors'] as const;
const FROM = Date.parse('2026-03-02T13:00:00Z');
const TO = FROM + 2 * 3_600_000;
const BUCKET = 300_000;

function lcg(seed: number) {
  let s = seed;
  return () => {
    s = (s * 1_103_515_245 + 12_345) % 2_147_483_648;
    return s / 2_147_483_648;
  };
}

/** An interface's samples in a few chunks (time order within each), jittered, with unknowns. */
function chunks(seed: number): SampleChunk[] {
  const rnd = lcg(seed);
  const out: SampleChunk[] = [];
  let t = FROM + Math.floor(rnd() * 30_000);
  while (t < TO) {
    const n = 1 + Math.floor(rnd() * 40);
    const ts: number[] = [];
    for (let i = 0; i < n && t < TO; i++) {
      ts.push(t * 1000);
      t += 20_000 + Math.floor(rnd() * 70_000);
    }
    const values: SampleChunk['values'] = {};
    for (const m of METRICS)
      values[m] = Float64Array.from(ts, () => (rnd() < 0.05 ? Number.NaN : rnd() * 1e9 * (1 + rnd())));
    out.push({ device: 'd', ifindex: 1, tsUs: Float64Array.from(ts), values });
  }
  return out;
}

describe('recent windows', () => {
  it('hold the averages and counts of the scan buckets, from samples and from buckets alike', () => {
    const grid = recentGrid(FROM, TO, BUCKET, METRICS);
    for (let seed = 1; seed <= 20; seed++) {
      const cs = chunks(seed);
      const series = scanChunks(cs, METRICS, {
        from: FROM,
        to: TO,
        bucketMs: BUCKET,
        origin: FROM,
        p95: false,
      }).series;
      const w = emptyWindows(grid, 3);
      foldChunks(w, 1, cs);
      foldBuckets(w, 2, series);
      for (const [m, metric] of METRICS.entries()) {
        const held = (slot: number) => {
          const out: { x0: number; n: number; avg: number }[] = [];
          const at = slot * w.stride + m * w.size;
          for (let b = 0; b < w.size; b++)
            if (w.n[at + b]) out.push({ x0: FROM + b * BUCKET, n: w.n[at + b]!, avg: w.avg[at + b]! });
          return out;
        };
        const want = (series[metric] ?? []).map((b) => ({ x0: b.x0, n: b.n, avg: b.avg }));
        expect(held(1)).toEqual(want);
        expect(held(2)).toEqual(want);
        for (const [k, h] of held(1).entries()) expect(Object.is(h.avg, want[k]!.avg)).toBe(true);
      }
      // the slots either side are untouched
      expect(w.n.subarray(0, w.stride).every((x) => x === 0)).toBe(true);
    }
  });
});
