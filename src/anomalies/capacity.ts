import type { Pool } from 'pg';
import { type CapacityForecast, dailyP95, forecastCapacity, localDay, sanitise } from '../analysis/index.js';
import { metricsFor } from '../metrics/backend.js';
import type { InterfaceRef } from '../metrics/index.js';
import { loadDaily, saveDaily } from './store.js';

const DAY = 86_400_000;
const STEP = 300_000;
const CHUNK_DAYS = 30;

/**
 * Daily p95s of an interface's traffic over the last `days` days: what the analysis already keeps,
 * filled from 5-minute rollups (through src/metrics) where days are missing.
 */
export async function dailyTraffic(
  pool: Pool,
  iface: InterfaceRef,
  now: Date,
  days = 90,
  /** The site's timezone: days are its calendar days. */
  timezone = 'UTC',
): Promise<Record<'in_bps' | 'out_bps', { day: number; p95: number; n: number }[]>> {
  // Day labels are the site's dates (as UTC midnights); today's p95 is not known yet.
  const today = localDay(now.getTime(), timezone);
  const since = new Date(today - days * DAY);
  const have = new Set(
    (await loadDaily(pool, iface.device, iface.ifindex, 'in_bps', since)).map((d) => d.day),
  );
  // Days the analysis has not seen (a new deployment, history from before it ran) are filled once,
  // a chunk at a time and only the chunks that miss days. A day found empty is kept as such (n 0)
  // once it is two days old (a younger one may still get its rollups), so an interface with two
  // weeks of history is not read for 90 days again on every call.
  const missing = (a: number, b: number) => {
    for (let day = a; day < b; day += DAY) if (!have.has(day)) return true;
    return false;
  };
  const settled = today - 2 * DAY;
  for (let a = today - days * DAY; a < today; a += CHUNK_DAYS * DAY) {
    const b = Math.min(today, a + CHUNK_DAYS * DAY);
    if (!missing(a, b)) continue;
    // Each chunk reads a day either side, so a local day that straddles a UTC midnight is whole.
    const to = Math.min(b + DAY, now.getTime());
    const res = await metricsFor(pool).querySeriesFor(iface, {
      metrics: ['in_bps', 'out_bps'],
      from: new Date(a - DAY),
      to: new Date(to),
      // One bucket per 5-minute rollup (the query wants a whole number of columns).
      widthPx: Math.max(10, Math.min(10_000, Math.ceil((to - (a - DAY)) / STEP))),
      resolution: '5m',
    });
    for (const m of ['in_bps', 'out_bps'] as const) {
      const pts = sanitise(
        (res.series[m] ?? []).map((k) => ({ t: k.x0, v: k.avg })),
        m,
        iface.speedBps,
      ).points;
      const whole = dailyP95(pts, STEP, timezone).filter((d) => d.day >= a && d.day < b);
      const found = new Set(whole.map((d) => d.day));
      const empty: { day: number; p95: number; n: number }[] = [];
      for (let day = a; day < Math.min(b, settled); day += DAY)
        if (!have.has(day) && !found.has(day)) empty.push({ day, p95: 0, n: 0 });
      await saveDaily(pool, iface.device, iface.ifindex, m, [...whole, ...empty]);
    }
  }
  const known = (rows: { day: number; p95: number; n: number }[]) => rows.filter((d) => d.n > 0);
  return {
    in_bps: known(await loadDaily(pool, iface.device, iface.ifindex, 'in_bps', since)),
    out_bps: known(await loadDaily(pool, iface.device, iface.ifindex, 'out_bps', since)),
  };
}

export interface InterfaceCapacity {
  iface: InterfaceRef;
  direction: 'in' | 'out';
  forecast: CapacityForecast;
  daily: { day: number; p95: number }[];
}

/** The busier direction's forecast against `threshold` × speed (default 80 %). */
export async function interfaceCapacity(
  pool: Pool,
  iface: InterfaceRef,
  now: Date,
  threshold = 0.8,
  timezone = 'UTC',
): Promise<InterfaceCapacity | { iface: InterfaceRef; reason: string }> {
  if (!iface.speedBps || iface.speedBps <= 0) return { iface, reason: 'speed unknown (ifSpeed is 0)' };
  const d = await dailyTraffic(pool, iface, now, 90, timezone);
  const thresholdBps = threshold * iface.speedBps;
  const fIn = forecastCapacity(d.in_bps, { thresholdBps, now: now.getTime() });
  const fOut = forecastCapacity(d.out_bps, { thresholdBps, now: now.getTime() });
  const soonest = (f: CapacityForecast) => f.crossingAt ?? Number.POSITIVE_INFINITY;
  const out =
    soonest(fOut) < soonest(fIn) || (soonest(fOut) === soonest(fIn) && fOut.lastLevel > fIn.lastLevel);
  return {
    iface,
    direction: out ? 'out' : 'in',
    forecast: out ? fOut : fIn,
    daily: out ? d.out_bps : d.in_bps,
  };
}
