/**
 * Just enough BER for an SNMPv2c responder: decode Get/GetNext/GetBulk requests, encode responses.
 * Written for speed (a shared scratch buffer, fixed-width container lengths) because one process
 * answers for a thousand simulated devices.
 */

export const TAG = {
  INTEGER: 0x02,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  SEQUENCE: 0x30,
  IP_ADDRESS: 0x40,
  COUNTER32: 0x41,
  GAUGE32: 0x42,
  TIMETICKS: 0x43,
  COUNTER64: 0x46,
  NO_SUCH_OBJECT: 0x80,
  NO_SUCH_INSTANCE: 0x81,
  END_OF_MIB_VIEW: 0x82,
  GET: 0xa0,
  GET_NEXT: 0xa1,
  RESPONSE: 0xa2,
  GET_BULK: 0xa5,
} as const;

export type Value =
  | { t: 0x02 | 0x41 | 0x42 | 0x43; v: number }
  | { t: 0x04; v: Buffer }
  | { t: 0x06; v: number[] }
  | { t: 0x40; v: number[] }
  | { t: 0x46; v: bigint }
  | { t: 0x05 | 0x80 | 0x81 | 0x82 };

export interface Request {
  version: number;
  community: Buffer;
  pdu: number;
  /** Raw request-id TLV, echoed back verbatim (whatever its sign or width). */
  reqIdTlv: Buffer;
  nonRepeaters: number;
  maxRepetitions: number;
  oids: number[][];
}

function readLen(b: Buffer, p: number): [len: number, next: number] {
  const first = b[p]!;
  if (first < 0x80) return [first, p + 1];
  const n = first & 0x7f;
  if (n === 0 || n > 3) throw new Error('unsupported BER length');
  let len = 0;
  for (let i = 1; i <= n; i++) len = len * 256 + b[p + i]!;
  return [len, p + 1 + n];
}

function readInt(b: Buffer, p: number, len: number): number {
  let v = b[p]! & 0x80 ? -1 : 0;
  for (let i = 0; i < len; i++) v = v * 256 + b[p + i]!;
  return v;
}

export function decodeOid(b: Buffer, p: number, len: number): number[] {
  const out: number[] = [];
  let v = 0;
  for (let i = 0; i < len; i++) {
    const byte = b[p + i]!;
    v = v * 128 + (byte & 0x7f);
    if (!(byte & 0x80)) {
      if (out.length === 0) out.push(v < 80 ? Math.floor(v / 40) : 2, v < 80 ? v % 40 : v - 80);
      else out.push(v);
      v = 0;
    }
  }
  return out;
}

/** Parses a v1/v2c request; throws on anything malformed (the agent drops it). */
export function decodeRequest(b: Buffer): Request {
  let p = 0;
  const expect = (tag: number) => {
    if (b[p] !== tag) throw new Error(`expected tag ${tag} at ${p}`);
    const [len, next] = readLen(b, p + 1);
    const start = next;
    p = next;
    return { start, len };
  };
  expect(TAG.SEQUENCE);
  const ver = expect(TAG.INTEGER);
  const version = readInt(b, ver.start, ver.len);
  p = ver.start + ver.len;
  const com = expect(TAG.OCTET_STRING);
  const community = b.subarray(com.start, com.start + com.len);
  p = com.start + com.len;
  const pdu = b[p]!;
  if (pdu !== TAG.GET && pdu !== TAG.GET_NEXT && pdu !== TAG.GET_BULK)
    throw new Error(`unsupported PDU ${pdu}`);
  const [, pduStart] = readLen(b, p + 1);
  p = pduStart;
  const idStart = p;
  const id = expect(TAG.INTEGER);
  p = id.start + id.len;
  const reqIdTlv = b.subarray(idStart, p);
  const a = expect(TAG.INTEGER);
  const nonRepeaters = readInt(b, a.start, a.len);
  p = a.start + a.len;
  const c = expect(TAG.INTEGER);
  const maxRepetitions = readInt(b, c.start, c.len);
  p = c.start + c.len;
  const list = expect(TAG.SEQUENCE);
  const end = list.start + list.len;
  const oids: number[][] = [];
  while (p < end) {
    const vb = expect(TAG.SEQUENCE);
    const o = expect(TAG.OID);
    oids.push(decodeOid(b, o.start, o.len));
    p = vb.start + vb.len;
  }
  return { version, community, pdu, reqIdTlv, nonRepeaters, maxRepetitions, oids };
}

export function encodeOidBody(oid: readonly number[]): Buffer {
  const bytes: number[] = [];
  const push = (n: number) => {
    const tmp = [n & 0x7f];
    for (let x = Math.floor(n / 128); x > 0; x = Math.floor(x / 128)) tmp.unshift((x & 0x7f) | 0x80);
    bytes.push(...tmp);
  };
  push(oid[0]! * 40 + (oid[1] ?? 0));
  for (let i = 2; i < oid.length; i++) push(oid[i]!);
  return Buffer.from(bytes);
}

/** An OID as a complete TLV, precomputed once per MIB entry. */
export function encodeOidTlv(oid: readonly number[]): Buffer {
  const body = encodeOidBody(oid);
  return Buffer.concat([Buffer.from([TAG.OID, body.length]), body]);
}

export class Writer {
  buf: Buffer;
  pos = 0;
  constructor(size = 1 << 17) {
    this.buf = Buffer.allocUnsafe(size);
  }
  reset(): void {
    this.pos = 0;
  }
  /** Opens a container with a 3-byte long-form length to patch later (valid BER, saves a pass). */
  open(tag: number): number {
    this.buf[this.pos] = tag;
    this.buf[this.pos + 1] = 0x82;
    this.pos += 4;
    return this.pos;
  }
  close(start: number): void {
    const len = this.pos - start;
    this.buf[start - 2] = len >> 8;
    this.buf[start - 1] = len & 0xff;
  }
  raw(b: Buffer): void {
    b.copy(this.buf, this.pos);
    this.pos += b.length;
  }
  private len(n: number): void {
    if (n < 0x80) this.buf[this.pos++] = n;
    else if (n < 0x100) {
      this.buf[this.pos++] = 0x81;
      this.buf[this.pos++] = n;
    } else {
      this.buf[this.pos++] = 0x82;
      this.buf[this.pos++] = n >> 8;
      this.buf[this.pos++] = n & 0xff;
    }
  }
  int(tag: number, v: number): void {
    // two's complement, minimal; unsigned types get a leading 0 when the top bit is set
    const bytes: number[] = [];
    let x = Math.trunc(v);
    if (tag !== TAG.INTEGER && x < 0) x = 0;
    if (x >= 0) {
      do {
        bytes.unshift(x % 256);
        x = Math.floor(x / 256);
      } while (x > 0);
      if (bytes[0]! & 0x80) bytes.unshift(0);
    } else {
      x = x >>> 0;
      for (let i = 0; i < 4; i++) bytes.unshift((x >>> (8 * i)) & 0xff);
      while (bytes.length > 1 && bytes[0] === 0xff && bytes[1]! & 0x80) bytes.shift();
    }
    this.buf[this.pos++] = tag;
    this.len(bytes.length);
    for (const byte of bytes) this.buf[this.pos++] = byte;
  }
  big(tag: number, v: bigint): void {
    const bytes: number[] = [];
    let x = v < 0n ? 0n : v;
    do {
      bytes.unshift(Number(x & 0xffn));
      x >>= 8n;
    } while (x > 0n);
    if (bytes[0]! & 0x80) bytes.unshift(0);
    this.buf[this.pos++] = tag;
    this.len(bytes.length);
    for (const byte of bytes) this.buf[this.pos++] = byte;
  }
  value(val: Value): void {
    switch (val.t) {
      case TAG.OCTET_STRING:
        this.buf[this.pos++] = val.t;
        this.len(val.v.length);
        this.raw(val.v);
        return;
      case TAG.OID: {
        const body = encodeOidBody(val.v);
        this.buf[this.pos++] = val.t;
        this.len(body.length);
        this.raw(body);
        return;
      }
      case TAG.IP_ADDRESS:
        this.buf[this.pos++] = val.t;
        this.buf[this.pos++] = 4;
        for (const o of val.v) this.buf[this.pos++] = o;
        return;
      case TAG.COUNTER64:
        this.big(val.t, val.v);
        return;
      case TAG.NULL:
      case TAG.NO_SUCH_OBJECT:
      case TAG.NO_SUCH_INSTANCE:
      case TAG.END_OF_MIB_VIEW:
        this.buf[this.pos++] = val.t;
        this.buf[this.pos++] = 0;
        return;
      default:
        this.int(val.t, val.v);
    }
  }
}

export function compareOid(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!;
    if (d) return d;
  }
  return a.length - b.length;
}

export function parseOid(text: string): number[] {
  return text.replace(/^\./, '').split('.').map(Number);
}
