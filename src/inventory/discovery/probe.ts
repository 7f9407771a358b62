import snmp, { type Session } from 'net-snmp';
import type { CredentialResolver } from '../../credentials/index.js';
import { identifyVendor, type Vendor } from '../../devices/index.js';
import { bulkWalk, LLDP, resolveSnmpCredential, SYS, snmpGet, suffixOf } from '../../snmp/index.js';
import { lldpAddress } from '../../ip-scope.js';

// SNMP probing: what answers at an address, and a device's LLDP neighbours. The vendor comes from
// the vendor table's `identify` rules, so a new vendor file is all discovery needs.

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

/** net-snmp sessions whose credential names resolve through the one credential resolver. */
export function snmpSessionFactory(credentials: CredentialResolver): SessionFactory {
  return (host, port, credential, version, timeoutMs) => {
    const cred = resolveSnmpCredential(credential, version, credentials);
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
    const vendor = identifyVendor(sysObjectId, sysDescr);
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
