import { describe, expect, it } from 'vitest';
import {
  buildBaseline,
  changesNear,
  detectSeries,
  explainAnomaly,
  metricSettings,
  movedAround,
} from '../../../src/analysis/index.js';
import { DAY, diurnal, HOUR, noise, STEP, series, T0 } from './helpers.js';

describe('explanation', () => {
  const n = noise(21);
  const f = (t: number) => diurnal(t, 2e9) * (1 + 0.05 * n());
  // Tuesday 13 January 2026, 14:05 UTC.
  const start = Math.round((8 * DAY + 14 * HOUR + 5 * 60_000) / STEP);
  const all = series(10, (t, i) => (i >= start && i < start + 6 ? 7.8e9 : f(t)));
  const settings = metricSettings('in_bps', STEP, 10e9);
  const b = buildBaseline(all.slice(0, 8 * 288), settings.baseline)!;
  const a = detectSeries(all.slice(8 * 288), b, settings.detector)[0]!;

  it('names the port, observed vs expected band for that hour, since when, what else moved and the change', () => {
    const text = explainAnomaly({
      device: 'core1',
      iface: 'Gi0/1',
      what: 'in',
      unit: 'bits',
      anomaly: a,
      timezone: 'UTC',
      related: [
        { label: 'errors on the same port', at: T0 + 8 * DAY + 14 * HOUR + 4 * 60_000, direction: 'rose' },
      ],
      configChanges: [{ at: T0 + 8 * DAY + 14 * HOUR + 2 * 60_000, author: 'alice', version: 12 }],
    });
    expect(text).toMatch(
      /^core1 Gi0\/1 in 7\.8 Gbps vs [\d.]+ [GM]bps–[\d.]+ Gbps expected for Tuesday 14:00, since 14:05 \(spike\); errors on the same port rose at 14:04; config changed at 14:02 by alice \(version 12\)$/,
    );
  });

  it('uses the configured timezone for the hour and the times', () => {
    const text = explainAnomaly({
      device: 'd',
      iface: 'e1',
      what: 'in',
      unit: 'bits',
      anomaly: a,
      timezone: 'Europe/Paris',
    });
    expect(text).toContain('expected for Tuesday 15:00, since 15:05');
  });

  it('finds which other series moved around the same time, and not a quiet one', () => {
    const errs = series(10, (_t, i) => (i >= start - 1 && i < start + 5 ? 4 : 0));
    const eSettings = metricSettings('in_errors', STEP, 10e9);
    const eb = buildBaseline(errs.slice(0, 8 * 288), eSettings.baseline)!;
    expect(movedAround(errs.slice(8 * 288), eb, a.since, { sides: 'high' })).toEqual({
      at: all[start - 1]!.t,
      direction: 'rose',
    });
    const quiet = series(10, () => 0);
    expect(movedAround(quiet.slice(8 * 288), eb, a.since, { sides: 'high' })).toBeNull();
  });

  it('keeps config changes within ±30 minutes of the start, oldest first', () => {
    const at = a.since;
    const changes = [
      { at: at + 31 * 60_000, author: 'late' },
      { at: at - 10 * 60_000, author: 'bob' },
      { at: at - 3 * 60_000, author: 'alice' },
      { at: at - 2 * HOUR, author: 'old' },
    ];
    expect(changesNear(changes, at).map((c) => c.author)).toEqual(['bob', 'alice']);
  });
});
