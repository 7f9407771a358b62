/**
 * bench/charts: samples in Postgres → pixel-sized query → M4 points → chart.js PNG.
 *
 *   npx tsx bench/charts.ts            (1M and 10M rows; ~1 min of data generation)
 *   BENCH_10M_ROWS=2000000 npx tsx bench/charts.ts   (smaller second table on slow machines)
 *
 * Sets up its own schema (all migrations, daily partitions as the poller creates them), fills
 * it with INSERT … SELECT generate_series (setup, not timed), measures, drops the schema.
 * Prints one JSON object as the last line.
 */
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import pg from 'pg';
import { createChartRenderer, utilisationChart } from '../src/charts/index.js';
import { bucketsToM4, m4, withGaps } from '../src/metrics/downsample.js';
import { findInterface, querySeriesFor, querySummary } from '../src/metrics/query.js';
import { createPool, migrate, quoteIdent } from '../src/storage/index.js';

const URL =
  process.env.DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://root@127.0.0.1:5432/test';
const ROWS_1M = Number(process.env.BENCH_1M_ROWS ?? 1_000_000);
const ROWS_10M = Number(process.env.BENCH_10M_ROWS ?? 10_000_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const WIDTH = 1200;
const HEIGHT = 600;
const START = Date.parse('2026-01-01T00:00:00Z');
const DAY = 86_400_000;

const log = (...a: unknown[]) => console.error('[bench/charts]', ...a);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
const r1 = (x: number) => Math.round(x * 10) / 10;

async function setup(pool: pg.Pool): Promise<void> {
  await migrate(pool);
  // one sample per second: 1M rows = 11.6 days, 10M rows = 115.7 days
  const days = Math.ceil(Math.max(ROWS_1M, ROWS_10M) / 86_400) + 1;
  for (let d = 0; d < days; d++) {
    const a = new Date(START + d * DAY).toISOString();
    const b = new Date(START + (d + 1) * DAY).toISOString();
    await pool.query(`CREATE TABLE samples_b${d} PARTITION OF samples FOR VALUES FROM ('${a}') TO ('${b}')`);
  }
  await pool.query(
    `INSERT INTO interfaces (device, ifindex, name, speed_bps) VALUES
     ('core1', 1, 'Ethernet1/1', 10000000000), ('core1', 2, 'Ethernet1/2', 10000000000)`,
  );
  const gen = async (ifindex: number, n: number) => {
    const t0 = performance.now();
    // chunks keep each statement's memory and WAL bounded
    for (let off = 0; off < n; off += 2_000_000) {
      const count = Math.min(2_000_000, n - off);
      await pool.query(
        `INSERT INTO samples (device, ifindex, ts, in_bps, out_bps, in_pps, out_pps, in_errors, out_errors,
                              in_discards, out_discards, speed_bps)
         SELECT 'core1', $1, to_timestamp($2::float8 / 1000) + i * interval '1 second',
                3e9 + 2e9 * sin(i / 8000.0) + random() * 5e8, 1.8e9 + 6e8 * cos(i / 9000.0) + random() * 2e8,
                4e5, 3e5, 0, 0, (random() < 0.001)::int, 0, 10000000000
         FROM generate_series($3::int, $4::int) i`,
        [ifindex, START, off, off + count - 1],
      );
    }
    // one known spike, to check the drawn peak
    await pool.query(
      `UPDATE samples SET in_bps = 9.9e9 WHERE device = 'core1' AND ifindex = $1 AND ts = $2`,
      [ifindex, new Date(START + Math.floor(n / 3) * 1000)],
    );
    log(`generated ${n} rows for ifIndex ${ifindex} in ${Math.round(performance.now() - t0)} ms`);
  };
  await gen(1, ROWS_1M);
  await gen(2, ROWS_10M);
  // rollups for the 10M interface, as the poller's rollup job would write them (long format)
  const t0 = performance.now();
  for (const [table, step] of [
    ['rollups_5m', '5 minutes'],
    ['rollups_1h', '1 hour'],
  ] as const) {
    await pool.query(
      `INSERT INTO ${table} (device, ifindex, metric, bucket, n, min, avg, max, p95)
       SELECT device, ifindex, m.metric, date_bin('${step}', ts, 'epoch'), count(*), min(v), avg(v), max(v),
              percentile_disc(0.95) WITHIN GROUP (ORDER BY v)
       FROM samples CROSS JOIN LATERAL (VALUES ('in_bps', in_bps), ('out_bps', out_bps)) m(metric, v)
       WHERE device = 'core1' AND ifindex = 2
       GROUP BY device, ifindex, m.metric, date_bin('${step}', ts, 'epoch')`,
    );
  }
  log(`rolled up in ${Math.round(performance.now() - t0)} ms`);
  await pool.query('VACUUM ANALYZE samples');
  await pool.query('VACUUM ANALYZE rollups_5m');
  await pool.query('VACUUM ANALYZE rollups_1h');
}

async function main() {
  // BENCH_SCHEMA=name keeps the generated data between runs (tuning); default: fresh, dropped at the end
  const keep = process.env.BENCH_SCHEMA;
  const schema = keep ?? `bench_charts_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: URL });
  await admin.connect();
  const exists = keep
    ? (await admin.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [keep])).rowCount === 1
    : false;
  if (!exists) await admin.query(`CREATE SCHEMA ${quoteIdent(schema)}`);
  const pool = createPool({ connectionString: URL, schema, max: 4 });
  try {
    if (!exists) await setup(pool);
    const renderer = createChartRenderer({ width: WIDTH, height: HEIGHT });
    const plot = renderer.plotWidth(WIDTH);
    const if1 = (await findInterface(pool, 'core1', { ifindex: 1 }))!;
    const if2 = (await findInterface(pool, 'core1', { ifindex: 2 }))!;

    // warm: first canvas creation and chart.js load are a one-off per worker process
    const tCold = performance.now();
    await renderer.render(
      utilisationChart({ title: 'warm', from: START, to: START + DAY, inbound: [], outbound: [] }),
    );
    const coldCanvasMs = performance.now() - tCold;

    const q: number[] = [];
    const d: number[] = [];
    const r: number[] = [];
    const total: number[] = [];
    const summaryMs: number[] = [];
    let points = 0;
    let peakOk = true;
    let pngBytes = 0;
    const to1 = START + ROWS_1M * 1000;
    for (let i = 0; i < RUNS; i++) {
      const t0 = performance.now();
      const res = await querySeriesFor(pool, if1, {
        metrics: ['in_bps', 'out_bps'],
        from: new Date(START),
        to: new Date(to1),
        widthPx: plot,
        resolution: 'raw',
      });
      const t1 = performance.now();
      const inbound = withGaps(bucketsToM4(res.series.in_bps!), res.bucketMs * 3);
      const outbound = withGaps(bucketsToM4(res.series.out_bps!), res.bucketMs * 3);
      const t2 = performance.now();
      const png = await renderer.render(
        utilisationChart({
          title: 'core1 Ethernet1/1 — utilisation',
          from: START,
          to: to1,
          inbound,
          outbound,
          speedBps: 1e10,
          timezone: 'Europe/Paris',
        }),
      );
      const t3 = performance.now();
      q.push(t1 - t0);
      d.push(t2 - t1);
      r.push(t3 - t2);
      total.push(t3 - t0);
      points = inbound.length + outbound.length;
      pngBytes = png.length;
      peakOk &&= Math.max(...inbound.filter((p) => Number.isFinite(p.y)).map((p) => p.y)) === 9.9e9;
      const s0 = performance.now();
      await querySummary(pool, res);
      summaryMs.push(performance.now() - s0);
    }

    const ten: number[] = [];
    let tenBuckets = 0;
    let tenRows = 0;
    let tenPeakOk = true;
    const to2 = START + ROWS_10M * 1000;
    for (let i = 0; i < Math.max(3, Math.ceil(RUNS / 2)); i++) {
      const t0 = performance.now();
      const res = await querySeriesFor(pool, if2, {
        metrics: ['in_bps', 'out_bps'],
        from: new Date(START),
        to: new Date(to2),
        widthPx: plot,
        resolution: 'raw',
      });
      const pts = bucketsToM4(res.series.in_bps!);
      ten.push(performance.now() - t0);
      tenBuckets = res.series.in_bps!.length;
      tenRows = res.rowsScanned;
      tenPeakOk &&= Math.max(...pts.map((p) => p.y)) === 9.9e9;
    }

    // the product's path for such a range: auto resolution reads the 1h rollups (max of max)
    const auto: number[] = [];
    let autoRes = '';
    let autoPeakOk = true;
    for (let i = 0; i < RUNS; i++) {
      const t0 = performance.now();
      const res = await querySeriesFor(pool, if2, {
        metrics: ['in_bps', 'out_bps'],
        from: new Date(START),
        to: new Date(to2),
        widthPx: plot,
      });
      const pts = bucketsToM4(res.series.in_bps!);
      const png = await renderer.render(
        utilisationChart({
          title: 'auto',
          from: START,
          to: to2,
          inbound: pts,
          outbound: bucketsToM4(res.series.out_bps!),
        }),
      );
      auto.push(performance.now() - t0);
      autoRes = res.resolution;
      autoPeakOk &&= Math.max(...pts.map((p) => p.y)) === 9.9e9 && png.length > 0;
    }

    // the same reduction in memory (series that did not come from SQL, e.g. analysis output)
    const mem: { x: number; y: number }[] = new Array(ROWS_10M);
    for (let i = 0; i < ROWS_10M; i++) mem[i] = { x: START + i * 1000, y: 3e9 + ((i * 7919) % 1000) * 1e6 };
    mem[Math.floor(ROWS_10M / 3)] = { x: START + Math.floor(ROWS_10M / 3) * 1000, y: 9.9e9 };
    const memMs: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      const pts = m4(mem, { from: START, to: to2, width: plot });
      memMs.push(performance.now() - t0);
      autoPeakOk &&= Math.max(...pts.map((p) => p.y)) === 9.9e9;
    }
    mem.length = 0;

    const qm = median(q);
    const dm = median(d);
    const rm = median(r);
    const sum = qm + dm + rm;
    const out = {
      raw_1m_to_png_ms: r1(median(total)),
      raw_1m_to_png_p_max_ms: r1(Math.max(...total)),
      downsample_10m_ms: r1(median(ten)),
      downsample_10m_max_ms: r1(Math.max(...ten)),
      share_query: Math.round((qm / sum) * 1000) / 1000,
      share_downsample: Math.round((dm / sum) * 1000) / 1000,
      share_render: Math.round((rm / sum) * 1000) / 1000,
      query_1m_ms: r1(qm),
      downsample_1m_node_ms: r1(dm),
      render_ms: r1(rm),
      summary_1m_ms: r1(median(summaryMs)),
      auto_10m_to_png_ms: r1(median(auto)),
      downsample_10m_node_ms: r1(median(memMs)),
      auto_10m_resolution: autoRes,
      cold_canvas_ms: r1(coldCanvasMs),
      points_drawn: points,
      png_bytes: pngBytes,
      rows_1m: ROWS_1M,
      rows_10m: tenRows,
      buckets_10m: tenBuckets,
      plot_width_px: plot,
      peak_preserved: peakOk && tenPeakOk && autoPeakOk,
      runs: RUNS,
      loadavg_1m: Math.round(loadavg()[0]! * 100) / 100,
    };
    console.log(JSON.stringify(out));
  } finally {
    await pool.end();
    if (!keep) await admin.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`);
    await admin.end();
  }
}

/**
 * `npx tsx bench/charts.ts --samples docs/images`: the README's sample images, drawn by the real
 * specs and renderer from a seeded synthetic day (no database needed).
 */
async function samples(dir: string) {
  const { mkdirSync, writeFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  mkdirSync(dir, { recursive: true });
  const renderer = createChartRenderer({ width: WIDTH, height: HEIGHT });
  const plot = renderer.plotWidth(WIDTH);
  let seed = 7;
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const from = Date.parse('2026-11-24T09:00:00Z');
  const to = from + DAY;
  const diurnal = (t: number, base: number, amp: number) =>
    base + amp * Math.sin(((t - from) / DAY) * 2 * Math.PI - 1.2);
  const raw = (
    base: number,
    amp: number,
    noise: number,
    spikes: Array<[number, number]> = [],
    step = 10_000,
  ) => {
    const pts: { x: number; y: number }[] = [];
    for (let t = from; t < to; t += step)
      pts.push({ x: t, y: diurnal(t, base, amp) + (rnd() - 0.5) * noise });
    for (const [at, v] of spikes) {
      const i = Math.floor((at - from) / step);
      for (let k = 0; k < Math.ceil(180_000 / step); k++) if (pts[i + k]) pts[i + k]!.y = v - k * 4e7;
    }
    return pts;
  };
  const spikeAt = from + 15.2 * 3_600_000;
  const opts = { from, to, width: plot };
  const { m4, bucketize, bucketsToAvg } = await import('../src/metrics/downsample.js');
  const { forecastChart, compareChart, topNChart, errorsChart } = await import('../src/charts/index.js');
  const inRaw = raw(4.2e9, 2.4e9, 7e8, [[spikeAt, 8.2e9]]);
  const expected = bucketsToAvg(bucketize(raw(4.2e9, 2.4e9, 0), { from, to, width: 96 }));
  const files: Record<string, Buffer> = {
    'utilisation.png': await renderer.render(
      utilisationChart({
        title: 'core1 Ethernet1/1 — utilisation, last 24h',
        subtitle:
          'uplink to isp-a · in: peak 8.2 Gbps (82%) at 01:12, p95 6.6 Gbps, avg 4.2 Gbps, now 3.1 Gbps',
        timezone: 'Europe/Paris',
        from,
        to,
        inbound: m4(inRaw, opts),
        outbound: m4(raw(2.1e9, 0.9e9, 3e8), opts),
        speedBps: 1e10,
        band: {
          upper: expected.map((p) => ({ x: p.x, y: p.y + 1.3e9 })),
          lower: expected.map((p) => ({ x: p.x, y: Math.max(0, p.y - 1.3e9) })),
        },
        anomalies: [{ x: spikeAt, y: 8.2e9 }],
      }),
    ),
    'forecast.png': await renderer.render(
      forecastChart({
        title: 'core1 Ethernet1/1 — capacity forecast (daily p95)',
        subtitle: 'crosses 80% of 10 Gbps in about 7 weeks',
        timezone: 'Europe/Paris',
        from: from - 90 * DAY,
        to: from + 90 * DAY,
        history: Array.from({ length: 90 }, (_, i) => ({
          x: from - (90 - i) * DAY,
          y: 5.2e9 + i * 1.8e7 + (rnd() - 0.5) * 4e8 + (i % 7 >= 5 ? -5e8 : 0),
        })),
        projection: Array.from({ length: 91 }, (_, i) => ({ x: from + i * DAY, y: 6.8e9 + i * 2.4e7 })),
        band: {
          upper: Array.from({ length: 91 }, (_, i) => ({
            x: from + i * DAY,
            y: 6.8e9 + i * 2.4e7 + 3e8 + i * 6e6,
          })),
          lower: Array.from({ length: 91 }, (_, i) => ({
            x: from + i * DAY,
            y: 6.8e9 + i * 2.4e7 - 3e8 - i * 6e6,
          })),
        },
        thresholdBps: 8e9,
        thresholdLabel: '80% of 10 Gbps',
        crossingAt: from + 50 * DAY,
        speedBps: 1e10,
      }),
    ),
    'compare.png': await renderer.render(
      compareChart({
        title: 'Ethernet1/1 on core1, core2, edge1 — traffic, last 24h',
        subtitle:
          'in solid, out dashed · core1 in peak 8.2 Gbps; core2 in peak 5.3 Gbps; edge1 in peak 2.6 Gbps',
        timezone: 'Europe/Paris',
        from,
        to,
        unit: 'bits',
        series: [
          {
            label: 'core1 Ethernet1/1',
            points: m4(raw(4.2e9, 2.4e9, 6e7, [[spikeAt, 8.2e9]], 60_000), opts),
            color: '#0072B2',
          },
          { label: '', points: m4(raw(2.1e9, 0.9e9, 4e7, [], 60_000), opts), color: '#0072B2', dashed: true },
          {
            label: 'core2 Ethernet1/1',
            points: m4(raw(3.1e9, 1.6e9, 6e7, [], 60_000), opts),
            color: '#009E73',
          },
          { label: '', points: m4(raw(1.4e9, 0.6e9, 3e7, [], 60_000), opts), color: '#009E73', dashed: true },
          { label: 'edge1 xe-0/0/0', points: m4(raw(1.5e9, 0.9e9, 4e7, [], 60_000), opts), color: '#D55E00' },
          { label: '', points: m4(raw(0.6e9, 0.2e9, 2e7, [], 60_000), opts), color: '#D55E00', dashed: true },
        ],
      }),
    ),
    'topn.png': await renderer.render(
      topNChart({
        title: 'Top 8 interfaces by p95 utilisation — all devices, last 7d',
        items: [
          ['edge2 xe-0/0/3 out', 0.93, 1e9],
          ['core1 Ethernet1/1 in', 0.82, 1e10],
          ['core2 Ethernet1/4 in', 0.74, 1e10],
          ['edge1 xe-0/0/0 in', 0.61, 1e10],
          ['dist3 Gi1/0/48 out', 0.47, 1e9],
          ['core1 Ethernet1/2 out', 0.33, 1e10],
          ['dist1 Gi1/0/1 in', 0.21, 1e9],
          ['edge2 xe-0/0/1 in', 0.12, 1e10],
        ].map(([label, util, speed]) => ({
          label: label as string,
          util: util as number,
          value: (util as number) * (speed as number),
        })),
      }),
      { width: WIDTH, height: 500 },
    ),
    'errors.png': await renderer.render(
      errorsChart({
        title: 'edge1 xe-0/0/0 — errors, last 24h',
        subtitle: 'in errors: peak 38/s at 18:10, avg 0.6/s, now 0/s (CRC errors after the fibre swap)',
        timezone: 'Europe/Paris',
        from,
        to,
        inErrors: m4(
          raw(0, 0, 0).map((p) => ({
            x: p.x,
            y:
              p.x > from + 7.5 * 3_600_000 && p.x < from + 9 * 3_600_000
                ? 20 + rnd() * 18
                : rnd() < 0.01
                  ? rnd() * 3
                  : 0,
          })),
          opts,
        ),
        outErrors: m4(
          raw(0, 0, 0).map((p) => ({ x: p.x, y: rnd() < 0.004 ? rnd() * 2 : 0 })),
          opts,
        ),
      }),
    ),
  };
  for (const [name, buf] of Object.entries(files)) {
    writeFileSync(join(dir, name), buf);
    log(`${name}: ${Math.round(buf.length / 1024)} KB`);
  }
}

const samplesAt = process.argv.indexOf('--samples');
(samplesAt >= 0 ? samples(process.argv[samplesAt + 1] ?? 'docs/images') : main()).catch((err) => {
  console.error(err);
  process.exit(1);
});
