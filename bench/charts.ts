/**
 * bench/charts: the README's sample images (`npx tsx bench/charts.ts --samples docs/images`).
 *
 * The chart figures it used to print (1M raw samples → PNG, 10M downsampled) were measured on
 * the row layout, which the packed one replaced; they now come from bench/metrics' graph
 * section (`BENCH_ONLY=graph npx tsx bench/metrics.ts`), over the layout charts read today.
 */
import { createChartRenderer, utilisationChart } from '../src/charts/index.js';
import { logger } from './lib/common.js';

const WIDTH = 1200;
const HEIGHT = 600;
const DAY = 86_400_000;
const log = logger('charts');

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
samples(samplesAt >= 0 ? (process.argv[samplesAt + 1] ?? 'docs/images') : 'docs/images').catch((err) => {
  console.error(err);
  process.exit(1);
});
