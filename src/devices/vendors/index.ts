import { ErrorCode, NetopsError } from '../../errors.js';
import type { Vendor } from '../types.js';
import { aristaEos } from './arista-eos.js';
import { ciscoIosxe } from './cisco-iosxe.js';
import { ciscoNxos } from './cisco-nxos.js';
import type { VendorDefinition } from './define.js';
import { frr } from './frr.js';
import { juniperJunos } from './juniper-junos.js';
import { linux } from './linux.js';

/**
 * The vendor table: every vendor the product knows, one file each. Everything else (the config
 * schema's vendor names, config rules, discovery, the show allowlist) is read from here. A test
 * fails when a file in this folder is missing from the list.
 */
const BUILT_IN: readonly Readonly<VendorDefinition>[] = [
  ciscoIosxe,
  ciscoNxos,
  aristaEos,
  juniperJunos,
  frr,
  linux,
];

const table = new Map<Vendor, Readonly<VendorDefinition>>(BUILT_IN.map((v) => [v.name, v]));

/**
 * Adds a vendor at run time (a plug-in, or a fixture vendor in tests). Call it before the config
 * is loaded: the inventory schema accepts the names in the table at the time it parses.
 */
export function registerVendor(def: Readonly<VendorDefinition>): void {
  const had = table.get(def.name);
  if (had && had !== def) {
    throw new NetopsError(ErrorCode.CONFIG_INVALID, `vendor ${def.name} is already defined`);
  }
  table.set(def.name, def);
}

export function hasVendor(name: string): boolean {
  return table.has(name);
}

/** Vendor names, in table order: what netops.yaml accepts. */
export function vendorNames(): Vendor[] {
  return [...table.keys()];
}

/** The vendor definition (prompts, commands, parsers, configRules) for a vendor name. */
export function getVendor(name: Vendor): Readonly<VendorDefinition> {
  const v = table.get(name);
  if (!v) {
    throw new NetopsError(ErrorCode.CONFIG_INVALID, `unknown vendor ${name}`, {
      userMessage: `\`${String(name).slice(0, 40)}\` is not a vendor netops-bot knows.`,
      hint: `Use one of ${vendorNames().join(', ')}.`,
    });
  }
  return v;
}

export function listVendors(): Readonly<VendorDefinition>[] {
  return [...table.values()];
}

const oidMatches = (sysObjectID: string, prefix: string) => {
  const oid = sysObjectID.replace(/^\./, '');
  const p = prefix.replace(/^\./, '');
  return oid === p || oid.startsWith(`${p}.`);
};

/** The vendor whose `identify` rules fit a box's sysObjectID and sysDescr best; undefined if none. */
export function identifyVendor(sysObjectID: string, sysDescr: string): Vendor | undefined {
  let best: { vendor: Vendor; score: number } | undefined;
  for (const v of table.values()) {
    for (const rule of v.identify ?? []) {
      const oidOk = !rule.sysObjectID || rule.sysObjectID.some((p) => oidMatches(sysObjectID, p));
      const descrOk = !rule.sysDescr || rule.sysDescr.test(sysDescr);
      if (!oidOk || !descrOk) continue;
      const score = (rule.sysObjectID ? 1 : 0) + (rule.sysDescr ? 1 : 0);
      if (score > 0 && (!best || score > best.score)) best = { vendor: v.name, score };
    }
  }
  return best?.vendor;
}

export { defineVendor } from './define.js';
export type {
  FailureIndicator,
  IdentifyRule,
  InterfaceInfo,
  NeighborInfo,
  VendorDefinition,
  VersionInfo,
} from './define.js';
