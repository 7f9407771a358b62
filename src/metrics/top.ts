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
