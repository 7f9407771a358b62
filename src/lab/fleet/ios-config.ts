import type { SimVendor as Vendor } from '../vendors.js';
import { INDENT } from './config-gen.js';
import { hashString } from './rng.js';

/**
 * Editing an IOS-like running config (IOS-XE, NX-OS, EOS, FRR) one configuration line at a time,
 * the way the device's parser would: blocks (`interface X`) are entered, single-valued settings are
 * replaced, `no …` removes. It is close enough for diffs and backups to see real changes.
 */

export interface Cursor {
  /** Header line of the block being edited (`interface Gi1/0/1`), or null at top level. */
  block: string | null;
  /** Inside `address-family …` of a router block. */
  family: string | null;
}

export type ApplyResult =
  | { ok: true; cursor: Cursor; exit?: 'exec' }
  | { ok: false; error: 'invalid' | 'incomplete'; at: number };

const TOP_WORDS = [
  'aaa',
  'access-list',
  'archive',
  'banner',
  'boot',
  'clock',
  'control-plane',
  'crypto',
  'default',
  'enable',
  'end',
  'exit',
  'feature',
  'frr',
  'hostname',
  'interface',
  'ip',
  'ipv6',
  'line',
  'log',
  'logging',
  'management',
  'no',
  'ntp',
  'password',
  'platform',
  'policy-map',
  'class-map',
  'radius-server',
  'route-map',
  'router',
  'service',
  'snmp-server',
  'spanning-tree',
  'tacacs-server',
  'transceiver',
  'username',
  'vlan',
  'vrf',
  'vdc',
  'do',
  'version',
  'license',
  'bgp',
  'errdisable',
  'lldp',
  'cdp',
];

const BLOCK_HEADERS = [
  /^interface \S+$/,
  /^router \S+(?: \S+)?$/,
  /^line .+$/,
  /^vlan \d+$/,
  /^ip access-list(?: extended| standard)? \S+$/,
  /^vrf (?:definition |context )?\S+$/,
  /^route-map \S+(?: \S+ \d+)?$/,
  /^management \S+$/,
  /^class-map .+$/,
  /^policy-map .+$/,
  /^aaa group server \S+ \S+$/,
];

/** Child keywords that hold one value: setting them again replaces the old line. */
const SINGLE_CHILD = [
  'description',
  'ip address',
  'mtu',
  'speed',
  'duplex',
  'switchport mode',
  'switchport access vlan',
  'name',
  'bgp router-id',
  'router-id',
  'exec-timeout',
  'password',
  'transport input',
  'vrf member',
  'encapsulation',
  'bandwidth',
  'idle-timeout',
];

const INTERFACE_PREFIXES = [
  'GigabitEthernet',
  'TenGigabitEthernet',
  'Ethernet',
  'Loopback',
  'loopback',
  'Vlan',
  'Port-channel',
  'Management',
  'mgmt',
  'eth',
  'lo',
];

export function isBlockHeader(line: string): boolean {
  return BLOCK_HEADERS.some((r) => r.test(line));
}

/** Expands `gi1/0/1`, `int Et1` style names to the full names used in the config. */
export function expandInterface(name: string): string {
  const m = /^([A-Za-z-]+)\s*([\d/.:]*)$/.exec(name);
  if (!m?.[2]) return name;
  const alpha = m[1]!.toLowerCase();
  const full = INTERFACE_PREFIXES.find((p) => p.toLowerCase().startsWith(alpha));
  return full ? `${full}${m[2]}` : name;
}

function normaliseHeader(words: string[]): string {
  if (words[0] && 'interface'.startsWith(words[0].toLowerCase()) && words[0].length >= 3) {
    return `interface ${expandInterface(words.slice(1).join(''))}`;
  }
  return words.join(' ');
}

/** Index range [start, end) of a block's children (the header is at start-1). */
function blockRange(body: string[], header: string): [number, number] | null {
  const h = body.indexOf(header);
  if (h === -1) return null;
  let e = h + 1;
  while (e < body.length && /^\s/.test(body[e]!)) e++;
  return [h + 1, e];
}

function childKey(text: string): string | undefined {
  const t = text.replace(/^no /, '');
  return SINGLE_CHILD.find((k) => t === k || t.startsWith(`${k} `));
}

export function applyIosConfigLine(
  vendor: Vendor,
  body: string[],
  cursor: Cursor,
  rawLine: string,
): ApplyResult {
  const I = INDENT[vendor];
  const line = rawLine.trim().replace(/\s+/g, ' ');
  if (line === '' || line.startsWith('!')) return { ok: true, cursor };
  const words = line.split(' ');
  const first = words[0]!;
  if (line === 'end') return { ok: true, cursor: { block: null, family: null }, exit: 'exec' };
  if (line === 'exit') {
    if (cursor.family) return { ok: true, cursor: { ...cursor, family: null } };
    if (cursor.block) return { ok: true, cursor: { block: null, family: null } };
    return { ok: true, cursor, exit: 'exec' };
  }
  if (line === 'exit-address-family') return { ok: true, cursor: { ...cursor, family: null } };

  const header = normaliseHeader(words);
  if (isBlockHeader(header)) {
    if (!blockRange(body, header)) {
      // A new block goes before the trailing global lines' separator, i.e. at the end.
      body.push(header, ...(vendor === 'frr' ? ['exit'] : ['!']));
      if (vendor === 'frr') body.splice(body.length - 1, 0);
    }
    return { ok: true, cursor: { block: header, family: null } };
  }

  if (cursor.block) {
    const range = blockRange(body, cursor.block);
    if (!range) return { ok: true, cursor: { block: null, family: null } };
    if (first === 'address-family') {
      const afLine = `${I}${line}`;
      if (!body.slice(range[0], range[1]).includes(afLine))
        body.splice(range[1], 0, afLine, `${I}exit-address-family`);
      return { ok: true, cursor: { ...cursor, family: afLine } };
    }
    let [start, end] = range;
    let indent = I;
    if (cursor.family) {
      const af = body.indexOf(cursor.family, start);
      if (af !== -1 && af < end) {
        start = af + 1;
        let e = start;
        while (e < end && body[e]!.startsWith(I + I)) e++;
        end = e;
        indent = I + I;
      }
    }
    const children = body.slice(start, end);
    if (first === 'no') {
      const rest = words.slice(1).join(' ');
      const key = childKey(rest);
      const idx = children.findIndex((c) => {
        const t = c.trim();
        return t === rest || (key !== undefined && t.startsWith(`${key}`)) || t.startsWith(`${rest} `);
      });
      if (rest === 'shutdown') {
        const sh = children.findIndex((c) => c.trim() === 'shutdown');
        if (sh !== -1) body.splice(start + sh, 1);
        if (vendor === 'cisco_nxos' && !children.some((c) => c.trim() === 'no shutdown'))
          body.splice(start + children.length - (sh !== -1 ? 1 : 0), 0, `${indent}no shutdown`);
        return { ok: true, cursor };
      }
      if (idx !== -1) body.splice(start + idx, 1);
      return { ok: true, cursor };
    }
    if (line === 'shutdown') {
      const ns = children.findIndex((c) => c.trim() === 'no shutdown');
      if (ns !== -1) body[start + ns] = `${indent}shutdown`;
      else if (!children.some((c) => c.trim() === 'shutdown')) body.splice(end, 0, `${indent}shutdown`);
      return { ok: true, cursor };
    }
    const key = childKey(line);
    const existing = key
      ? children.findIndex((c) => childKey(c.trim()) === key)
      : children.findIndex((c) => c.trim() === line);
    if (existing !== -1) body[start + existing] = `${indent}${line}`;
    else body.splice(end, 0, `${indent}${line}`);
    return { ok: true, cursor };
  }

  // Top level.
  if (!TOP_WORDS.includes(first)) return { ok: false, error: 'invalid', at: 0 };
  if (words.length === 1 && !['end', 'exit'].includes(first))
    return { ok: false, error: 'incomplete', at: 0 };
  if (first === 'no') {
    const rest = normaliseHeader(words.slice(1));
    const range = blockRange(body, rest);
    if (range) {
      const sep = body[range[1]] === '!' || body[range[1]] === 'exit' ? 1 : 0;
      body.splice(range[0] - 1, range[1] - range[0] + 1 + sep);
      return { ok: true, cursor };
    }
    const idx = body.findIndex((l) => l === rest || l.startsWith(`${rest} `));
    if (idx !== -1) body.splice(idx, 1);
    return { ok: true, cursor };
  }
  const replaceKeys = [
    'hostname',
    'ip domain name',
    'logging buffered',
    'enable secret',
    'enable password',
    'snmp-server location',
    'snmp-server contact',
    'clock timezone',
    'ntp clock-period',
    'ip domain-name',
    'banner motd',
  ];
  const rk = replaceKeys.find((k) => line.startsWith(`${k} `));
  const idx = rk ? body.findIndex((l) => l.startsWith(`${rk} `)) : body.indexOf(line);
  if (idx !== -1) {
    body[idx] = line;
    return { ok: true, cursor };
  }
  // Keep related lines together: after the last top-level line with the same first word.
  let after = -1;
  for (let i = body.length - 1; i >= 0; i--) {
    if (body[i]!.startsWith(`${first} `)) {
      after = i;
      break;
    }
  }
  if (after !== -1) {
    let j = after + 1;
    while (j < body.length && /^\s/.test(body[j]!)) j++;
    body.splice(j, 0, line);
  } else body.push(line, vendor === 'frr' ? '!' : '!');
  return { ok: true, cursor };
}

export interface IfaceView {
  name: string;
  description: string;
  address: string;
  prefixLen: number;
  adminUp: boolean;
  operUp: boolean;
}

export interface BgpView {
  asn: number;
  routerId: string;
  peers: Array<{
    ip: string;
    asn: number;
    description: string;
    state: string;
    prefixes: number;
    upSeconds: number;
  }>;
}

function maskLen(mask: string): number {
  return mask.split('.').reduce((n, o) => n + (Number(o) >>> 0).toString(2).replace(/0/g, '').length, 0);
}

export function interfacesOf(device: string, body: string[]): IfaceView[] {
  const out: IfaceView[] = [];
  let cur: IfaceView | undefined;
  let explicitNoShut = false;
  for (const l of body) {
    const h = /^interface (\S+)$/.exec(l);
    if (h) {
      cur = { name: h[1]!, description: '', address: '', prefixLen: 0, adminUp: true, operUp: false };
      explicitNoShut = false;
      out.push(cur);
      continue;
    }
    if (!/^\s/.test(l)) {
      cur = undefined;
      continue;
    }
    if (!cur) continue;
    const t = l.trim();
    if (t.startsWith('description ')) cur.description = t.slice(12);
    else if (t === 'shutdown') cur.adminUp = false;
    else if (t === 'no shutdown') explicitNoShut = true;
    const a = /^ip address (\S+?)(?:\/(\d+)| (\S+))?$/.exec(t);
    if (a) {
      cur.address = a[1]!;
      cur.prefixLen = a[2] ? Number(a[2]) : a[3] ? maskLen(a[3]) : 32;
    }
  }
  void explicitNoShut;
  for (const i of out)
    i.operUp =
      i.adminUp &&
      (/^(?:lo|Loopback|loopback|mgmt|Management)/.test(i.name) ||
        hashString(`${device}/${i.name}`) % 5 !== 0);
  return out;
}

export function bgpOf(device: string, body: string[]): BgpView {
  const view: BgpView = { asn: 0, routerId: '', peers: [] };
  let inBgp = false;
  let nxNeighbor: BgpView['peers'][number] | undefined;
  const peer = (ip: string) => {
    let p = view.peers.find((x) => x.ip === ip);
    if (!p) {
      const h = hashString(`${device}/${ip}`);
      p = {
        ip,
        asn: 0,
        description: '',
        state: h % 4 === 0 ? (h % 8 === 0 ? 'Idle' : 'Active') : 'Established',
        prefixes: h % 97,
        upSeconds: h % 2_000_000,
      };
      view.peers.push(p);
    }
    return p;
  };
  for (const l of body) {
    const h = /^router bgp (\d+)/.exec(l);
    if (h) {
      inBgp = true;
      view.asn = Number(h[1]);
      continue;
    }
    if (!/^\s/.test(l)) {
      inBgp = false;
      continue;
    }
    if (!inBgp) continue;
    const t = l.trim();
    const rid = /^(?:bgp )?router-id (\S+)/.exec(t);
    if (rid) view.routerId = rid[1]!;
    const n = /^neighbor (\S+) remote-as (\d+)/.exec(t);
    if (n) peer(n[1]!).asn = Number(n[2]);
    const d = /^neighbor (\S+) description (.+)$/.exec(t);
    if (d) peer(d[1]!).description = d[2]!;
    const nx = /^neighbor (\d+\.\d+\.\d+\.\d+)$/.exec(t);
    if (nx) nxNeighbor = peer(nx[1]!);
    const ra = /^remote-as (\d+)$/.exec(t);
    if (ra && nxNeighbor) nxNeighbor.asn = Number(ra[1]);
    const nd = /^description (.+)$/.exec(t);
    if (nd && nxNeighbor) nxNeighbor.description = nd[1]!;
  }
  return view;
}
