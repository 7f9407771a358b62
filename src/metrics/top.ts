import type { Pool } from 'pg';
import type { TopNRow } from './query.js';

/**
 * One interface's top-N row: the busier direction's value and its share of the speed. Both
 * backends rank through here, so `/net top` reads the same whichever holds the samples.
 */
export function topRow(
  id: { device: string; ifindex: number; name: string },
  vin: number,
  vout: number,
  speedBps: number | null,
): TopNRow {
  const outBusier = (Number.isFinite(vout) ? vout : -1) > (Number.isFinite(vin) ? vin : -1);
  const value = outBusier ? vout : vin;
  return {
    ...id,
    speedBps,
    value: Number.isFinite(value) ? value : 0,
    direction: outBusier ? 'out' : 'in',
    util: speedBps && speedBps > 0 && Number.isFinite(value) ? value / speedBps : null,
  };
}

/** Busiest first by utilisation (unknown speeds last), then by value; the first `limit`. */
export function rankTop(list: TopNRow[], limit: number): TopNRow[] {
  list.sort((a, b) => {
    if ((a.util === null) !== (b.util === null)) return a.util === null ? 1 : -1;
    if (a.util !== null && b.util !== null && a.util !== b.util) return b.util - a.util;
    return b.value - a.value;
  });
  return list.slice(0, limit);
}

/** Name and speed of every interface (of `devices`, when given), keyed `device\u0000ifindex`. */
export async function interfaceMeta(
  pool: Pool,
  devices: readonly string[] | undefined,
): Promise<Map<string, { name: string; speed_bps: number | null }>> {
  const r = await pool.query(
    `SELECT device, ifindex, name, speed_bps::float8 AS speed_bps FROM interfaces
     WHERE ${devices?.length ? 'device = ANY($1::text[])' : 'true'}`,
    devices?.length ? [[...devices]] : [],
  );
  return new Map(r.rows.map((row) => [`${row.device}\u0000${row.ifindex}`, row]));
}
