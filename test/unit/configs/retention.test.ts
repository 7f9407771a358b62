import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { planRetention, type RetentionPolicy, type VersionStamp } from '../../../src/configs/retention.js';

const DAY = 86_400_000;
const now = new Date('2026-11-25T12:00:00Z');
const policy: RetentionPolicy = { keepAllDays: 7, dailyDays: 30, weeklyWeeks: 52 };

const versionsArb = fc
  .uniqueArray(fc.integer({ min: 0, max: 500 * DAY }), { maxLength: 200 })
  .map((ages) =>
    ages.map((age, i): VersionStamp => ({ id: i + 1, collectedAt: new Date(now.getTime() - age) })),
  );

describe('planRetention', () => {
  it('keeps the last version of each day in the daily band and of each week after it', () => {
    const v = (id: number, iso: string) => ({ id, collectedAt: new Date(iso) });
    const versions = [
      v(1, '2026-11-24T10:00:00Z'), // keep-all band
      v(2, '2026-11-24T09:00:00Z'),
      v(3, '2026-11-10T18:00:00Z'), // daily band: 3 is the last of its day, 4 goes
      v(4, '2026-11-10T08:00:00Z'),
      v(5, '2026-11-09T08:00:00Z'),
      v(6, '2026-09-10T08:00:00Z'), // weekly band (Thu); 7 is Tue of the same ISO week → goes
      v(7, '2026-09-08T08:00:00Z'),
      v(8, '2026-09-06T08:00:00Z'), // Sunday: previous ISO week → kept
      v(9, '2020-01-01T00:00:00Z'), // older than the weekly band → goes
    ];
    expect(planRetention(versions, now, policy).sort((a, b) => a - b)).toEqual([4, 7, 9]);
  });

  it('never drops the newest version, even when it is years old', () => {
    expect(planRetention([{ id: 1, collectedAt: new Date('2015-01-01Z') }], now, policy)).toEqual([]);
  });

  it('properties: keeps newest and keep-all band, one per bucket, and is stable when re-applied', () => {
    fc.assert(
      fc.property(versionsArb, (versions) => {
        const drop = new Set(planRetention(versions, now, policy));
        const kept = versions.filter((v) => !drop.has(v.id));
        for (const id of drop) expect(versions.some((v) => v.id === id)).toBe(true);
        if (versions.length) {
          const newest = Math.max(...versions.map((v) => v.collectedAt.getTime()));
          expect(kept.some((v) => v.collectedAt.getTime() === newest)).toBe(true);
        }
        for (const v of versions) {
          if (v.collectedAt.getTime() >= now.getTime() - policy.keepAllDays * DAY)
            expect(drop.has(v.id)).toBe(false);
        }
        const dailyCut = now.getTime() - (policy.keepAllDays + policy.dailyDays) * DAY;
        const allCut = now.getTime() - policy.keepAllDays * DAY;
        const perDay = new Map<number, number>();
        for (const v of kept) {
          const t = v.collectedAt.getTime();
          if (t < allCut && t >= dailyCut)
            perDay.set(Math.floor(t / DAY), (perDay.get(Math.floor(t / DAY)) ?? 0) + 1);
        }
        for (const n of perDay.values()) expect(n).toBe(1);
        expect(planRetention(kept, now, policy)).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });
});
