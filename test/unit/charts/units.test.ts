import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  bitUnit,
  formatBits,
  formatPercent,
  formatRange,
  formatRate,
  formatTick,
  isValidTimeZone,
  niceCeil,
  timeTicks,
  tzOffsetMs,
} from '../../../src/charts/units.js';

describe('bits and rates', () => {
  it('picks network units (powers of 1000)', () => {
    expect(formatBits(8_213_000_000)).toBe('8.2 Gbps');
    expect(formatBits(999_999)).toBe('1.0 Mbps');
    expect(formatBits(1_000_000)).toBe('1 Mbps');
    expect(formatBits(2_996_000_000)).toBe('3.0 Gbps');
    expect(formatBits(3e9)).toBe('3 Gbps');
    expect(formatBits(1e10)).toBe('10 Gbps');
    expect(formatBits(45_600_000)).toBe('45.6 Mbps');
    expect(formatBits(512)).toBe('512 bps');
    expect(formatBits(0)).toBe('0 bps');
    expect(formatBits(1.5e12)).toBe('1.5 Tbps');
    expect(formatBits(Number.NaN)).toBe('n/a');
    expect(formatRate(1234)).toBe('1.2k/s');
    expect(formatRate(0.25)).toBe('0.25/s');
    expect(formatPercent(0.823)).toBe('82%');
    expect(formatPercent(0.0456)).toBe('4.6%');
  });

  it('a unit always prints the value between 1 and 1000', () => {
    fc.assert(
      fc.property(fc.double({ min: 1, max: 9.99e14, noNaN: true }), (v) => {
        const u = bitUnit(v);
        expect(v / u.div).toBeGreaterThanOrEqual(1);
        expect(v / u.div).toBeLessThan(1000);
      }),
    );
  });

  it('niceCeil is a round number at or above the value and within a third of it', () => {
    fc.assert(
      fc.property(fc.double({ min: 1e-3, max: 1e14, noNaN: true }), (v) => {
        const n = niceCeil(v);
        expect(n).toBeGreaterThanOrEqual(v);
        expect(n).toBeLessThanOrEqual(v * 1.34);
      }),
    );
  });
});

describe('time axis', () => {
  const from = Date.parse('2026-03-02T00:00:00Z');

  it('knows timezone offsets, including half-hour ones', () => {
    expect(tzOffsetMs(from, 'UTC')).toBe(0);
    expect(tzOffsetMs(from, 'Europe/Paris')).toBe(3_600_000);
    expect(tzOffsetMs(from, 'Asia/Kolkata')).toBe(5.5 * 3_600_000);
    expect(tzOffsetMs(from, 'America/New_York')).toBe(-5 * 3_600_000);
    expect(isValidTimeZone('Europe/Paris')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus')).toBe(false);
  });

  it('places at most ~8 ticks on round local times inside the range', () => {
    for (const tz of ['UTC', 'Europe/Paris', 'Asia/Kolkata']) {
      for (const span of [3_600_000, 86_400_000, 7 * 86_400_000, 30 * 86_400_000]) {
        const to = from + span;
        const ticks = timeTicks(from, to, tz);
        expect(ticks.length).toBeGreaterThanOrEqual(3);
        expect(ticks.length).toBeLessThanOrEqual(9);
        for (const t of ticks) {
          expect(t).toBeGreaterThanOrEqual(from);
          expect(t).toBeLessThanOrEqual(to);
          // local minutes are round
          expect(((t + tzOffsetMs(t, tz)) / 60_000) % (span <= 3_600_000 ? 5 : 60)).toBe(0);
        }
      }
    }
    const kolkata = timeTicks(from, from + 86_400_000, 'Asia/Kolkata').map((t) =>
      formatTick(t, 86_400_000, 'Asia/Kolkata'),
    );
    expect(kolkata.every((l) => /^\d\d:00$/.test(l))).toBe(true);
  });

  it('labels with as much date as the range needs', () => {
    const t = Date.parse('2026-03-02T13:05:00Z');
    expect(formatTick(t, 86_400_000, 'Europe/Paris')).toBe('14:05');
    expect(formatTick(t, 7 * 86_400_000, 'UTC')).toMatch(/Mon.*2.*13:05/);
    expect(formatTick(t, 30 * 86_400_000, 'UTC')).toBe('2 Mar');
    expect(formatRange(86_400_000)).toBe('1d');
    expect(formatRange(3_600_000 * 6)).toBe('6h');
  });
});
