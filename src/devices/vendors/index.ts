import { VENDORS, type Vendor } from '../../config.js';
import { ErrorCode, NetopsError } from '../../errors.js';
import { aristaEos } from './arista-eos.js';
import { ciscoIosxe } from './cisco-iosxe.js';
import { ciscoNxos } from './cisco-nxos.js';
import type { VendorDefinition } from './define.js';
import { frr } from './frr.js';
import { juniperJunos } from './juniper-junos.js';
import { linux } from './linux.js';

const VENDOR_TABLE: Readonly<Record<Vendor, Readonly<VendorDefinition>>> = Object.freeze({
  cisco_iosxe: ciscoIosxe,
  cisco_nxos: ciscoNxos,
  arista_eos: aristaEos,
  juniper_junos: juniperJunos,
  frr,
  linux,
});

/** The vendor definition (prompts, commands, parsers, configRules) for a vendor name. */
export function getVendor(name: Vendor | string): Readonly<VendorDefinition> {
  const v = (VENDOR_TABLE as Record<string, Readonly<VendorDefinition> | undefined>)[name];
  if (!v) {
    throw new NetopsError(ErrorCode.CONFIG_INVALID, `unknown vendor ${name}`, {
      userMessage: `\`${String(name).slice(0, 40)}\` is not a vendor netops-bot knows.`,
      hint: `Use one of ${VENDORS.join(', ')}.`,
    });
  }
  return v;
}

export function listVendors(): Readonly<VendorDefinition>[] {
  return Object.values(VENDOR_TABLE);
}

export { defineVendor } from './define.js';
export type {
  FailureIndicator,
  InterfaceInfo,
  NeighborInfo,
  VendorDefinition,
  VersionInfo,
} from './define.js';
