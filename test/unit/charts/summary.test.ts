import { describe, expect, it } from 'vitest';
import { altText, summaryLine } from '../../../src/charts/summary.js';

const at = Date.parse('2026-03-02T13:05:00Z');
const ctx = { kind: 'bits' as const, timezone: 'Europe/Paris', rangeMs: 86_400_000, speedBps: 1e10 };

describe('summary line', () => {
  it('reads like the brief: peak (%) at local time, p95, avg, now', () => {
    const line = summaryLine(
      [
        { label: 'in', peak: 8.2e9, peakAt: at, p95: 6.1e9, avg: 3.02e9, current: 4.4e9 },
        { label: 'out', peak: 3.1e9, peakAt: at, p95: 2e9, avg: 1e9, current: 1e9 },
      ],
      ctx,
    );
    expect(line).toBe(
      'in: peak 8.2 Gbps (82%) at 14:05, p95 6.1 Gbps, avg 3.0 Gbps, now 4.4 Gbps; out peak 3.1 Gbps',
    );
  });

  it('puts the busier direction first and handles rates and no data', () => {
    const line = summaryLine(
      [
        { label: 'in errors', peak: 2, peakAt: at, p95: 0, avg: 0.1, current: 0 },
        { label: 'out errors', peak: 40, peakAt: at, p95: 12, avg: 3, current: 1 },
      ],
      { ...ctx, kind: 'rate' },
    );
    expect(line.startsWith('out errors: peak 40/s at 14:05, p95 12/s')).toBe(true);
    expect(summaryLine([], ctx)).toBe('no data in this range');
  });

  it('alt text names the subject, the range in the timezone and the figures', () => {
    const text = altText({
      what: 'Line chart of inbound and outbound traffic',
      subject: 'core1 Ethernet1/1',
      from: at - 86_400_000,
      to: at,
      timezone: 'Europe/Paris',
      kind: 'bits',
      speedBps: 1e10,
      figures: [{ label: 'in', peak: 8.2e9, peakAt: at, p95: 6.1e9, avg: 3e9, current: 4.4e9 }],
      extra: ['2 anomalies are marked.'],
    });
    expect(text).toContain('core1 Ethernet1/1');
    expect(text).toContain('(Europe/Paris)');
    expect(text).toContain('Interface speed 10 Gbps.');
    expect(text).toContain('In: peak 8.2 Gbps (82%)');
    expect(text).toContain('2 anomalies are marked.');
    expect(text.length).toBeLessThanOrEqual(1000);
  });
});
