import type { Pool, PoolClient } from 'pg';
import { decodeTimes, decodeValues, encodeTimes, encodeValues, intervals, type ValueKind } from './codec.js';
import { METRICS } from './names.js';

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

/**
 * The packed streams come back as bytea in text (hex) form, which pg turns into Buffers natively.
 * Binary results would halve the bytes on the wire, but node-postgres decodes every field as
 * UTF-8 first, which mangles arbitrary bytes (found the hard way), so text it is.
 */
async function queryPacked<T>(client: Pool | PoolClient, text: string, values: unknown[]): Promise<T[]> {
  return (await client.query(text, values)).rows as T[];
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

/**
 * Every sample of the given interfaces in [from, to), packed hours and recent rows alike, as
 * chunks in time order per interface (a late row for a packed hour comes as its own chunk).
 */
export async function readSamples(
  client: Pool | PoolClient,
  where: { device: string; ifindex: number } | { devices?: readonly string[] },
  cols: readonly Column[],
  from: number,
  to: number,
): Promise<SampleChunk[]> {
  const extra: unknown[] = [];
  let filter = (_at: number) => '';
  if ('ifindex' in where) {
    extra.push(where.device, where.ifindex);
    filter = (at) => `AND device = $${at} AND ifindex = $${at + 1}`;
  } else if (where.devices?.length) {
    extra.push([...where.devices]);
    filter = (at) => `AND device = ANY($${at}::text[])`;
  }
  const packed = await queryPacked<PackedRow>(
    client,
    `SELECT device, ifindex, n, ts, ${cols.join(', ')} FROM samples_packed
     WHERE period >= $3 AND period < $2 AND t_last >= $1 ${filter(4)}
     ORDER BY device, ifindex, period`,
    [new Date(from), new Date(to), new Date(floorTo(from, PERIOD_MS)), ...extra],
  );
  const recent = await client.query<RecentRow>(
    `SELECT device, ifindex, ${TS_US}, ${cols.join(', ')} FROM samples
     WHERE ts >= $1 AND ts < $2 ${filter(3)}
     ORDER BY device, ifindex, ts`,
    [new Date(from), new Date(to), ...extra],
  );
  const lo = from * 1000;
  const hi = to * 1000;
  const out: SampleChunk[] = [];
  for (const r of packed) {
    const c = chunkFromPacked(r, cols);
    // a packed hour straddles the range's ends: cut it to [from, to)
    let a = 0;
    let b = c.tsUs.length;
    while (a < b && c.tsUs[a]! < lo) a++;
    while (b > a && c.tsUs[b - 1]! >= hi) b--;
    if (a === b) continue;
    if (a > 0 || b < c.tsUs.length) {
      c.tsUs = c.tsUs.subarray(a, b);
      for (const k of cols) c.values[k] = c.values[k]!.subarray(a, b);
    }
    out.push(c);
  }
  out.push(...chunksFromRows(recent.rows, cols));
  // per interface, in time order (a late row for a packed hour sorts into place by its first ts)
  out.sort((x, y) =>
    x.device < y.device ? -1 : x.device > y.device ? 1 : x.ifindex - y.ifindex || x.tsUs[0]! - y.tsUs[0]!,
  );
  return out;
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
    const old = await queryPacked<PackedRow>(
      client,
      `SELECT device, ifindex, n, ts, ${COLUMNS.join(', ')} FROM samples_packed
       WHERE period = $1 AND device = ANY($2::text[])`,
      [lo, devices],
    );
    const before = new Map(old.map((r) => [`${r.device}\u0000${r.ifindex}`, chunkFromPacked(r, COLUMNS)]));
    const cols: unknown[][] = Array.from({ length: 6 + COLUMNS.length }, () => []);
    for (const c of fresh) {
      const prior = before.get(`${c.device}\u0000${c.ifindex}`);
      const m = prior ? mergeChunks(prior, c) : c;
      const n = m.tsUs.length;
      cols[0]!.push(m.device);
      cols[1]!.push(m.ifindex);
      cols[2]!.push(n);
      cols[3]!.push(new Date(Math.floor(m.tsUs[0]! / 1000)));
      cols[4]!.push(new Date(Math.ceil(m.tsUs[n - 1]! / 1000)));
      cols[5]!.push(encodeTimes(m.tsUs));
      COLUMNS.forEach((k, j) => {
        cols[6 + j]!.push(encodeValues(KIND[k], m.values[k]!, m.tsUs));
      });
    }
    if (fresh.length) {
      await client.query(
        `INSERT INTO samples_packed (device, ifindex, period, n, t_first, t_last, ts, ${COLUMNS.join(', ')})
         SELECT d, i, $1, n, tf, tl, ts, ${COLUMNS.map((_, j) => `c${j}`).join(', ')}
           FROM unnest($2::text[], $3::int[], $4::int[], $5::timestamptz[], $6::timestamptz[], $7::bytea[],
                       ${COLUMNS.map((_, j) => `$${8 + j}::bytea[]`).join(', ')})
             AS u(d, i, n, tf, tl, ts, ${COLUMNS.map((_, j) => `c${j}`).join(', ')})
         ON CONFLICT (device, ifindex, period) DO UPDATE SET n = EXCLUDED.n, t_first = EXCLUDED.t_first,
           t_last = EXCLUDED.t_last, ts = EXCLUDED.ts, ${COLUMNS.map((k) => `${k} = EXCLUDED.${k}`).join(', ')}`,
        [lo, ...cols],
      );
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
