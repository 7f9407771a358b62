import type { SimVendor as Vendor } from '../vendors.js';
import { SimDevice } from './device.js';

/** A vendor running config (as the device prints it) of about `lines` lines, for benches and tests. */
export function generateRunningConfig(
  vendor: Vendor,
  options: { seed?: number | string; lines?: number; name?: string } = {},
): string {
  const dev = new SimDevice({
    name: options.name ?? 'big1',
    vendor,
    seed: options.seed ?? 1,
    ...(options.lines ? { configLines: options.lines } : {}),
    clock: () => new Date(Date.UTC(2026, 10, 25, 10, 0, 0)),
  });
  return dev.runningConfig();
}
