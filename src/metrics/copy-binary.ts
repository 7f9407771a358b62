import type { Pool, PoolClient } from 'pg';
import { to as copyTo } from 'pg-copy-streams';

/**
 * Rows of a query as PostgreSQL's binary COPY sends them, handed to `onRow` one at a time as
 * they arrive. Why not an ordinary query: node-postgres reads every field as text, so a bytea
 * column crosses the wire hex-encoded (twice its size, encoded by the server and decoded here)
 * and a binary-format result is mangled by its UTF-8 decoding. The packed sample streams are
 * most of what a chart reads, and here they arrive as the bytes they are stored as; decoding a
 * row while the server produces the next one overlaps the two.
 *
 * A field is a view into the received chunk (valid only during the callback) or null. COPY takes
 * no parameters: callers build `sql` from literals they have checked (see `literal`).
 */

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');

export type CopyField = Buffer | null;

export async function copyOutBinary(
  db: Pool | PoolClient,
  sql: string,
  onRow: (fields: CopyField[]) => void,
): Promise<number> {
  const own = 'totalCount' in db ? await (db as Pool).connect() : undefined;
  const client = (own ?? db) as PoolClient;
  try {
    const parser = createCopyParser(onRow);
    const stream = client.query(copyTo(`COPY (${sql}) TO STDOUT (FORMAT binary)`));
    for await (const chunk of stream as AsyncIterable<Buffer>) parser.push(chunk);
    return parser.end();
  } finally {
    own?.release();
  }
}

/**
 * As copyOutBinary, without a Buffer per field: `onRow` gets the received chunk and where each
 * field starts in it (`len[i]` -1 for null), valid only during the callback. For reads of many
 * narrow rows (the analysis job's recent samples), where a view per field was most of the cost.
 */
export async function copyOutBinaryRaw(
  db: Pool | PoolClient,
  sql: string,
  onRow: RawRowHandler,
): Promise<number> {
  const own = 'totalCount' in db ? await (db as Pool).connect() : undefined;
  const client = (own ?? db) as PoolClient;
  try {
    const parser = createRawCopyParser(onRow);
    const stream = client.query(copyTo(`COPY (${sql}) TO STDOUT (FORMAT binary)`));
    for await (const chunk of stream as AsyncIterable<Buffer>) parser.push(chunk);
    return parser.end();
  } finally {
    own?.release();
  }
}

/** A tuple's `count` fields: field i is buf[start[i], start[i] + len[i]), or null when len[i] is -1. */
export type RawRowHandler = (buf: Buffer, start: Int32Array, len: Int32Array, count: number) => void;

/**
 * The binary COPY format, chunk by chunk as the socket delivers it: a tuple is handed to
 * `onRow` only when all of it is here. `end` returns the tuples seen and throws on a stream cut
 * short (no trailer).
 */
export function createCopyParser(onRow: (fields: CopyField[]) => void): {
  push(chunk: Buffer): void;
  end(): number;
} {
  const fields: CopyField[] = [];
  return createRawCopyParser((buf, start, len, count) => {
    fields.length = count;
    for (let i = 0; i < count; i++)
      fields[i] = len[i]! < 0 ? null : buf.subarray(start[i]!, start[i]! + len[i]!);
    onRow(fields);
  });
}

/** createCopyParser without the views: offsets into the chunk instead (see RawRowHandler). */
export function createRawCopyParser(onRow: RawRowHandler): {
  push(chunk: Buffer): void;
  end(): number;
} {
  let buf: Buffer = Buffer.alloc(0);
  let pos = 0;
  let headerDone = false;
  let done = false;
  let rows = 0;
  let start = new Int32Array(16);
  let len = new Int32Array(16);
  return {
    push(chunk) {
      buf = pos < buf.length ? Buffer.concat([buf.subarray(pos), chunk]) : chunk;
      pos = 0;
      if (!headerDone) {
        if (buf.length < 19) return;
        if (!buf.subarray(0, 11).equals(SIGNATURE)) throw new Error('not a binary COPY stream');
        const ext = buf.readInt32BE(15);
        if (buf.length < 19 + ext) return;
        pos = 19 + ext;
        headerDone = true;
      }
      while (!done && pos + 2 <= buf.length) {
        const count = buf.readInt16BE(pos);
        if (count === -1) {
          done = true;
          pos += 2;
          break;
        }
        if (count > start.length) {
          start = new Int32Array(count);
          len = new Int32Array(count);
        }
        let p = pos + 2;
        let complete = true;
        for (let i = 0; i < count; i++) {
          if (p + 4 > buf.length) {
            complete = false;
            break;
          }
          const n = buf.readInt32BE(p);
          p += 4;
          start[i] = p;
          len[i] = n < 0 ? -1 : n;
          if (n < 0) continue;
          if (p + n > buf.length) {
            complete = false;
            break;
          }
          p += n;
        }
        if (!complete) break;
        pos = p;
        rows++;
        onRow(buf, start, len, count);
      }
    },
    end() {
      if (!done) throw new Error('binary COPY stream ended without its trailer');
      return rows;
    },
  };
}

/** int8 (and timestamptz as µs since 2000-01-01) from a binary field, as a double (exact to 2^53). */
export function int8(b: Buffer, at = 0): number {
  return b.readInt32BE(at) * 4_294_967_296 + b.readUInt32BE(at + 4);
}

/** µs between 1970-01-01 and PostgreSQL's epoch 2000-01-01. */
export const PG_EPOCH_US = 946_684_800_000_000;

/** A timestamptz field as epoch µs. */
export function timestampUs(b: Buffer, at = 0): number {
  return int8(b, at) + PG_EPOCH_US;
}

/** A checked SQL literal for COPY text (which takes no parameters). */
export const literal = {
  text(s: string): string {
    // E'' reads backslashes the same way whatever standard_conforming_strings says
    return `E'${s.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
  },
  int(n: number): string {
    if (!Number.isSafeInteger(n)) throw new RangeError(`not an integer: ${n}`);
    return String(n);
  },
  /** Epoch ms → timestamptz. */
  time(ms: number): string {
    if (!Number.isFinite(ms)) throw new RangeError(`not a time: ${ms}`);
    return `'${new Date(ms).toISOString()}'::timestamptz`;
  },
  texts(list: readonly string[]): string {
    return `ARRAY[${list.map((s) => literal.text(s)).join(', ')}]::text[]`;
  },
};
