/** Formatting for interface tables (pure). */

export function formatBps(bps: number | null | undefined): string {
  if (bps === null || bps === undefined || !Number.isFinite(bps)) return '-';
  const units = ['bps', 'kbps', 'Mbps', 'Gbps', 'Tbps'];
  let v = bps;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${v >= 100 || u === 0 ? Math.round(v) : v.toFixed(1)} ${units[u]}`;
}

export function formatSpeed(bps: number | null | undefined): string {
  if (!bps) return '-';
  if (bps >= 1e9 && bps % 1e9 === 0) return `${bps / 1e9}G`;
  if (bps >= 1e6 && bps % 1e6 === 0) return `${bps / 1e6}M`;
  return formatBps(bps);
}

/** Utilisation of the busier direction, in percent of speed. */
export function utilisation(
  inBps: number | null,
  outBps: number | null,
  speedBps: number | null,
): number | null {
  if (!speedBps || (inBps === null && outBps === null)) return null;
  return (100 * Math.max(inBps ?? 0, outBps ?? 0)) / speedBps;
}

export function formatRate(perSec: number | null | undefined): string {
  if (perSec === null || perSec === undefined) return '-';
  if (perSec === 0) return '0';
  return perSec >= 10 ? perSec.toFixed(0) : perSec.toFixed(2);
}
