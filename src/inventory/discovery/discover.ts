import type { Device } from '../../config.js';
import type { CredentialResolver } from '../../credentials/index.js';
import type { Vendor } from '../../devices/index.js';
import { ErrorCode, NetopsError } from '../../errors.js';
import type { Inventory } from '../inventory.js';
// Parsed with ipaddr.js in scope.ts: the allowed subnets are a security boundary.
import { expandCidr, inSubnets, parseCidr } from '../../ip-scope.js';
import type { DiscoveryPolicy } from './policy.js';
import {
  type LldpNeighbour,
  lldpNeighbours,
  type ProbeResult,
  probe,
  type SessionFactory,
  snmpSessionFactory,
} from './probe.js';

const noCredentials = (): SessionFactory => () => {
  throw new NetopsError(ErrorCode.INTERNAL, 'discover() needs credentials or sessions');
};

export interface Proposal {
  device: Device;
  via: string;
  probe: ProbeResult;
}

export interface DiscoveryResult {
  proposals: Proposal[];
  /** Addresses or neighbours seen but not proposed, with why. */
  skipped: { what: string; reason: string }[];
  probed: number;
  /** LLDP links of a known device (its port → neighbour and port): incidents group by topology. */
  links?: { device: string; interface: string; neighbor: string; neighborInterface: string }[];
}

export function deviceName(sysName: string, host: string): string {
  const base = (sysName.split('.')[0] || `dev-${host.replace(/\./g, '-')}`).replace(/[^A-Za-z0-9._-]/g, '-');
  return /^[A-Za-z0-9]/.test(base) ? base : `d${base}`;
}

function proposedDevice(p: ProbeResult, policy: DiscoveryPolicy, vendor: Vendor): Device {
  return {
    name: deviceName(p.sysName, p.host),
    vendor,
    host: p.host,
    port: 22,
    credential: policy.sshCredential,
    tags: ['discovered'],
    legacyAlgorithms: false,
    enabled: true,
    snmp: {
      version: policy.version,
      port: p.port,
      credential: policy.credential,
      timeoutMs: policy.timeoutMs,
      retries: 1,
    },
  };
}

export interface DiscoverOptions {
  inventory: Pick<Inventory, 'list' | 'get'>;
  policy: DiscoveryPolicy;
  /** Where SNMP credential names become secrets (used unless `sessions` is given). */
  credentials?: CredentialResolver;
  sessions?: SessionFactory;
  concurrency?: number;
}

/**
 * `/net discover <ip|cidr|device>`: a device name walks that device's LLDP neighbours; an address
 * or CIDR is swept. Only addresses inside the allowed subnets are probed; known devices (by name or
 * address) are not proposed again.
 */
export async function discover(target: string, options: DiscoverOptions): Promise<DiscoveryResult> {
  const { policy, inventory } = options;
  const sessions =
    options.sessions ??
    (options.credentials ? snmpSessionFactory(options.credentials) : undefined) ??
    noCredentials();
  const result: DiscoveryResult = { proposals: [], skipped: [], probed: 0 };
  const knownHosts = new Set(inventory.list().map((d) => d.host));
  const knownNames = new Set(inventory.list().map((d) => d.name.toLowerCase()));
  const candidates: { host: string; via: string }[] = [];

  const known = inventory.get(target);
  if (known) {
    if (!known.snmp) {
      throw new NetopsError(ErrorCode.BAD_ARGS, `${known.name} has no snmp settings`, {
        userMessage: `\`${known.name}\` has no SNMP settings, so its LLDP neighbours cannot be read.`,
        hint: 'Add an `snmp:` block to it in netops.yaml.',
      });
    }
    const s = sessions(
      known.host,
      known.snmp.port,
      known.snmp.credential,
      known.snmp.version,
      known.snmp.timeoutMs,
    );
    let neighbours: LldpNeighbour[];
    try {
      neighbours = await lldpNeighbours(s);
    } catch (err) {
      throw new NetopsError(
        ErrorCode.SNMP_TIMEOUT,
        `LLDP walk of ${known.name} failed: ${(err as Error).message}`,
        {
          cause: err,
          context: { device: known.name },
          userMessage: `Could not read LLDP neighbours from \`${known.name}\`.`,
          hint: 'Check that it answers SNMP and runs LLDP.',
        },
      );
    } finally {
      s.close();
    }
    const byHost = new Map(options.inventory.list().map((d) => [d.host, d.name] as const));
    result.links = neighbours
      .filter((n) => n.sysName || n.manAddr)
      .map((n) => {
        const name = deviceName(n.sysName, n.manAddr ?? '');
        const neighbor =
          options.inventory.get(name)?.name ?? (n.manAddr ? byHost.get(n.manAddr) : undefined) ?? name;
        return { device: known.name, interface: n.localPort, neighbor, neighborInterface: n.portId };
      });
    for (const n of neighbours) {
      const what = `${n.sysName} on ${known.name} ${n.localPort}`;
      if (knownNames.has(deviceName(n.sysName, n.manAddr ?? '').toLowerCase()))
        result.skipped.push({ what, reason: 'already in the inventory' });
      else if (!n.manAddr) result.skipped.push({ what, reason: 'no management address advertised' });
      else if (knownHosts.has(n.manAddr))
        result.skipped.push({ what, reason: 'address already in the inventory' });
      else if (!inSubnets(n.manAddr, policy.allowedSubnets))
        result.skipped.push({ what: `${what} (${n.manAddr})`, reason: 'outside the allowed subnets' });
      else candidates.push({ host: n.manAddr, via: `LLDP from ${known.name} ${n.localPort} (${n.portId})` });
    }
  } else {
    const cidr = parseCidr(target);
    if (!cidr) {
      throw new NetopsError(ErrorCode.BAD_ARGS, `not a device, address or CIDR: ${target}`, {
        userMessage: `\`${target}\` is neither a device in the inventory nor an IP address or CIDR (IPv4 or IPv6).`,
        hint: 'Try `/net discover 10.0.0.0/28`, `/net discover 2001:db8::/124`, `/net discover 10.0.0.5` or `/net discover core1`.',
      });
    }
    const size = cidr.size;
    if (size > BigInt(policy.maxSweep)) {
      throw new NetopsError(ErrorCode.BAD_ARGS, `sweep of ${size} addresses exceeds ${policy.maxSweep}`, {
        userMessage: `\`${target}\` has ${size} addresses; a sweep is limited to ${policy.maxSweep}.`,
        hint: 'Use a smaller prefix.',
      });
    }
    for (const host of expandCidr(target, policy.maxSweep)) {
      if (!inSubnets(host, policy.allowedSubnets))
        result.skipped.push({ what: host, reason: 'outside the allowed subnets' });
      else if (knownHosts.has(host)) continue;
      else candidates.push({ host, via: `sweep of ${target}` });
    }
    if (!candidates.length && result.skipped.length) {
      throw new NetopsError(ErrorCode.FORBIDDEN, `${target} is outside the allowed subnets`, {
        userMessage: `Discovery is not allowed in \`${target}\`.`,
        hint: policy.allowedSubnets.length
          ? `Allowed: ${policy.allowedSubnets.join(', ')}.`
          : 'No subnets are allowed for discovery yet (discovery.allowedSubnets).',
      });
    }
  }

  let next = 0;
  const seen = new Set<string>();
  const worker = async () => {
    while (next < candidates.length) {
      const c = candidates[next++]!;
      if (seen.has(c.host)) continue;
      seen.add(c.host);
      const s = sessions(c.host, policy.port, policy.credential, policy.version, policy.timeoutMs);
      result.probed++;
      const p = await probe(s, c.host, policy.port);
      s.close();
      if (!p) {
        if (known) result.skipped.push({ what: c.host, reason: 'no SNMP answer' });
        continue;
      }
      if (!p.vendor) {
        result.skipped.push({
          what: `${p.sysName || c.host} (${c.host})`,
          reason: `unrecognised platform ${p.sysObjectId}`,
        });
        continue;
      }
      const device = proposedDevice(p, policy, p.vendor);
      if (knownNames.has(device.name.toLowerCase())) {
        result.skipped.push({ what: device.name, reason: 'already in the inventory' });
        continue;
      }
      result.proposals.push({ device, via: c.via, probe: p });
    }
  };
  await Promise.all(
    Array.from({ length: Math.min(options.concurrency ?? 32, Math.max(1, candidates.length)) }, worker),
  );
  result.proposals.sort((a, b) => a.device.name.localeCompare(b.device.name));
  return result;
}
