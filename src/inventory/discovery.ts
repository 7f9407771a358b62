import { readFile, rename, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import snmp, { type Session } from 'net-snmp';
import { parseDocument } from 'yaml';
import { type Device, type Vendor, deviceSchema, parseFileConfig } from '../config.js';
import { ErrorCode, NetopsError } from '../errors.js';
import { bulkWalk, LLDP, resolveSnmpCredential, SYS, snmpGet, suffixOf } from '../snmp/index.js';
import type { DiscoveryPolicy } from './discovery-types.js';
import type { Inventory } from './inventory.js';
import { expandCidr, inSubnets, lldpAddress, parseCidr } from '../ip-scope.js';

// ---------------------------------------------------------------- addresses

// Parsed with ipaddr.js in scope.ts: the allowed subnets are a security boundary.
export { expandCidr, inSubnets, parseCidr } from '../ip-scope.js';

// ---------------------------------------------------------------- identity

/** Enterprise number (1.3.6.1.4.1.<n>) and sysDescr → the vendor driver that manages the box. */
export function classify(sysObjectId: string, sysDescr: string): Vendor | undefined {
  const ent = /^\.?1\.3\.6\.1\.4\.1\.(\d+)/.exec(sysObjectId)?.[1];
  switch (ent) {
    case '9':
      return /NX-OS/i.test(sysDescr) ? 'cisco_nxos' : 'cisco_iosxe';
    case '30065':
      return 'arista_eos';
    case '2636':
      return 'juniper_junos';
    case '8072':
      return /FRR|FRRouting|Quagga/i.test(sysDescr) ? 'frr' : 'linux';
    default:
      if (/NX-OS/i.test(sysDescr)) return 'cisco_nxos';
      if (/Cisco IOS/i.test(sysDescr)) return 'cisco_iosxe';
      if (/Arista/i.test(sysDescr)) return 'arista_eos';
      if (/JUNOS/i.test(sysDescr)) return 'juniper_junos';
      return undefined;
  }
}

export interface ProbeResult {
  host: string;
  port: number;
  sysName: string;
  sysDescr: string;
  sysObjectId: string;
  vendor?: Vendor;
}

export type SessionFactory = (
  host: string,
  port: number,
  credential: string,
  version: '2c' | '3',
  timeoutMs: number,
) => Session;

export function defaultSessionFactory(env: Record<string, string | undefined>): SessionFactory {
  return (host, port, credential, version, timeoutMs) => {
    const cred = resolveSnmpCredential(credential, version, env);
    const opts = { port, timeout: timeoutMs, retries: 0 };
    const s =
      cred.version === '2c'
        ? snmp.createSession(host, cred.community, { ...opts, version: snmp.Version2c })
        : snmp.createV3Session(host, cred.user, { ...opts, version: snmp.Version3 });
    s.on('error', () => {});
    return s;
  };
}

const text = (v: unknown) => (Buffer.isBuffer(v) ? v.toString('utf8') : typeof v === 'string' ? v : '');

/** sysName/sysDescr/sysObjectID of one address, or undefined when nothing answers. */
export async function probe(session: Session, host: string, port: number): Promise<ProbeResult | undefined> {
  try {
    const vbs = await snmpGet(session, [SYS.name, SYS.descr, SYS.objectId]);
    const [name, descr, oid] = vbs.map((v) => v.value);
    const sysObjectId = typeof oid === 'string' ? oid : '';
    const sysDescr = text(descr);
    const vendor = classify(sysObjectId, sysDescr);
    return { host, port, sysName: text(name), sysDescr, sysObjectId, ...(vendor ? { vendor } : {}) };
  } catch {
    return undefined;
  }
}

export interface LldpNeighbour {
  localPort: string;
  sysName: string;
  portId: string;
  manAddr?: string;
}

/** LLDP-MIB remote table of one device: who is on which port, and their management address. */
export async function lldpNeighbours(session: Session): Promise<LldpNeighbour[]> {
  const w = await bulkWalk(session, [
    LLDP.remSysName,
    LLDP.remPortId,
    LLDP.remManAddrIfSubtype,
    LLDP.locPortId,
  ]);
  const names = w.columns.get(LLDP.remSysName)!;
  const ports = w.columns.get(LLDP.remPortId)!;
  const loc = w.columns.get(LLDP.locPortId)!;
  const addrs = new Map<string, string>();
  for (const vb of w.columns.get(LLDP.remManAddrIfSubtype)!.values()) {
    // index: timeMark.localPort.remIndex.addrSubtype.len.<len octets>: subtype 1 IPv4, 2 IPv6
    const idx = suffixOf(vb.oid, LLDP.remManAddrIfSubtype)!.split('.');
    const len = Number(idx[4]);
    const addr = lldpAddress(idx[3] ?? '', idx.slice(5, 5 + len));
    const key = idx.slice(0, 3).join('.');
    // Several addresses per neighbour: prefer IPv4, the family most inventories are managed over.
    if (addr && (!addrs.has(key) || idx[3] === '1')) addrs.set(key, addr);
  }
  const out: LldpNeighbour[] = [];
  for (const [idx, vb] of names) {
    const localPortNum = idx.split('.')[1] ?? '';
    const manAddr = addrs.get(idx);
    out.push({
      localPort: text(loc.get(localPortNum)?.value) || localPortNum,
      sysName: text(vb.value),
      portId: text(ports.get(idx)?.value),
      ...(manAddr ? { manAddr } : {}),
    });
  }
  return out;
}

// ---------------------------------------------------------------- discovery

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
  inventory: Inventory;
  policy: DiscoveryPolicy;
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
  const sessions = options.sessions ?? defaultSessionFactory(policy.env);
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

/** Slack blocks: one section per proposal with an Add button (action `discover.add`, value = the device JSON). */
export function proposalBlocks(r: DiscoveryResult, target: string): unknown[] {
  const blocks: unknown[] = [
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: r.proposals.length
          ? `*Discovery of \`${target}\`*: ${r.proposals.length} new device(s) (${r.probed} probed)`
          : `*Discovery of \`${target}\`*: nothing new (${r.probed} probed)`,
      },
    },
  ];
  for (const p of r.proposals.slice(0, 40)) {
    blocks.push({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: `*${p.device.name}* \`${p.device.host}\` · ${p.device.vendor}\n${p.probe.sysDescr.slice(0, 150)}\n_${p.via}_`,
      },
      accessory: {
        type: 'button',
        action_id: 'discover.add',
        text: { type: 'plain_text', text: 'Add' },
        value: JSON.stringify(p.device),
        style: 'primary',
      },
    });
  }
  if (r.skipped.length) {
    const lines = r.skipped.slice(0, 15).map((s) => `• ${s.what}: ${s.reason}`);
    if (r.skipped.length > 15) lines.push(`• …and ${r.skipped.length - 15} more`);
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: lines.join('\n') }] });
  }
  return blocks;
}

/**
 * Appends a device to netops.yaml, keeping comments and layout (yaml Document API), after checking
 * the result still validates. The reconcile loop picks the change up: the device is then polled and
 * backed up without further steps.
 */
export async function addDiscoveredDevice(path: string, device: Device): Promise<void> {
  const doc = parseDocument(await readFile(path, 'utf8'));
  if (doc.errors.length)
    throw new NetopsError(ErrorCode.CONFIG_INVALID, `${path} does not parse: ${doc.errors[0]!.message}`, {
      userMessage: 'netops.yaml does not parse right now, so nothing was added to it.',
      hint: 'Fix the file (the worker log has the exact error), then try again.',
    });
  const existing = doc.getIn(['devices']);
  const plain = (doc.toJS() as { devices?: { name?: string }[] } | null)?.devices ?? [];
  if (plain.some((d) => d.name?.toLowerCase() === device.name.toLowerCase())) {
    throw new NetopsError(ErrorCode.BAD_ARGS, `${device.name} is already in ${path}`, {
      userMessage: `\`${device.name}\` is already in the inventory.`,
    });
  }
  // Only what differs from the defaults goes in the file: the entry reads as a person would write it.
  const entry: Record<string, unknown> = {
    name: device.name,
    vendor: device.vendor,
    host: device.host,
    credential: device.credential,
  };
  if (device.port !== 22) entry.port = device.port;
  if (device.site) entry.site = device.site;
  if (device.role) entry.role = device.role;
  if (device.tags.length) entry.tags = device.tags;
  if (device.snmp) {
    const s: Record<string, unknown> = { credential: device.snmp.credential };
    if (device.snmp.version !== '2c') s.version = device.snmp.version;
    if (device.snmp.port !== 161) s.port = device.snmp.port;
    entry.snmp = s;
  }
  if (existing === undefined || existing === null) doc.setIn(['devices'], doc.createNode([entry]));
  else doc.addIn(['devices'], doc.createNode(entry));
  const out = doc.toString();
  const check = parseFileConfig(out, path);
  if (!check.config) {
    throw new NetopsError(
      ErrorCode.CONFIG_INVALID,
      `adding ${device.name} would make ${path} invalid: ${check.problems.join('; ')}`,
      {
        userMessage: `Adding \`${device.name}\` would make the inventory invalid: ${check.problems[0]}`,
      },
    );
  }
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  await writeFile(tmp, out);
  await rename(tmp, path);
}

/**
 * The `discover.add` button handler's work: the value came back through Slack, so it is parsed and
 * validated again (schema, allowed subnets) before it touches netops.yaml.
 */
export async function addFromButtonValue(
  path: string,
  value: string,
  policy: Pick<DiscoveryPolicy, 'allowedSubnets'>,
): Promise<Device> {
  const device = deviceFromButtonValue(value, policy);
  await addDiscoveredDevice(path, device);
  return device;
}

/** The device an Add button's value proposes, validated (schema, allowed subnets); pure. */
export function deviceFromButtonValue(
  value: string,
  policy: Pick<DiscoveryPolicy, 'allowedSubnets'>,
): Device {
  let raw: unknown;
  try {
    raw = JSON.parse(value);
  } catch {
    throw new NetopsError(ErrorCode.BAD_ARGS, 'discover.add: value is not JSON', {
      userMessage: 'That Add button does not carry a device netops-bot can read.',
      hint: 'Run `discover` again for a fresh proposal.',
    });
  }
  const parsed = deviceSchema.safeParse(raw);
  if (!parsed.success)
    throw new NetopsError(
      ErrorCode.BAD_ARGS,
      `discover.add: not a device: ${parsed.error.issues[0]?.message}`,
      {
        userMessage: 'That Add button does not carry a device netops-bot can read.',
        hint: 'Run `discover` again for a fresh proposal.',
      },
    );
  if (!inSubnets(parsed.data.host, policy.allowedSubnets)) {
    throw new NetopsError(
      ErrorCode.FORBIDDEN,
      `discover.add: ${parsed.data.host} is outside the allowed subnets`,
      {
        userMessage: `\`${parsed.data.host}\` is outside the subnets discovery may add.`,
      },
    );
  }
  return parsed.data;
}
