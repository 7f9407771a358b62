import { tzOffsetMs } from '../charts/units.js';

/**
 * The site's clock for seasonal slots: hour of week and calendar day in an IANA timezone, so
 * "Monday 09:00" stays Monday 09:00 across a daylight-saving change instead of sliding an hour.
 *
 * Offsets come from Intl (no timezone database of our own) and are memoised per quarter hour of
 * UTC: every zone's offsets and transitions fall on quarter hours, and the baseline asks for the
 * offset of every sample it learns from and scores.
 */

const QUARTER = 900_000;
const HOUR = 3_600_000;

const memo = new Map<string, Map<number, number>>();

/** Offset of `tz` from UTC at `t`, in ms; 0 for UTC. */
export function localOffset(t: number, tz: string): number {
  if (tz === 'UTC') return 0;
  let m = memo.get(tz);
  if (!m) {
    m = new Map();
    memo.set(tz, m);
  }
  const q = Math.floor(t / QUARTER);
  let off = m.get(q);
  if (off === undefined) {
    off = tzOffsetMs(q * QUARTER, tz);
    // A long-lived worker sees new quarter hours forever: keep the memo to a few months of them.
    if (m.size > 20_000) m.clear();
    m.set(q, off);
  }
  return off;
}

/** Hours since 1970-01-01 00:00 on the site's wall clock (local hour index). */
export function localHour(t: number, tz: string): number {
  return Math.floor((t + localOffset(t, tz)) / HOUR);
}

/** The site's calendar day of `t`, as the UTC midnight of that date (a date label, in ms). */
export function localDay(t: number, tz: string): number {
  return Math.floor((t + localOffset(t, tz)) / 86_400_000) * 86_400_000;
}
