import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCanvas, loadImage } from 'canvas';
import { beforeAll, describe, expect, it } from 'vitest';
import { type ChartLayout, createChartRenderer } from '../../../src/charts/render.js';
import {
  compareChart,
  errorsChart,
  forecastChart,
  topNChart,
  utilisationChart,
} from '../../../src/charts/specs.js';
import { THEMES } from '../../../src/charts/theme.js';
import { bucketize, bucketsToAvg, m4, type Point } from '../../../src/metrics/downsample.js';

const OUT = join(process.cwd(), 'test', 'out');
const renderer = createChartRenderer();
const W = 1200;
const H = 600;

const FROM = Date.parse('2026-03-02T00:00:00Z');
const TO = FROM + 86_400_000;
const SPIKE_AT = FROM + 50_000_000;
const SPIKE = 8.2e9;

/** 86,400 one-second samples with one spike; a seeded LCG keeps the noise reproducible. */
function traffic(scale = 1): Point[] {
  let seed = 42;
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const out: Point[] = [];
  for (let i = 0; i < 86_400; i++) {
    const x = FROM + i * 1000;
    out.push({ x, y: x === SPIKE_AT ? SPIKE : scale * (3e9 + 2e9 * Math.sin(i / 8000) + rnd() * 4e8) });
  }
  return out;
}

interface PngStats {
  width: number;
  height: number;
  /** Share of pixels that differ from the corner (background) colour. */
  inked: number;
  colours: number;
  pixels: Uint8ClampedArray;
}

async function pngStats(buf: Buffer): Promise<PngStats> {
  expect([...buf.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  expect(buf.subarray(12, 16).toString('ascii')).toBe('IHDR');
  const width = buf.readUInt32BE(16);
  const height = buf.readUInt32BE(20);
  const img = await loadImage(buf);
  const canvas = createCanvas(width, height);
  const ctx = canvas.getContext('2d');
  ctx.drawImage(img, 0, 0);
  const pixels = ctx.getImageData(0, 0, width, height).data;
  const bg = [pixels[0], pixels[1], pixels[2]];
  let inked = 0;
  const colours = new Set<number>();
  for (let i = 0; i < pixels.length; i += 4) {
    const [r, g, b] = [pixels[i]!, pixels[i + 1]!, pixels[i + 2]!];
    colours.add((r << 16) | (g << 8) | b);
    if (r !== bg[0] || g !== bg[1] || b !== bg[2]) inked++;
  }
  return { width, height, inked: inked / (width * height), colours: colours.size, pixels };
}

function hex(c: string): [number, number, number] {
  const n = Number.parseInt(c.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/** Topmost row, within columns [x0, x1], holding a pixel close to `colour`. */
function topmostOf(s: PngStats, colour: string, x0: number, x1: number): number {
  const [r, g, b] = hex(colour);
  for (let y = 0; y < s.height; y++) {
    for (let x = Math.max(0, Math.floor(x0)); x <= Math.min(s.width - 1, Math.ceil(x1)); x++) {
      const i = (y * s.width + x) * 4;
      const d = Math.abs(s.pixels[i]! - r) + Math.abs(s.pixels[i + 1]! - g) + Math.abs(s.pixels[i + 2]! - b);
      if (d < 60) return y;
    }
  }
  return -1;
}

async function save(name: string, buf: Buffer): Promise<PngStats> {
  writeFileSync(join(OUT, name), buf);
  const s = await pngStats(buf);
  expect(s.width).toBe(W);
  expect(s.height).toBe(H);
  expect(buf.length).toBeLessThan(400_000);
  return s;
}

beforeAll(() => {
  mkdirSync(OUT, { recursive: true });
});

describe('chart renderer', () => {
  it('draws the utilisation chart with the raw peak at its true height (light and dark)', async () => {
    const raw = traffic();
    const width = renderer.plotWidth(W);
    const inbound = m4(raw, { from: FROM, to: TO, width });
    const outbound = m4(traffic(0.6), { from: FROM, to: TO, width });
    expect(inbound.length).toBeLessThanOrEqual(4 * width);
    const avg = bucketsToAvg(bucketize(raw, { from: FROM, to: TO, width: 60 }));
    const band = {
      upper: avg.map((p) => ({ x: p.x, y: p.y + 1e9 })),
      lower: avg.map((p) => ({ x: p.x, y: p.y - 1e9 })),
    };
    for (const themeName of ['light', 'dark'] as const) {
      let layout: ChartLayout | undefined;
      const buf = await renderer.render(
        utilisationChart({
          title: 'core1 Ethernet1/1 — utilisation, last 24h',
          subtitle: 'in: peak 8.2 Gbps (82%)',
          timezone: 'Europe/Paris',
          from: FROM,
          to: TO,
          inbound,
          outbound,
          speedBps: 1e10,
          band,
          anomalies: [],
          theme: themeName,
        }),
        { probe: (l) => (layout = l) },
      );
      const s = await save(`utilisation-${themeName}.png`, buf);
      expect(s.inked).toBeGreaterThan(0.1);
      expect(s.colours).toBeGreaterThan(20);
      const bgPixel = [s.pixels[0], s.pixels[1], s.pixels[2]];
      expect(bgPixel).toEqual(hex(THEMES[themeName].background));
      // the spike's column: the inbound colour reaches the pixel row of 8.2 Gbps
      const px = layout!.x(SPIKE_AT);
      const top = topmostOf(s, THEMES[themeName].inbound, px - 2, px + 2);
      expect(Math.abs(top - layout!.y(SPIKE))).toBeLessThanOrEqual(2);
      // and nowhere else does it get that high (the sine tops out near 5.4 Gbps)
      expect(topmostOf(s, THEMES[themeName].inbound, layout!.area.left, px - 10)).toBeGreaterThan(
        layout!.y(6e9),
      );
    }
  });

  it('an average-per-pixel line would have lost that peak (why M4)', () => {
    const raw = traffic();
    const avg = bucketsToAvg(bucketize(raw, { from: FROM, to: TO, width: renderer.plotWidth(W) }));
    expect(Math.max(...avg.map((p) => p.y))).toBeLessThan(6e9);
  });

  it('draws the forecast with projection, threshold and crossing date', async () => {
    const day = 86_400_000;
    const f0 = Date.parse('2026-01-01T00:00:00Z');
    const history = Array.from({ length: 90 }, (_, i) => ({
      x: f0 + i * day,
      y: 4e9 + i * 3e7 + (i % 7) * 5e7,
    }));
    const projection = Array.from({ length: 91 }, (_, i) => ({
      x: f0 + (89 + i) * day,
      y: 4e9 + (89 + i) * 3e7,
    }));
    let layout: ChartLayout | undefined;
    const buf = await renderer.render(
      forecastChart({
        title: 'core1 Ethernet1/1 — capacity forecast',
        from: f0,
        to: f0 + 180 * day,
        history,
        projection,
        thresholdBps: 8e9,
        thresholdLabel: '80% of 10 Gbps',
        crossingAt: f0 + 134 * day,
        speedBps: 1e10,
      }),
      { probe: (l) => (layout = l) },
    );
    const s = await save('forecast.png', buf);
    expect(s.inked).toBeGreaterThan(0.03);
    // the crossing marker sits on the threshold line
    const cx = layout!.x(f0 + 134 * day);
    const marker = topmostOf(s, THEMES.light.anomaly, cx - 1, cx + 1);
    expect(marker).toBeGreaterThanOrEqual(layout!.area.top - 1);
  });

  it('draws compare, top-N and errors charts', async () => {
    const width = renderer.plotWidth(W);
    const opts = { from: FROM, to: TO, width };
    const compare = await save(
      'compare.png',
      await renderer.render(
        compareChart({
          title: 'Ethernet1/1 on core1, core2, edge1 (in)',
          from: FROM,
          to: TO,
          unit: 'bits',
          series: [
            { label: 'core1', points: m4(traffic(), opts) },
            { label: 'core2', points: m4(traffic(0.5), opts) },
            { label: 'edge1', points: m4(traffic(0.2), opts) },
          ],
        }),
      ),
    );
    expect(compare.inked).toBeGreaterThan(0.05);
    for (const c of THEMES.light.palette.slice(0, 3))
      expect(topmostOf(compare, c, 60, W - 60)).toBeGreaterThan(0);

    const topn = await save(
      'topn.png',
      await renderer.render(
        topNChart({
          title: 'Top 8 interfaces by p95 utilisation, last 7d',
          items: Array.from({ length: 8 }, (_, i) => ({
            label: `core${i} Ethernet1/${i}`,
            value: 1e10 * (0.95 - i * 0.1),
            util: 0.95 - i * 0.1,
          })),
        }),
      ),
    );
    expect(topn.inked).toBeGreaterThan(0.1);
    expect(topmostOf(topn, THEMES.light.anomaly, 0, W)).toBeGreaterThan(0); // the 95% bar is red

    const err = traffic().map((p, i) => ({ x: p.x, y: i % 900 < 30 ? 12 : 0 }));
    const errors = await save(
      'errors.png',
      await renderer.render(
        errorsChart({
          title: 'core1 Ethernet1/1 — errors and discards',
          from: FROM,
          to: TO,
          inErrors: m4(err, opts),
          outErrors: m4(
            err.map((p) => ({ x: p.x, y: p.y / 3 })),
            opts,
          ),
          inDiscards: m4(
            err.map((p) => ({ x: p.x, y: p.y * 2 })),
            opts,
          ),
        }),
      ),
    );
    expect(errors.inked).toBeGreaterThan(0.03);
  });

  it('reuses one canvas per size: the second render is much cheaper than the first', async () => {
    const fresh = createChartRenderer({ width: 640, height: 320 });
    const spec = compareChart({
      title: 't',
      from: FROM,
      to: TO,
      unit: 'bits',
      series: [{ label: 'a', points: [] }],
    });
    const t0 = performance.now();
    await fresh.render(spec);
    const first = performance.now() - t0;
    const t1 = performance.now();
    for (let i = 0; i < 3; i++) await fresh.render(spec);
    const next = (performance.now() - t1) / 3;
    expect(next).toBeLessThan(first);
  });

  it('refuses absurd sizes', async () => {
    const spec = compareChart({ title: 't', from: FROM, to: TO, unit: 'bits', series: [] });
    await expect(renderer.render(spec, { width: 50_000, height: 50_000 })).rejects.toThrow(/out of bounds/);
  });
});
