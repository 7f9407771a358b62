import type { NeighborInfo } from './define.js';

/** Lines of device output without trailing whitespace, CRs removed. */
export function lines(text: string): string[] {
  return text
    .replace(/\r/g, '')
    .split('\n')
    .map((l) => l.trimEnd());
}

export function firstMatch(text: string, ...patterns: RegExp[]): string {
  for (const p of patterns) {
    const m = p.exec(text);
    if (m?.[1] !== undefined) return m[1].trim();
  }
  return '';
}

export function fields(line: string): string[] {
  return line.trim().split(/\s+/).filter(Boolean);
}

const IPV4_OR_6 = /^(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9a-f]*:[0-9a-f:]+)$/i;

export function isAddress(word: string | undefined): boolean {
  return word !== undefined && IPV4_OR_6.test(word);
}

/**
 * IOS-style `Neighbor V AS MsgRcvd MsgSent TblVer InQ OutQ Up/Down State/PfxRcd` tables (IOS, NX-OS, FRR):
 * the tenth column is either a prefix count (session up) or a state word.
 */
export function parseIosBgpTable(text: string): NeighborInfo[] {
  const out: NeighborInfo[] = [];
  for (const line of lines(text)) {
    const f = fields(line);
    if (f.length < 10 || !isAddress(f[0]) || !/^\d$/.test(f[1]!)) continue;
    const stateOrPfx = f[9]!;
    const n: NeighborInfo = { protocol: 'bgp', peer: f[0]!, remoteAs: Number(f[2]) };
    if (/^\d+$/.test(stateOrPfx)) {
      n.state = 'Established';
      n.prefixesReceived = Number(stateOrPfx);
    } else n.state = stateOrPfx;
    out.push(n);
  }
  return out;
}

/** `Device ID  Local Intf  Hold-time  Capability  Port ID` (IOS, NX-OS). */
export function parseCiscoLldpTable(text: string): NeighborInfo[] {
  const out: NeighborInfo[] = [];
  let inTable = false;
  for (const line of lines(text)) {
    if (/^Device ID\s+Local Intf/i.test(line)) {
      inTable = true;
      continue;
    }
    if (!inTable || !line.trim()) continue;
    if (/^Total entries/i.test(line)) break;
    const f = fields(line);
    if (f.length < 4) continue;
    out.push({ protocol: 'lldp', peer: f[0]!, localInterface: f[1]!, remoteInterface: f[f.length - 1]! });
  }
  return out;
}
