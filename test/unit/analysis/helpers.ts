import type { Point } from '../../../src/analysis/index.js';

export const STEP = 300_000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;
/** Monday 5 January 2026, 00:00 UTC. */
export const T0 = Date.UTC(2026, 0, 5);

/** Deterministic noise in [-1, 1) (an LCG: the tests must not depend on Math.random). */
export function noise(seed = 1): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 4294967296) * 2 - 1;
  };
}

/** A 5-minute series over `days` days from `from`, value = fn(t, i). */
export function series(days: number, fn: (t: number, i: number) => number | null, from = T0): Point[] {
  const out: Point[] = [];
  const n = Math.round((days * DAY) / STEP);
  for (let i = 0; i < n; i++) {
    const t = from + i * STEP;
    out.push({ t, v: fn(t, i) });
  }
  return out;
}

/** A day-shaped traffic level: quiet at night, busy mid-afternoon (bits/s). */
export function diurnal(t: number, peak = 4e8): number {
  const h = (t % DAY) / HOUR;
  return peak * (0.25 + 0.75 * Math.exp(-(((h - 14) / 4.5) ** 2)));
}
