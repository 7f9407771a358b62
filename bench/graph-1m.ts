/**
 * The 1M-sample graph of bench/metrics alone (no 10M interface to pack, so ~5 s of setup instead
 * of a minute): query + summary, then M4 + render, RUNS times. For A/B runs of the read and draw
 * path on a busy machine, alternating the two builds:
 *   RUNS=10 npx tsx bench/graph-1m.ts
 * Prints one JSON line (medians in ms, and the load average).
 */
process.env.BENCH_NO_MAIN = '1';
const { packedInterface } = await import('./metrics.js');
const { withBenchSchema, median, r1, load1 } = await import('./lib/common.js');
const { findInterface, querySeriesFor, querySummary } = await import('../src/metrics/query.js');
const { createChartRenderer, utilisationChart } = await import('../src/charts/index.js');
const { bucketsToM4, withGaps } = await import('../src/metrics/downsample.js');
const START = Date.parse('2026-01-01T00:00:00Z');
const N = 1_000_000;
const RUNS = Number(process.env.RUNS ?? 15);
await withBenchSchema(
  'bench_graph1m',
  async (pool: import('pg').Pool) => {
    await packedInterface(pool, 'core1', 1, N);
    await pool.query('VACUUM ANALYZE samples_packed');
    const r = createChartRenderer({ width: 1200, height: 600 });
    const if1 = (await findInterface(pool, 'core1', { ifindex: 1 }))!;
    const q: number[] = [],
      rd: number[] = [],
      tot: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t0 = performance.now();
      const res = await querySeriesFor(pool, if1, {
        metrics: ['in_bps', 'out_bps'],
        from: new Date(START),
        to: new Date(START + N * 1000),
        widthPx: 1070,
        resolution: 'raw',
      });
      await querySummary(pool, res);
      const t1 = performance.now();
      const inbound = withGaps(bucketsToM4(res.series.in_bps!), res.bucketMs * 3);
      const outbound = withGaps(bucketsToM4(res.series.out_bps!), res.bucketMs * 3);
      await r.render(
        utilisationChart({
          title: 'core1',
          from: START,
          to: START + N * 1000,
          inbound,
          outbound,
          speedBps: 1e10,
        }),
      );
      const t2 = performance.now();
      q.push(t1 - t0);
      rd.push(t2 - t1);
      tot.push(t2 - t0);
    }
    console.log(
      JSON.stringify({
        total: r1(median(tot)),
        query: r1(median(q)),
        render: r1(median(rd)),
        min_total: r1(Math.min(...tot)),
        loadavg_1m: load1(),
      }),
    );
  },
  { max: 8 },
);
