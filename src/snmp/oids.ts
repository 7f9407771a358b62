/** OIDs the poller and discovery read. Tables are listed by column so we walk only what we use. */
export const SYS = {
  descr: '1.3.6.1.2.1.1.1.0',
  objectId: '1.3.6.1.2.1.1.2.0',
  upTime: '1.3.6.1.2.1.1.3.0',
  name: '1.3.6.1.2.1.1.5.0',
} as const;

const IF = '1.3.6.1.2.1.2.2.1';
const IFX = '1.3.6.1.2.1.31.1.1.1';

/** IF-MIB columns; `key` is the field the poller fills. */
export const IF_COLUMNS = {
  ifDescr: `${IF}.2`,
  ifSpeed: `${IF}.5`,
  ifAdminStatus: `${IF}.7`,
  ifOperStatus: `${IF}.8`,
  ifInOctets: `${IF}.10`,
  ifInUcastPkts: `${IF}.11`,
  ifInDiscards: `${IF}.13`,
  ifInErrors: `${IF}.14`,
  ifOutOctets: `${IF}.16`,
  ifOutUcastPkts: `${IF}.17`,
  ifOutDiscards: `${IF}.19`,
  ifOutErrors: `${IF}.20`,
  ifName: `${IFX}.1`,
  ifHCInOctets: `${IFX}.6`,
  ifHCInUcastPkts: `${IFX}.7`,
  ifHCOutOctets: `${IFX}.10`,
  ifHCOutUcastPkts: `${IFX}.11`,
  ifHighSpeed: `${IFX}.15`,
  ifAlias: `${IFX}.18`,
  ifCounterDiscontinuityTime: `${IFX}.19`,
} as const;
export type IfColumn = keyof typeof IF_COLUMNS;

export const IF_TABLE = IF;
export const IFX_TABLE = IFX;

export const HOST_RESOURCES = {
  hrProcessorLoad: '1.3.6.1.2.1.25.3.3.1.2',
  hrStorageType: '1.3.6.1.2.1.25.2.3.1.2',
  hrStorageAllocationUnits: '1.3.6.1.2.1.25.2.3.1.4',
  hrStorageSize: '1.3.6.1.2.1.25.2.3.1.5',
  hrStorageUsed: '1.3.6.1.2.1.25.2.3.1.6',
  hrStorageRam: '1.3.6.1.2.1.25.2.1.2',
} as const;

/** UCD-SNMP-MIB scalars (net-snmp agents): asked as non-repeaters, so their absence costs nothing. */
export const UCD = {
  ssCpuIdle: '1.3.6.1.4.1.2021.11.11',
  memTotalReal: '1.3.6.1.4.1.2021.4.5',
  memAvailReal: '1.3.6.1.4.1.2021.4.6',
} as const;

export const LLDP = {
  remTable: '1.0.8802.1.1.2.1.4.1.1',
  remChassisId: '1.0.8802.1.1.2.1.4.1.1.5',
  remPortId: '1.0.8802.1.1.2.1.4.1.1.7',
  remPortDesc: '1.0.8802.1.1.2.1.4.1.1.8',
  remSysName: '1.0.8802.1.1.2.1.4.1.1.9',
  remSysDesc: '1.0.8802.1.1.2.1.4.1.1.10',
  remManAddrIfSubtype: '1.0.8802.1.1.2.1.4.2.1.3',
  locPortId: '1.0.8802.1.1.2.1.3.7.1.3',
} as const;

/** `1.3.6.1.2.1.2.2.1.10.7` under `1.3.6.1.2.1.2.2.1.10` → "7"; otherwise undefined. */
export function suffixOf(oid: string, base: string): string | undefined {
  return oid.length > base.length + 1 && oid.startsWith(base) && oid[base.length] === '.'
    ? oid.slice(base.length + 1)
    : undefined;
}

/**
 * Numeric OID order without splitting: walks both strings arc by arc (a bulk walk compares every
 * varbind with the last one, so this runs ~millions of times a round at fleet scale).
 */
export function compareOids(a: string, b: string): number {
  let i = 0;
  let j = 0;
  const la = a.length;
  const lb = b.length;
  while (i < la && j < lb) {
    let x = 0;
    let y = 0;
    let c = a.charCodeAt(i);
    while (c !== 46 && i < la) {
      x = x * 10 + (c - 48);
      c = a.charCodeAt(++i);
    }
    c = b.charCodeAt(j);
    while (c !== 46 && j < lb) {
      y = y * 10 + (c - 48);
      c = b.charCodeAt(++j);
    }
    if (x !== y) return x - y;
    i++;
    j++;
  }
  // equal up to the shorter one: the longer is the greater (a prefix sorts first)
  return (i < la ? 1 : 0) - (j < lb ? 1 : 0);
}

export const OPER_STATUS: Record<number, string> = {
  1: 'up',
  2: 'down',
  3: 'testing',
  4: 'unknown',
  5: 'dormant',
  6: 'notPresent',
  7: 'lowerLayerDown',
};
export const ADMIN_STATUS: Record<number, string> = { 1: 'up', 2: 'down', 3: 'testing' };
