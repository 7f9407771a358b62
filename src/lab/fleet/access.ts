import type { Device } from '../../config.js';
import { credentialEnvPrefix as envPrefix } from '../../credentials/index.js';
import type { Fleet, FleetDevice } from './fleet.js';

export interface FleetAccess {
  /** Inventory entries for the simulated devices, each naming its own credential. */
  devices: Device[];
  /** The NETOPS_CRED_<NAME>_* entries those credentials resolve from (never written to a file). */
  env: Record<string, string>;
}

/**
 * How the bot reaches a simulated fleet: one credential per device, as on a real network where
 * each device keeps its own local account, and optionally the host keys pinned.
 */
export function fleetAccess(
  fleet: Fleet,
  options: { credentialFor?: (d: FleetDevice, i: number) => string; pinHostKeys?: boolean } = {},
): FleetAccess {
  const credentialFor = options.credentialFor ?? ((d) => `lab-${d.name}`);
  const env: Record<string, string> = {};
  const base = new Map(fleet.inventory('unused').map((d) => [d.name, d] as const));
  const devices = fleet.devices.map((d, i) => {
    const credential = credentialFor(d, i);
    const p = envPrefix(credential);
    env[`${p}USERNAME`] = d.credential.username;
    env[`${p}PASSWORD`] = d.credential.password;
    if (d.credential.enable) env[`${p}ENABLE`] = d.credential.enable;
    return { ...base.get(d.name)!, credential, ...(options.pinHostKeys ? { hostKey: d.hostKeyBlob } : {}) };
  });
  return { devices, env };
}
