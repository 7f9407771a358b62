import { describe, expect, it } from 'vitest';
import { createChartRenderer, graphForecast } from '../../../src/charts/index.js';

const DAY = 86_400_000;
const f0 = Date.parse('2026-01-01T00:00:00Z');
const renderer = createChartRenderer();

describe('graphForecast', () => {
  it('renders a forecast file whose summary names the crossing date in the timezone', async () => {
    // hourly history for 120 days (2,880 points: thinned with LTTB to the plot width)
    const history = Array.from({ length: 2880 }, (_, i) => ({ x: f0 + i * 3_600_000, y: 4e9 + i * 1e6 }));
    const projection = Array.from({ length: 91 }, (_, i) => ({
      x: f0 + (120 + i) * DAY,
      y: 6.9e9 + i * 2e7,
    }));
    const out = await graphForecast(
      { renderer, timezone: 'Pacific/Auckland' },
      {
        subject: 'core1 Ethernet1/1',
        history,
        projection,
        thresholdBps: 8e9,
        thresholdLabel: '80% of 10 Gbps',
        crossingAt: Date.parse('2026-06-13T18:00:00Z'), // 14 June in Auckland
        speedBps: 1e10,
      },
    );
    expect(out.summary).toBe('core1 Ethernet1/1: projected to cross 80% of 10 Gbps on 14 Jun 2026');
    const png = out.file!.content;
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(png.readUInt32BE(16)).toBe(1200);
    expect(out.file!.altText).toContain('threshold line at 8 Gbps');
    expect(out.file!.filename).toBe('core1_Ethernet1_1-forecast.png');
  });

  it('says when the projection stays below the threshold', async () => {
    const out = await graphForecast(
      { renderer, timezone: 'UTC' },
      {
        subject: 'edge1 xe-0/0/0',
        history: [
          { x: f0, y: 1e9 },
          { x: f0 + DAY, y: 1.1e9 },
        ],
        projection: [
          { x: f0 + DAY, y: 1.1e9 },
          { x: f0 + 90 * DAY, y: 2e9 },
        ],
        thresholdBps: 8e9,
        crossingAt: null,
      },
    );
    expect(out.summary).toBe('edge1 xe-0/0/0: not projected to cross 8 Gbps by 1 Apr 2026');
  });
});
