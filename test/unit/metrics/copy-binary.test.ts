import { describe, expect, it } from 'vitest';
import { createCopyParser, timestampUs } from '../../../src/metrics/copy-binary.js';

/** A binary COPY stream as PostgreSQL writes it: signature, flags, header extension, tuples, trailer. */
function stream(rows: (Buffer | null)[][]): Buffer {
  const parts: Buffer[] = [
    Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'),
    Buffer.alloc(4),
    Buffer.from([0, 0, 0, 2, 7, 7]),
  ];
  for (const r of rows) {
    const h = Buffer.alloc(2);
    h.writeInt16BE(r.length);
    parts.push(h);
    for (const f of r) {
      const l = Buffer.alloc(4);
      l.writeInt32BE(f ? f.length : -1);
      parts.push(l);
      if (f) parts.push(f);
    }
  }
  parts.push(Buffer.from([0xff, 0xff]));
  return Buffer.concat(parts);
}

describe('binary COPY parser', () => {
  const ts = Buffer.alloc(8);
  // 2026-01-01T00:00:00.000001Z in µs since 2000-01-01
  ts.writeBigInt64BE(BigInt(Date.parse('2026-01-01T00:00:00Z') * 1000 + 1 - 946_684_800_000_000));
  const rows = [
    [Buffer.from('core1'), ts, null, Buffer.from([1, 2, 3])],
    [Buffer.from('edge2'), ts, Buffer.alloc(3000, 9), Buffer.alloc(0)],
  ];
  const bytes = stream(rows);

  it('hands over every tuple whole, however the stream is cut into chunks', () => {
    for (let cut = 1; cut < bytes.length; cut += 97) {
      const got: (string | null)[][] = [];
      const p = createCopyParser((f) => got.push(f.map((x) => (x ? x.toString('hex') : null))));
      for (let i = 0; i < bytes.length; i += cut) p.push(bytes.subarray(i, i + cut));
      expect(p.end()).toBe(2);
      expect(got).toEqual(rows.map((r) => r.map((x) => (x ? x.toString('hex') : null))));
    }
  });

  it('reads timestamptz as epoch µs, and refuses a stream cut short or not COPY at all', () => {
    expect(timestampUs(ts)).toBe(Date.parse('2026-01-01T00:00:00Z') * 1000 + 1);
    const p = createCopyParser(() => {});
    p.push(bytes.subarray(0, bytes.length - 2));
    expect(() => p.end()).toThrow(/trailer/);
    expect(() => createCopyParser(() => {}).push(Buffer.alloc(40))).toThrow(/not a binary COPY/);
  });
});
