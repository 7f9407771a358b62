import type { Pool, PoolClient } from 'pg';
import { decodeTimes, decodeValues, encodeTimes, encodeValues, intervals, type ValueKind } from './codec.js';
import { from as copyFrom } from 'pg-copy-streams';
import { copyOutBinary, copyOutBinaryRaw, int8, literal, timestampUs } from './copy-binary.js';
import { METRICS } from './names.js';
import { decodeHead, encodeHead } from './period-head.js';
import { BucketScan, type HeadFigures, type ScanOptions, type ScanResult } from './scan.js';

/**
 * Compaction of closed hours from `samples` (recent rows) into `samples_packed` (one row per
 * interface and hour, columns encoded by ./codec.ts), and reading both back as one stream of
 * samples. Everything that reads raw samples goes through `readSamples`, so it does not matter
 * to a chart, a summary, a rollup or top-N whether an hour is compacted yet.
 */

export const PERIOD_MS = 3_600_000;
type Metric = (typeof METRICS)[number];

export const KIND: Record<Metric | 'speed_bps', ValueKind> = {
  in_bps: 'bits',
  out_bps: 'bits',
  in_pps: 'rate',
  out_pps: 'rate',
  in_errors: 'rate',
  out_errors: 'rate',
  in_discards: 'rate',
  out_discards: 'rate',
  speed_bps: 'int',
};
const COLUMNS = [...METRICS, 'speed_bps'] as const;
type Column = (typeof COLUMNS)[number];

/** A run of samples of one interface in time order: times in µs, values NaN where unknown. */
export interface SampleChunk {
  device: string;
  ifindex: number;
  tsUs: Float64Array;
  values: Partial<Record<Column, Float64Array>>;
}

const floorTo = (ms: number, step: number) => Math.floor(ms / step) * step;

// Epoch microseconds, exactly (extract() returns numeric since PostgreSQL 14).
const TS_US = '(extract(epoch FROM ts) * 1000000)::int8::text AS ts_us';

interface RecentRow {
  device: string;
  ifindex: number;
  ts_us: string;
  [c: string]: unknown;
}

function chunksFromRows(rows: readonly RecentRow[], cols: readonly Column[]): SampleChunk[] {
  const out: SampleChunk[] = [];
  let i = 0;
  while (i < rows.length) {
    const first = rows[i]!;
    let j = i;
    while (j < rows.length && rows[j]!.device === first.device && rows[j]!.ifindex === first.ifindex) j++;
    const n = j - i;
    const tsUs = new Float64Array(n);
    const values: SampleChunk['values'] = {};
    for (const c of cols) values[c] = new Float64Array(n);
    for (let k = 0; k < n; k++) {
      const r = rows[i + k]!;
      tsUs[k] = Number(r.ts_us);
      for (const c of cols) {
        const v = r[c];
        values[c]![k] = v === null || v === undefined ? Number.NaN : Number(v);
      }
    }
    out.push({ device: first.device, ifindex: first.ifindex, tsUs, values });
    i = j;
  }
  return out;
}

interface PackedRow {
  device: string;
  ifindex: number;
  n: number;
  ts: Buffer;
  [c: string]: unknown;
}

function chunkFromPacked(r: PackedRow, cols: readonly Column[]): SampleChunk {
  const tsUs = decodeTimes(r.ts, r.n);
  const dts = intervals(tsUs);
  const values: SampleChunk['values'] = {};
  for (const c of cols) values[c] = decodeValues(KIND[c], r[c] as Buffer, tsUs, new Float64Array(r.n), dts);
  return { device: r.device, ifindex: r.ifindex, tsUs, values };
}

type Where = { device: string; ifindex: number } | { devices?: readonly string[] };

function whereSql(where: Where): string {
  if ('ifindex' in where)
    return `AND device = ${literal.text(where.device)} AND ifindex = ${literal.int(where.ifindex)}`;
  if (where.devices?.length) return `AND device = ANY(${literal.texts(where.devices)})`;
  return '';
}

/** A packed row as the binary COPY of `packedSql` hands it over (streams null when not wanted). */
interface CopiedRow {
  device: string;
  ifindex: number;
  periodMs: number;
  n: number;
  tFirstUs: number;
  head: Buffer | null;
  ts: Buffer | null;
  cols: (Buffer | null)[];
}

/**
 * The packed rows of [from, to) in (device, ifindex, period) order through binary COPY. `decode`
 * is an SQL condition on the row: its streams are sent only where it holds (the others come with
 * their head alone).
 */
function packedSql(where: Where, cols: readonly Column[], from: number, to: number, decode = 'true'): string {
  const streams = ['ts', ...cols].map((c) => `CASE WHEN d THEN ${c} END`).join(', ');
  return `SELECT device, ifindex, (extract(epoch FROM period) * 1000)::int8, n,
                 (extract(epoch FROM t_first) * 1000000)::int8, head, ${streams}
            FROM (SELECT *, ${decode} AS d FROM samples_packed
                   WHERE period >= ${literal.time(floorTo(from, PERIOD_MS))} AND period < ${literal.time(to)}
                     AND t_last >= ${literal.time(from)} ${whereSql(where)}) x
           ORDER BY device, ifindex, period`;
}

async function copyPacked(db: Pool | PoolClient, sql: string, onRow: (r: CopiedRow) => void): Promise<void> {
  const row: CopiedRow = {
    device: '',
    ifindex: 0,
    periodMs: 0,
    n: 0,
    tFirstUs: 0,
    head: null,
    ts: null,
    cols: [],
  };
  let lastDevice: Buffer | undefined;
  await copyOutBinary(db, sql, (f) => {
    // the device name repeats row after row: decode it once per interface
    if (!lastDevice?.equals(f[0]!)) {
      lastDevice = Buffer.from(f[0]!);
      row.device = lastDevice.toString('utf8');
    }
    row.ifindex = f[1]!.readInt32BE(0);
    row.periodMs = int8(f[2]!);
    row.n = f[3]!.readInt32BE(0);
    row.tFirstUs = int8(f[4]!);
    row.head = f[5] ?? null;
    row.ts = f[6] ?? null;
    row.cols = f.slice(7);
    onRow(row);
  });
}

/** Scratch arrays for decoding one row at a time, grown to the longest row seen. */
class Scratch {
  ts = new Float64Array(4096);
  dts = new Float64Array(4096);
  values: Float64Array[] = [];
  fit(n: number, cols: number): void {
    if (this.ts.length < n) {
      const size = Math.max(n, this.ts.length * 2);
      this.ts = new Float64Array(size);
      this.dts = new Float64Array(size);
      this.values = [];
    }
    while (this.values.length < cols) this.values.push(new Float64Array(this.ts.length));
  }
}

/** Decodes a copied row's streams into `s` (views of length n). */
function decodeRow(
  r: CopiedRow,
  cols: readonly Column[],
  s: Scratch,
): { ts: Float64Array; values: Float64Array[] } {
  s.fit(r.n, cols.length);
  const ts = decodeTimes(r.ts!, r.n, s.ts.subarray(0, r.n));
  const dts = intervals(ts, s.dts.subarray(0, r.n));
  const values = cols.map((c, j) =>
    decodeValues(KIND[c], r.cols[j]!, ts, s.values[j]!.subarray(0, r.n), dts),
  );
  return { ts, values };
}

/** Indices [a, b) of the samples of a time-ordered run inside [lo, hi) (µs). */
function cut(ts: Float64Array, lo: number, hi: number): [number, number] {
  let a = 0;
  let b = ts.length;
  while (a < b && ts[a]! < lo) a++;
  while (b > a && ts[b - 1]! >= hi) b--;
  return [a, b];
}

/**
 * Every sample of the given interfaces in [from, to), packed hours and recent rows alike, as
 * chunks in time order per interface (a late row for a packed hour comes as its own chunk).
 */
export async function readSamples(
  client: Pool | PoolClient,
  where: Where,
  cols: readonly Column[],
  from: number,
  to: number,
): Promise<SampleChunk[]> {
  const out: SampleChunk[] = [];
  const lo = from * 1000;
  const hi = to * 1000;
  await copyPacked(client, packedSql(where, cols, from, to), (r) => {
    const tsUs = decodeTimes(r.ts!, r.n);
    const [a, b] = cut(tsUs, lo, hi);
    if (a === b) return;
    const dts = intervals(tsUs);
    const values: SampleChunk['values'] = {};
    cols.forEach((c, j) => {
      values[c] = decodeValues(KIND[c], r.cols[j]!, tsUs, new Float64Array(r.n), dts).subarray(a, b);
    });
    out.push({ device: r.device, ifindex: r.ifindex, tsUs: tsUs.subarray(a, b), values });
  });
  out.push(...(await readRecent(client, where, cols, from, to)));
  // per interface, in time order (a late row for a packed hour sorts into place by its first ts)
  out.sort((x, y) =>
    x.device < y.device ? -1 : x.device > y.device ? 1 : x.ifindex - y.ifindex || x.tsUs[0]! - y.tsUs[0]!,
  );
  return out;
}

/** Whether buf[a, b) holds the bytes of `x` (a loop: names are short, a native call costs more). */
function sameBytes(x: Buffer, buf: Buffer, a: number, b: number): boolean {
  if (x.length !== b - a) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== buf[a + i]) return false;
  return true;
}

/**
 * The recent (not yet compacted) rows of [from, to) as chunks, one per interface, through binary
 * COPY: text results made node-postgres build a row object and parse ten strings per sample,
 * which was most of the analysis job's read. The chunks are views of one array per column.
 */
async function readRecent(
  client: Pool | PoolClient,
  where: Where,
  cols: readonly Column[],
  from: number,
  to: number,
): Promise<SampleChunk[]> {
  const out: SampleChunk[] = [];
  let cap = 4096;
  let ts = new Float64Array(cap);
  let vals = cols.map(() => new Float64Array(cap));
  let n = 0;
  // [start, end) of each interface's rows in the arrays, with its device and ifindex
  const bounds: { device: string; ifindex: number; a: number }[] = [];
  let lastDevice: Buffer | undefined;
  let device = '';
  let ifindex = Number.NaN;
  await copyOutBinaryRaw(
    client,
    `SELECT device, ifindex, ts, ${cols.map((c) => `${c}::float8`).join(', ')} FROM samples
      WHERE ts >= ${literal.time(from)} AND ts < ${literal.time(to)} ${whereSql(where)}
      ORDER BY device, ifindex, ts`,
    (buf, start, len) => {
      if (n === cap) {
        cap *= 2;
        const grow = (x: Float64Array) => {
          const y = new Float64Array(cap);
          y.set(x);
          return y;
        };
        ts = grow(ts);
        vals = vals.map(grow);
      }
      // the device name repeats row after row: decoded once per interface
      const d0 = start[0]!;
      const d1 = d0 + len[0]!;
      let newIface = false;
      if (!lastDevice || !sameBytes(lastDevice, buf, d0, d1)) {
        lastDevice = Buffer.from(buf.subarray(d0, d1));
        device = lastDevice.toString('utf8');
        newIface = true;
      }
      const idx = buf.readInt32BE(start[1]!);
      if (newIface || idx !== ifindex) {
        ifindex = idx;
        bounds.push({ device, ifindex, a: n });
      }
      ts[n] = timestampUs(buf, start[2]!);
      for (let j = 0; j < cols.length; j++) {
        const at = start[3 + j]!;
        vals[j]![n] = len[3 + j]! < 0 ? Number.NaN : buf.readDoubleBE(at);
      }
      n++;
    },
  );
  for (let k = 0; k < bounds.length; k++) {
    const { device: dev, ifindex: i, a } = bounds[k]!;
    const e = k + 1 < bounds.length ? bounds[k + 1]!.a : n;
    const values: SampleChunk['values'] = {};
    cols.forEach((c, j) => {
      values[c] = vals[j]!.subarray(a, e);
    });
    out.push({ device: dev, ifindex: i, tsUs: ts.subarray(a, e), values });
  }
  return out;
}

export interface ScanRangeOptions extends ScanOptions {
  /**
   * Answer rows that lie whole inside one bucket from their heads instead of decoding them
   * (default true; ignored when a p95 is wanted, which needs every value).
   */
  heads?: boolean;
}

/**
 * One interface's samples in [from, to) → pixel buckets and summary figures (./scan.ts), in one
 * pass: each packed row is decoded into reused arrays as it arrives and folded in. With heads,
 * the server sends the streams only of the rows a bucket boundary or the range's ends cut, of
 * the newest row (it holds the latest value), and of rows packed before heads existed; every
 * other row is folded in from its head.
 */
export async function scanRange(
  client: PoolClient,
  iface: { device: string; ifindex: number },
  metrics: readonly Column[],
  o: ScanRangeOptions,
): Promise<ScanResult> {
  const scan = new BucketScan(metrics, o);
  const { from, to, bucketMs } = o;
  const origin = o.origin ?? from;
  const useHeads = o.heads !== false && o.p95 === false;
  // whole ms: t_first is stored floored and t_last ceiled, so a row near a boundary is decoded
  const bucketSql = (col: string) => `floor((extract(epoch FROM ${col}) * 1000 - ${origin}) / ${bucketMs})`;
  const decode = useHeads
    ? `(head IS NULL OR t_first < ${literal.time(from)} OR t_last >= ${literal.time(to)}
        OR ${bucketSql('t_first')} <> ${bucketSql('t_last')}
        OR period = (SELECT max(period) FROM samples_packed
                      WHERE period >= ${literal.time(floorTo(from, PERIOD_MS))} AND period < ${literal.time(to)}
                        AND t_last >= ${literal.time(from)} ${whereSql(iface)}))`
    : 'true';
  const lo = from * 1000;
  const hi = to * 1000;
  const scratch = new Scratch();
  const figures: (HeadFigures | null)[] = [];
  const at = metrics.map((m) => METRICS.indexOf(m as (typeof METRICS)[number]));
  let first = true;
  await copyPacked(client, packedSql(iface, metrics, from, to, decode), (r) => {
    if (first && o.p95 !== false) {
      // about as many samples in every hour of the range as in the first: one allocation
      scan.reserve(Math.min(r.n * Math.ceil((to - from) / PERIOD_MS + 1), 4_000_000));
      first = false;
    }
    if (r.ts) {
      const { ts, values } = decodeRow(r, metrics, scratch);
      const [a, b] = cut(ts, lo, hi);
      scan.addRun(ts, values, a, b);
      return;
    }
    const h = decodeHead(r.head!, r.periodMs, r.tFirstUs, r.n);
    if (!h) throw new Error(`packed row ${r.device} ${r.ifindex} ${r.periodMs}: unknown head version`);
    figures.length = 0;
    for (const k of at) figures.push(h.metrics[k] ?? null);
    scan.addHead(r.tFirstUs, h.tLast, r.n, figures);
  });
  for (const c of await readRecent(client, iface, metrics, from, to))
    scan.addRun(
      c.tsUs,
      metrics.map((m) => c.values[m]),
      0,
      c.tsUs.length,
    );
  return scan.finish();
}

export interface CompactResult {
  /** Packed rows written (new or merged). */
  rows: number;
  /** Recent rows folded into them. */
  samples: number;
}

/**
 * Packs every recent row older than `until` (floored to the hour) into its interface-hour row,
 * merging with a row already packed for that hour (late polls). One transaction per hour and
 * batch of devices, so a crash leaves each sample in exactly one of the two tables.
 */
export async function compactBefore(
  pool: Pool,
  until: Date,
  options: { devicesPerBatch?: number } = {},
): Promise<CompactResult> {
  const end = floorTo(until.getTime(), PERIOD_MS);
  const result: CompactResult = { rows: 0, samples: 0 };
  const per = options.devicesPerBatch ?? 500;
  for (;;) {
    const { rows } = await pool.query<{ t: Date | null }>('SELECT min(ts) AS t FROM samples WHERE ts < $1', [
      new Date(end),
    ]);
    const first = rows[0]?.t;
    if (!first) return result;
    const hour = floorTo(first.getTime(), PERIOD_MS);
    const devs = (
      await pool.query<{ device: string }>(
        'SELECT DISTINCT device FROM samples WHERE ts >= $1 AND ts < $2 ORDER BY device',
        [new Date(hour), new Date(hour + PERIOD_MS)],
      )
    ).rows.map((r) => r.device);
    for (let i = 0; i < devs.length; i += per) {
      const r = await compactHour(pool, hour, devs.slice(i, i + per));
      result.rows += r.rows;
      result.samples += r.samples;
    }
  }
}

async function compactHour(pool: Pool, hour: number, devices: readonly string[]): Promise<CompactResult> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const lo = new Date(hour);
    const hi = new Date(hour + PERIOD_MS);
    // lock the hour's recent rows first: a concurrent compaction of the same hour waits, then finds none
    const recent = await client.query<RecentRow>(
      `SELECT device, ifindex, ${TS_US}, ${COLUMNS.join(', ')} FROM samples
       WHERE ts >= $1 AND ts < $2 AND device = ANY($3::text[])
       ORDER BY device, ifindex, ts FOR UPDATE`,
      [lo, hi, devices],
    );
    const fresh = chunksFromRows(recent.rows, COLUMNS);
    const old = (
      await client.query<PackedRow>(
        `SELECT device, ifindex, n, ts, ${COLUMNS.join(', ')} FROM samples_packed
         WHERE period = $1 AND device = ANY($2::text[])`,
        [lo, devices],
      )
    ).rows;
    const before = new Map(old.map((r) => [`${r.device}\u0000${r.ifindex}`, chunkFromPacked(r, COLUMNS)]));
    const rows = fresh.map((c) => {
      const prior = before.get(`${c.device}\u0000${c.ifindex}`);
      return packPeriod(hour, prior ? mergeChunks(prior, c) : c);
    });
    if (fresh.length) {
      await writePacked(client, rows, true);
      await client.query('DELETE FROM samples WHERE ts >= $1 AND ts < $2 AND device = ANY($3::text[])', [
        lo,
        hi,
        devices,
      ]);
    }
    await client.query('COMMIT');
    return { rows: fresh.length, samples: recent.rows.length };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}

/** One interface-hour in its stored form: streams and head. */
export interface PackedPeriod {
  device: string;
  ifindex: number;
  periodMs: number;
  n: number;
  tFirst: Date;
  tLast: Date;
  ts: Buffer;
  /** Per column of COLUMNS. */
  cols: Buffer[];
  head: Buffer;
}

/** Encodes one interface's samples of the hour starting at periodMs (every column present). */
export function packPeriod(periodMs: number, c: SampleChunk): PackedPeriod {
  const n = c.tsUs.length;
  return {
    device: c.device,
    ifindex: c.ifindex,
    periodMs,
    n,
    tFirst: new Date(Math.floor(c.tsUs[0]! / 1000)),
    tLast: new Date(Math.ceil(c.tsUs[n - 1]! / 1000)),
    ts: encodeTimes(c.tsUs),
    cols: COLUMNS.map((k) => encodeValues(KIND[k], c.values[k]!, c.tsUs)),
    head: encodeHead(periodMs, c.tsUs, c.values),
  };
}

/** Writes packed periods (replacing a row of the same interface and hour when `replace`). */
export async function writePacked(
  client: Pool | PoolClient,
  rows: readonly PackedPeriod[],
  replace = false,
): Promise<void> {
  if (!rows.length) return;
  const cols: unknown[][] = [
    rows.map((r) => r.device),
    rows.map((r) => r.ifindex),
    rows.map((r) => new Date(r.periodMs)),
    rows.map((r) => r.n),
    rows.map((r) => r.tFirst),
    rows.map((r) => r.tLast),
    rows.map((r) => r.ts),
    rows.map((r) => r.head),
    ...COLUMNS.map((_, j) => rows.map((r) => r.cols[j])),
  ];
  const c = COLUMNS.map((_, j) => `c${j}`).join(', ');
  await client.query(
    `INSERT INTO samples_packed (device, ifindex, period, n, t_first, t_last, ts, head, ${COLUMNS.join(', ')})
     SELECT d, i, p, n, tf, tl, ts, h, ${c}
       FROM unnest($1::text[], $2::int[], $3::timestamptz[], $4::int[], $5::timestamptz[], $6::timestamptz[],
                   $7::bytea[], $8::bytea[], ${COLUMNS.map((_, j) => `$${9 + j}::bytea[]`).join(', ')})
         AS u(d, i, p, n, tf, tl, ts, h, ${c})
     ${
       replace
         ? `ON CONFLICT (device, ifindex, period) DO UPDATE SET n = EXCLUDED.n, t_first = EXCLUDED.t_first,
       t_last = EXCLUDED.t_last, ts = EXCLUDED.ts, head = EXCLUDED.head,
       ${COLUMNS.map((k) => `${k} = EXCLUDED.${k}`).join(', ')}`
         : ''
     }`,
    cols,
  );
}

const COPY_SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
/** PostgreSQL's epoch (2000-01-01) in Unix ms: binary timestamps count µs from it. */
const PG_EPOCH_MS = 946_684_800_000;

/**
 * The same rows as `writePacked` (no replace: a fresh interface-hour only), through binary COPY:
 * the streams go over the wire as the bytes they are, where unnest parameters hex-encode every
 * bytea into a text array the server then parses. Several times faster for a bulk load (the
 * lab's two weeks of history); fails on an existing (device, ifindex, period) as INSERT would.
 */
export async function copyInPacked(client: PoolClient, rows: Iterable<PackedPeriod>): Promise<number> {
  const stream = client.query(
    copyFrom(
      `COPY samples_packed (device, ifindex, period, n, t_first, t_last, ts, head, ${COLUMNS.join(', ')}) FROM STDIN (FORMAT binary)`,
    ),
  );
  const done = new Promise<void>((resolve, reject) => {
    stream.on('finish', resolve);
    stream.on('error', reject);
  });
  const header = Buffer.alloc(19);
  COPY_SIGNATURE.copy(header, 0);
  const parts: Buffer[] = [header];
  let size = header.length;
  let written = 0;
  let lastDevice = '';
  let deviceBytes = Buffer.alloc(0);
  const flush = async () => {
    const chunk = Buffer.concat(parts, size);
    parts.length = 0;
    size = 0;
    if (!stream.write(chunk)) await new Promise((r) => stream.once('drain', r));
  };
  for (const r of rows) {
    if (r.device !== lastDevice) {
      lastDevice = r.device;
      deviceBytes = Buffer.from(r.device, 'utf8');
    }
    const fixed = Buffer.alloc(2 + (4 + deviceBytes.length) + 8 + 12 + 8 + 12 * 3);
    let p = fixed.writeInt16BE(8 + COLUMNS.length, 0);
    p = fixed.writeInt32BE(deviceBytes.length, p);
    p += deviceBytes.copy(fixed, p);
    p = fixed.writeInt32BE(4, p);
    p = fixed.writeInt32BE(r.ifindex, p);
    const ts = (ms: number) => {
      p = fixed.writeInt32BE(8, p);
      p = fixed.writeBigInt64BE(BigInt(Math.round((ms - PG_EPOCH_MS) * 1000)), p);
    };
    ts(r.periodMs);
    p = fixed.writeInt32BE(4, p);
    p = fixed.writeInt32BE(r.n, p);
    ts(r.tFirst.getTime());
    ts(r.tLast.getTime());
    parts.push(fixed.subarray(0, p));
    size += p;
    for (const b of [r.ts, r.head, ...r.cols]) {
      const len = Buffer.alloc(4);
      len.writeInt32BE(b.length, 0);
      parts.push(len, b);
      size += 4 + b.length;
    }
    written++;
    if (size > 512_000) await flush();
  }
  const trailer = Buffer.alloc(2);
  trailer.writeInt16BE(-1, 0);
  parts.push(trailer);
  size += 2;
  await flush();
  stream.end();
  await done;
  return written;
}

/**
 * Writes the heads of rows packed before heads existed (migration 0019 adds the column empty).
 * Such rows are read correctly meanwhile, by decoding them; maintenance calls this in batches.
 */
export async function backfillHeads(
  pool: Pool,
  options: { batch?: number; limit?: number } = {},
): Promise<number> {
  const batch = options.batch ?? 500;
  let total = 0;
  // a large fleet's week of hours is filled over several maintenance runs, not in one
  while (total < (options.limit ?? Number.POSITIVE_INFINITY)) {
    const { rows } = await pool.query<PackedRow & { period: Date }>(
      `SELECT device, ifindex, period, n, ts, ${METRICS.join(', ')} FROM samples_packed
        WHERE head IS NULL LIMIT ${batch}`,
    );
    if (!rows.length) return total;
    const heads = rows.map((r) => {
      const c = chunkFromPacked(r, METRICS);
      return encodeHead(r.period.getTime(), c.tsUs, c.values);
    });
    await pool.query(
      `UPDATE samples_packed p SET head = u.h
         FROM unnest($1::text[], $2::int[], $3::timestamptz[], $4::bytea[]) AS u(d, i, t, h)
        WHERE p.device = u.d AND p.ifindex = u.i AND p.period = u.t AND p.head IS NULL`,
      [rows.map((r) => r.device), rows.map((r) => r.ifindex), rows.map((r) => r.period), heads],
    );
    total += rows.length;
  }
  return total;
}

/** Two chunks of one interface merged by time (a sample present in both keeps the newer copy). */
function mergeChunks(a: SampleChunk, b: SampleChunk): SampleChunk {
  const n = a.tsUs.length + b.tsUs.length;
  const tsUs = new Float64Array(n);
  const values: SampleChunk['values'] = {};
  const keys = Object.keys(a.values) as Column[];
  for (const k of keys) values[k] = new Float64Array(n);
  let i = 0;
  let j = 0;
  let o = 0;
  while (i < a.tsUs.length || j < b.tsUs.length) {
    const takeB = i >= a.tsUs.length || (j < b.tsUs.length && b.tsUs[j]! <= a.tsUs[i]!);
    if (takeB && i < a.tsUs.length && b.tsUs[j] === a.tsUs[i]) i++;
    const src = takeB ? b : a;
    const at = takeB ? j++ : i++;
    tsUs[o] = src.tsUs[at]!;
    for (const k of keys) values[k]![o] = src.values[k]![at]!;
    o++;
  }
  const cut = (x: Float64Array) => x.subarray(0, o);
  for (const k of keys) values[k] = cut(values[k]!);
  return { device: a.device, ifindex: a.ifindex, tsUs: cut(tsUs), values };
}
