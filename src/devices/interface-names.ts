import type { Vendor } from './types.js';
import { getVendor } from './vendors/index.js';

/**
 * Interface names as people type them: `Gi1/0/1` for GigabitEthernet1/0/1, `Et1` for Ethernet1,
 * `po10` for Port-channel10. Pure. A name splits into its type (the leading letters and dashes)
 * and the rest (`1/0/1`, `0/0/1.0`); the rest must be equal, and the type is the vendor's
 * abbreviation, else any unambiguous start of a type present on the device (the CLI rule).
 * Junos names (`ge-0/0/1`, `xe-`, `et-`) are already short and match as typed or without `.0`.
 */

function split(name: string): { type: string; rest: string } {
  const m = /^([A-Za-z][A-Za-z-]*?)(?=[\d/.:]|$)(.*)$/.exec(name.trim());
  return m
    ? { type: m[1]!.toLowerCase(), rest: m[2]!.toLowerCase() }
    : { type: '', rest: name.toLowerCase() };
}

/**
 * The one name among `candidates` that `typed` abbreviates on this vendor, or undefined (none, or
 * several: an ambiguous abbreviation names nothing).
 */
export function matchInterfaceName(
  vendor: Vendor | undefined,
  typed: string,
  candidates: readonly string[],
): string | undefined {
  const lower = typed.trim().toLowerCase();
  const exact = candidates.find((c) => c.toLowerCase() === lower);
  if (exact) return exact;
  // Junos logical units: `ge-0/0/1` for `ge-0/0/1.0`.
  const unit = candidates.filter((c) => c.toLowerCase() === `${lower}.0`);
  if (unit.length === 1) return unit[0];
  const t = split(typed);
  if (!t.type || !t.rest) return undefined;
  const table = vendor ? (getVendor(vendor).interfaceAbbreviations ?? []) : [];
  const full = table.find(([short]) => short.toLowerCase() === t.type)?.[1].toLowerCase();
  const same = candidates.filter((c) => {
    const s = split(c);
    return s.rest === t.rest && (full ? s.type === full : s.type.startsWith(t.type));
  });
  return same.length === 1 ? same[0] : undefined;
}
