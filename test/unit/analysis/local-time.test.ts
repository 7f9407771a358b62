import { describe, expect, it } from 'vitest';
import {
  buildBaseline,
  dailyP95,
  detectSeries,
  localDay,
  localHour,
  metricSettings,
} from '../../../src/analysis/index.js';
import { noise, STEP, series } from './helpers.js';

const traffic = metricSettings('in_bps', STEP, 10e9);
const PARIS = 'Europe/Paris';

/** Office traffic on the site's wall clock: busy 09:00–17:00 on weekdays, quiet otherwise. */
function office(tz: string, seed: number) {
  const n = noise(seed);
  const fmt = new Intl.DateTimeFormat('en-GB', {
    timeZone: tz,
    hour: '2-digit',
    weekday: 'short',
    hour12: false,
  });
  return (t: number) => {
    const parts = Object.fromEntries(fmt.formatToParts(new Date(t)).map((p) => [p.type, p.value]));
    const h = Number(parts.hour);
    const weekday = parts.weekday !== 'Sat' && parts.weekday !== 'Sun';
    return (weekday && h >= 9 && h < 17 ? 8e8 : 1e8) * (1 + 0.05 * n());
  };
}

describe("the site's clock across a daylight-saving change", () => {
  it('hours are wall-clock hours: Paris skips 02:00 on 29 March 2026', () => {
    const change = Date.UTC(2026, 2, 29, 1); // 02:00 CET becomes 03:00 CEST
    expect(localHour(change - 30 * 60_000, PARIS) % 24).toBe(1); // 01:30 CET
    expect(localHour(change + 30 * 60_000, PARIS) % 24).toBe(3); // 03:30 CEST
    expect(localHour(change, 'UTC') % 24).toBe(1);
  });

  it("a calendar day is the site's: New York's 8 March 2026 has 23 hours of samples", () => {
    const from = Date.UTC(2026, 2, 7, 5); // 7 March, 00:00 EST
    const pts = series(3, () => 1e8, from);
    const days = dailyP95(pts, STEP, 'America/New_York');
    expect(days.map((d) => new Date(d.day).toISOString().slice(0, 10))).toEqual([
      '2026-03-07',
      '2026-03-08',
      '2026-03-09',
    ]);
    expect(days.map((d) => d.n)).toEqual([288, 276, 288]);
    expect(localDay(Date.UTC(2026, 2, 8, 4, 59), 'America/New_York')).toBe(Date.UTC(2026, 2, 7));
  });

  it('the morning ramp after the change is expected at 09:00 Paris time, not an anomaly an hour early', () => {
    const f = office(PARIS, 21);
    // Three weeks of winter time (CET), then the first whole week of summer time (CEST).
    const history = series(21, f, Date.UTC(2026, 2, 2));
    const after = series(7, f, Date.UTC(2026, 2, 30));
    const local = buildBaseline(history, { ...traffic.baseline, timezone: PARIS })!;
    expect(local.season).toBe('week');
    expect(detectSeries(after, local, traffic.detector)).toEqual([]);
    // Learnt on UTC hours, the same history expects the office an hour late all week (busy from 07:00
    // UTC, quiet from 15:00 UTC, both an hour early by the UTC profile): what the site's clock fixes.
    const utc = buildBaseline(history, traffic.baseline)!;
    const wrong = detectSeries(after, utc, traffic.detector);
    expect(wrong.length).toBeGreaterThanOrEqual(5);
    const at = (side: string) =>
      new Set(wrong.filter((a) => a.side === side).map((a) => new Date(a.since).getUTCHours()));
    expect(at('high')).toEqual(new Set([7]));
    expect(at('low')).toEqual(new Set([15]));
  });

  it('an hour-of-day baseline (eight days of history) spanning the change scores both sides by the wall clock', () => {
    const f = office(PARIS, 22);
    const history = series(8, f, Date.UTC(2026, 2, 23));
    const b = buildBaseline(history, { ...traffic.baseline, timezone: PARIS })!;
    expect(b.season).toBe('day');
    expect(detectSeries(series(3, f, Date.UTC(2026, 2, 31)), b, traffic.detector)).toEqual([]);
  });
});
