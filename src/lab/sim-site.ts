import { createSocket } from 'node:dgram';
import type { Device } from '../config.js';
import type { SimVendor as Vendor } from './vendors.js';
import { type Fleet, fleetAccess, startFleet } from './fleet/index.js';
import { fleetSnmpSpecs, type SimDeviceSpec, type SnmpLab, startSnmpLab } from './snmp/index.js';

export interface SimSiteOptions {
  devices: ReadonlyArray<{ name: string; vendor: Vendor; site?: string; role?: string; tags?: string[] }>;
  /** Where the simulated devices send syslog (the worker's receiver). */
  syslog?: { host: string; port: number };
  community?: string;
}

export interface SimSite {
  fleet: Fleet;
  snmp: SnmpLab;
  /** The agents' specs (interfaces, LLDP), e.g. to backfill their history. */
  snmpSpecs: SimDeviceSpec[];
  /** Inventory entries pointing at the simulators (SSH and SNMP), naming credentials only. */
  inventory: Device[];
  /** NETOPS_CRED_* entries the worker needs to log in; kept out of files and logs. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

/**
 * A simulated site: one SSH CLI simulator and one SNMP agent per device, with LLDP between them,
 * config-change syslog sent over UDP like a real device would. What `npm run local` (and later the
 * lab role) runs instead of a network.
 */
export async function startSimSite(options: SimSiteOptions): Promise<SimSite> {
  const community = options.community ?? 'lab-community';
  const udp = createSocket('udp4');
  const fleet = await startFleet({
    devices: options.devices.map((d) => ({ name: d.name, vendor: d.vendor })),
    ...(options.syslog
      ? {
          onSyslog: (ev) => {
            udp.send(withOriginId(ev.line, ev.device), options.syslog!.port, options.syslog!.host);
          },
        }
      : {}),
  });
  const snmpSpecs = fleetSnmpSpecs(
    fleet.devices.map((d) => ({
      name: d.name,
      vendor: d.vendor,
      interfaceCount: d.sim.facts.interfaceCount,
      lldp: d.sim.facts.lldp,
    })),
    { hostFor: () => '127.0.0.1' },
  );
  const snmp = await startSnmpLab({ devices: snmpSpecs, community });
  const access = fleetAccess(fleet, { pinHostKeys: true });
  const env: Record<string, string> = { ...access.env, NETOPS_CRED_LAB_SNMP_COMMUNITY: community };
  const inventory: Device[] = access.devices.map((d) => {
    const spec = options.devices.find((x) => x.name === d.name)!;
    return {
      ...d,
      ...(spec.site ? { site: spec.site } : {}),
      ...(spec.role ? { role: spec.role } : {}),
      tags: spec.tags ?? [],
      snmp: {
        version: '2c',
        port: snmp.endpoint(d.name).port,
        credential: 'lab-snmp',
        timeoutMs: 2_000,
        retries: 1,
      },
    };
  });
  return {
    fleet,
    snmp,
    snmpSpecs,
    inventory,
    env,
    async stop() {
      udp.close();
      await snmp.close();
      await fleet.stop();
    },
  };
}

/**
 * Every simulated device sends from 127.0.0.1, so the worker cannot tell them apart by source
 * address; a Cisco-style line (`<189>12: *Nov 25 …`) names no host. Real fleets in that situation
 * (devices behind one NAT or relay) set `logging origin-id hostname`, which puts the name after
 * the sequence number; the simulated site does the same. Lines that already carry a host (Junos)
 * pass unchanged.
 */
export function withOriginId(line: string, device: string): string {
  return line.replace(/^(<\d{1,3}>\d+: )(?=\*)/, `$1${device}: `);
}
