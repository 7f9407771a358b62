import ipaddr from 'ipaddr.js';

/**
 * Addresses and subnets for discovery's scope (`discovery.allowedSubnets`), which is a security
 * boundary: parsed by ipaddr.js, strictly. IPv4 only in dotted four-part decimal (no `0x7f.1`,
 * no octal), prefix lengths only in decimal (no `/0x18`), IPv6 in any standard form. An
 * IPv4-mapped IPv6 address (`::ffff:10.0.0.1`) is judged as the IPv4 address it maps.
 */

export type Address = ipaddr.IPv4 | ipaddr.IPv6;

export interface Cidr {
  /** The network address (host bits cleared). */
  network: Address;
  bits: number;
  /** Number of addresses in the prefix. */
  size: bigint;
}

export function parseAddress(text: string): Address | undefined {
  const t = text.trim();
  let a: Address;
  if (ipaddr.IPv4.isValidFourPartDecimal(t)) a = ipaddr.IPv4.parse(t);
  else if (t.includes(':') && ipaddr.IPv6.isValid(t)) a = ipaddr.IPv6.parse(t);
  else return undefined;
  return a.kind() === 'ipv6' && (a as ipaddr.IPv6).isIPv4MappedAddress()
    ? (a as ipaddr.IPv6).toIPv4Address()
    : a;
}

/** `10.0.0.0/24`, `2001:db8::/64`, or a bare address (a /32 or /128). */
export function parseCidr(text: string): Cidr | undefined {
  const [ip, len, extra] = text.trim().split('/');
  if (extra !== undefined || ip === undefined) return undefined;
  const addr = parseAddress(ip);
  if (!addr) return undefined;
  const max = addr.kind() === 'ipv4' ? 32 : 128;
  if (len !== undefined && !/^\d{1,3}$/.test(len)) return undefined;
  const bits = len === undefined ? max : Number(len);
  if (bits > max) return undefined;
  const bytes = addr.toByteArray();
  for (let i = 0; i < bytes.length; i++) {
    const keep = Math.max(0, Math.min(8, bits - i * 8));
    bytes[i] = bytes[i]! & ((0xff << (8 - keep)) & 0xff);
  }
  return { network: ipaddr.fromByteArray(bytes), bits, size: 1n << BigInt(max - bits) };
}

export function inSubnets(ip: string, subnets: readonly string[]): boolean {
  const a = parseAddress(ip);
  if (!a) return false;
  return subnets.some((s) => {
    const c = parseCidr(s);
    return !!c && c.network.kind() === a.kind() && a.match(c.network, c.bits);
  });
}

function toBigInt(a: Address): bigint {
  return a.toByteArray().reduce((n, b) => (n << 8n) | BigInt(b), 0n);
}

function fromBigInt(n: bigint, bytes: number): string {
  const out = new Array<number>(bytes);
  for (let i = bytes - 1; i >= 0; i--) {
    out[i] = Number(n & 0xffn);
    n >>= 8n;
  }
  return ipaddr.fromByteArray(out).toString();
}

/**
 * Host addresses of a prefix: IPv4 without network and broadcast below /31; IPv6 without the
 * subnet-router anycast address below /127. Callers check `size` against their sweep limit first.
 */
export function expandCidr(text: string, limit = 65_536): string[] {
  const c = parseCidr(text);
  if (!c || c.size > BigInt(limit) + 2n) return [];
  const width = c.network.kind() === 'ipv4' ? 4 : 16;
  const base = toBigInt(c.network);
  const size = Number(c.size);
  const skipEnds = c.network.kind() === 'ipv4' && size > 2;
  const first = skipEnds || (c.network.kind() === 'ipv6' && size > 2) ? 1 : 0;
  const last = skipEnds ? size - 2 : size - 1;
  const out: string[] = [];
  for (let i = first; i <= last; i++) out.push(fromBigInt(base + BigInt(i), width));
  return out;
}

/** An IP address from LLDP's management-address index (IANA family 1 = IPv4, 2 = IPv6). */
export function lldpAddress(family: string, octets: readonly string[]): string | undefined {
  const bytes = octets.map(Number);
  if (bytes.some((b) => !Number.isInteger(b) || b < 0 || b > 255)) return undefined;
  if ((family === '1' && bytes.length === 4) || (family === '2' && bytes.length === 16))
    return ipaddr.fromByteArray(bytes).toString();
  return undefined;
}
