import type { Device } from '../config.js';
import type { Pool } from '../storage/index.js';
import type { DeviceReading } from './counters.js';
import { formatSpeed } from './format.js';

/**
 * Interface speeds that cannot be right. A rate is never drawn above 110 % of the port's speed
 * (that is how a counter reset is told from traffic), so a port that reports too low a speed
 * (snmpd reports `lo` as 10 Mb/s) went blank under load with nothing saying why. Traffic measured
 * above what the reported speed allows is recorded on the interface and reported once; netops.yaml
 * can override a port's speed (`snmp.speeds`).
 */

const TOLERANCE = 0.1;

export interface SpeedWarning {
  ifIndex: number;
  name: string;
  reportedBps: number;
  measuredBps: number;
  since: Date;
}

/** Applies `snmp.speeds` overrides (by interface name, case-insensitive) to a fresh reading. */
export function applySpeedOverrides<I extends { name: string; speedBps?: number }>(
  device: Device,
  interfaces: readonly I[],
): Array<I & { reportedSpeedBps?: number }> {
  const overrides = new Map(
    Object.entries(device.snmp?.speeds ?? {}).map(([name, bps]) => [name.toLowerCase(), bps] as const),
  );
  if (!overrides.size) return [...interfaces];
  return interfaces.map((i) => {
    const bps = overrides.get(i.name.toLowerCase());
    if (bps === undefined) return i;
    return { ...i, speedBps: bps, ...(i.speedBps ? { reportedSpeedBps: i.speedBps } : {}) };
  });
}

/**
 * Interfaces whose octet counters rose faster than their speed allows between two readings
 * (the larger of in and out, in bits per second). Pure. Decreases are wraps or resets: skipped.
 */
export function impossibleSpeeds(
  prev: DeviceReading | undefined,
  cur: DeviceReading,
  skip: ReadonlySet<number> = new Set(),
): Array<{ ifIndex: number; speedBps: number; measuredBps: number }> {
  if (!prev) return [];
  const dt = (cur.ts - prev.ts) / 1000;
  if (!(dt > 0)) return [];
  const before = new Map(prev.interfaces.map((i) => [i.ifIndex, i] as const));
  const out: Array<{ ifIndex: number; speedBps: number; measuredBps: number }> = [];
  for (const i of cur.interfaces) {
    const p = before.get(i.ifIndex);
    if (!p || skip.has(i.ifIndex) || !i.speedBps || p.hc !== i.hc) continue;
    let measured = 0;
    for (const name of ['inOctets', 'outOctets'] as const) {
      const a = p.counters[name];
      const b = i.counters[name];
      if (a === undefined || b === undefined || b < a) continue;
      measured = Math.max(measured, (Number(b - a) * 8) / dt);
    }
    if (measured > i.speedBps * (1 + TOLERANCE))
      out.push({ ifIndex: i.ifIndex, speedBps: i.speedBps, measuredBps: measured });
  }
  return out;
}

/**
 * Stores what was measured and overridden. Returns the warnings that are new (first seen now), so
 * the caller reports each one once.
 */
export async function recordSpeeds(
  pool: Pool,
  device: string,
  interfaces: ReadonlyArray<{ ifIndex: number; name: string; reportedSpeedBps?: number }>,
  exceeded: ReadonlyArray<{ ifIndex: number; speedBps: number; measuredBps: number }>,
): Promise<SpeedWarning[]> {
  const overridden = interfaces.filter((i) => i.reportedSpeedBps !== undefined);
  if (overridden.length) {
    // An overridden port has a speed someone vouched for: its old warning no longer applies.
    await pool.query(
      `UPDATE interfaces i SET reported_speed_bps = o.bps, speed_exceeded_bps = NULL, speed_exceeded_at = NULL
         FROM unnest($2::int[], $3::int8[]) AS o(ifindex, bps)
        WHERE i.device = $1 AND i.ifindex = o.ifindex`,
      [device, overridden.map((i) => i.ifIndex), overridden.map((i) => Math.round(i.reportedSpeedBps!))],
    );
  }
  if (!exceeded.length) return [];
  const { rows } = await pool.query<{
    ifindex: number;
    name: string;
    speed_bps: string;
    speed_exceeded_bps: number;
    speed_exceeded_at: Date;
    first: boolean;
  }>(
    `WITH old AS (SELECT ifindex, speed_exceeded_at FROM interfaces WHERE device = $1 AND ifindex = ANY($2::int[]))
     UPDATE interfaces i
        SET speed_exceeded_bps = GREATEST(COALESCE(i.speed_exceeded_bps, 0), e.bps),
            speed_exceeded_at = COALESCE(i.speed_exceeded_at, now())
       FROM unnest($2::int[], $3::float8[]) AS e(ifindex, bps), old
      WHERE i.device = $1 AND i.ifindex = e.ifindex AND old.ifindex = e.ifindex
      RETURNING i.ifindex, i.name, i.speed_bps::text, i.speed_exceeded_bps, i.speed_exceeded_at,
                old.speed_exceeded_at IS NULL AS first`,
    [device, exceeded.map((e) => e.ifIndex), exceeded.map((e) => e.measuredBps)],
  );
  return rows
    .filter((r) => r.first)
    .map((r) => ({
      ifIndex: r.ifindex,
      name: r.name,
      reportedBps: Number(r.speed_bps),
      measuredBps: r.speed_exceeded_bps,
      since: r.speed_exceeded_at,
    }));
}

/** Interfaces of a device whose reported speed is known to be impossible. */
export async function speedWarnings(pool: Pool, device: string): Promise<SpeedWarning[]> {
  const { rows } = await pool.query<{
    ifindex: number;
    name: string;
    speed_bps: string;
    speed_exceeded_bps: number;
    speed_exceeded_at: Date;
  }>(
    `SELECT ifindex, name, speed_bps::text, speed_exceeded_bps, speed_exceeded_at FROM interfaces
      WHERE device = $1 AND speed_exceeded_bps IS NOT NULL ORDER BY ifindex`,
    [device],
  );
  return rows.map((r) => ({
    ifIndex: r.ifindex,
    name: r.name,
    reportedBps: Number(r.speed_bps),
    measuredBps: r.speed_exceeded_bps,
    since: r.speed_exceeded_at,
  }));
}

/** One sentence per warning, the same in `interfaces`, charts and the monitoring summary. */
export function speedWarningText(device: string, w: SpeedWarning): string {
  return (
    `${device} ${w.name} reports ${formatSpeed(w.reportedBps)}, but ${formatSpeed(w.measuredBps)} was measured: ` +
    `the reported speed is impossible, so rates above it are not shown. ` +
    `Set its real speed in netops.yaml (devices → ${device} → snmp.speeds: {"${w.name}": 10G}).`
  );
}
