// IPv4 address maths for sweeps and the allowed-subnet check: pure.

export function ipToInt(ip: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip.trim());
  if (!m) return undefined;
  const o = m.slice(1).map(Number);
  if (o.some((x) => x > 255)) return undefined;
  return ((o[0]! << 24) | (o[1]! << 16) | (o[2]! << 8) | o[3]!) >>> 0;
}

export function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function parseCidr(text: string): { base: number; bits: number } | undefined {
  const [ip, len] = text.trim().split('/');
  const base = ipToInt(ip ?? '');
  const bits = len === undefined ? 32 : Number(len);
  if (base === undefined || !Number.isInteger(bits) || bits < 0 || bits > 32) return undefined;
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return { base: (base & mask) >>> 0, bits };
}

export function inSubnets(ip: string, subnets: readonly string[]): boolean {
  const n = ipToInt(ip);
  if (n === undefined) return false;
  return subnets.some((s) => {
    const c = parseCidr(s);
    if (!c) return false;
    const mask = c.bits === 0 ? 0 : (~0 << (32 - c.bits)) >>> 0;
    return (n & mask) >>> 0 === c.base;
  });
}

/** Host addresses of a CIDR (network/broadcast excluded below /31). */
export function expandCidr(text: string): string[] {
  const c = parseCidr(text);
  if (!c) return [];
  const size = 2 ** (32 - c.bits);
  if (size <= 2) return Array.from({ length: size }, (_, i) => intToIp(c.base + i));
  return Array.from({ length: size - 2 }, (_, i) => intToIp(c.base + 1 + i));
}

// ---------------------------------------------------------------- identity
