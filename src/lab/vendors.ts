/** Vendors the simulated fleet can play. A vendor outside this list works with real devices only. */
export const SIM_VENDORS = [
  'cisco_iosxe',
  'cisco_nxos',
  'arista_eos',
  'juniper_junos',
  'frr',
  'linux',
] as const;
export type SimVendor = (typeof SIM_VENDORS)[number];

export function isSimVendor(name: string): name is SimVendor {
  return (SIM_VENDORS as readonly string[]).includes(name);
}
