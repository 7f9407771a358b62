import type { Pool, PoolClient } from 'pg';

/** Per-second rates of one interface at one time (null where unknown), as the poller computes them. */
export interface SampleRates {
  ifIndex: number;
  ts: Date;
  inBps: number | null;
  outBps: number | null;
  inPps: number | null;
  outPps: number | null;
  inErrors: number | null;
  outErrors: number | null;
  inDiscards: number | null;
  outDiscards: number | null;
  speedBps: number | null;
}

/** One row of `samples`: per-second rates (null where unknown) for one device's interface. */
export interface SampleRow extends SampleRates {
  device: string;
}

/** A sample with the rates (and speed) given, every other one unknown. */
export function sampleRow(
  device: string,
  ifIndex: number,
  ts: Date,
  known: Partial<Omit<SampleRates, 'ifIndex' | 'ts'>> = {},
): SampleRow {
  return {
    device,
    ifIndex,
    ts,
    inBps: null,
    outBps: null,
    inPps: null,
    outPps: null,
    inErrors: null,
    outErrors: null,
    inDiscards: null,
    outDiscards: null,
    speedBps: null,
    ...known,
  };
}

export interface InterfaceRow {
  ifIndex: number;
  name: string;
  alias?: string;
  speedBps?: number;
  operStatus?: string;
  adminStatus?: string;
}

export interface DeviceSampleRow {
  device: string;
  ts: Date;
  uptimeS?: number | null;
  cpuPct?: number | null;
  memPct?: number | null;
  pollMs?: number | null;
}

/** Rows per statement: big enough to amortise the round trip, small enough to keep params sane. */
const CHUNK = 10_000;

/**
 * Batched insert through unnest(): one statement and 12 array parameters per chunk instead of
 * 12 × N placeholders; Postgres routes each row to its day partition.
 */
export async function insertSamples(pool: Pool, rows: readonly SampleRow[]): Promise<number> {
  for (let off = 0; off < rows.length; off += CHUNK) {
    const part = rows.slice(off, off + CHUNK);
    const cols: unknown[][] = Array.from({ length: 12 }, () => new Array(part.length));
    part.forEach((r, i) => {
      cols[0]![i] = r.device;
      cols[1]![i] = r.ifIndex;
      cols[2]![i] = r.ts.toISOString();
      cols[3]![i] = r.inBps;
      cols[4]![i] = r.outBps;
      cols[5]![i] = r.inPps;
      cols[6]![i] = r.outPps;
      cols[7]![i] = r.inErrors;
      cols[8]![i] = r.outErrors;
      cols[9]![i] = r.inDiscards;
      cols[10]![i] = r.outDiscards;
      cols[11]![i] = r.speedBps === null ? null : Math.round(r.speedBps);
    });
    await pool.query(
      `INSERT INTO samples (device, ifindex, ts, in_bps, out_bps, in_pps, out_pps, in_errors, out_errors, in_discards, out_discards, speed_bps)
       SELECT * FROM unnest($1::text[], $2::int[], $3::timestamptz[], $4::float8[], $5::float8[], $6::float8[], $7::float8[],
                            $8::float8[], $9::float8[], $10::float8[], $11::float8[], $12::int8[])`,
      cols,
    );
  }
  return rows.length;
}

export async function upsertInterfaces(
  pool: Pool | PoolClient,
  device: string,
  rows: readonly InterfaceRow[],
): Promise<void> {
  if (!rows.length) return;
  await pool.query(
    `INSERT INTO interfaces (device, ifindex, name, alias, speed_bps, oper_status, admin_status, updated_at)
     SELECT $1, * , now() FROM unnest($2::int[], $3::text[], $4::text[], $5::int8[], $6::text[], $7::text[])
     ON CONFLICT (device, ifindex) DO UPDATE SET name = EXCLUDED.name, alias = EXCLUDED.alias, speed_bps = EXCLUDED.speed_bps,
       oper_status = EXCLUDED.oper_status, admin_status = EXCLUDED.admin_status, updated_at = now()`,
    [
      device,
      rows.map((r) => r.ifIndex),
      rows.map((r) => r.name),
      rows.map((r) => r.alias ?? null),
      rows.map((r) => (r.speedBps ? Math.round(r.speedBps) : null)),
      rows.map((r) => r.operStatus ?? null),
      rows.map((r) => r.adminStatus ?? null),
    ],
  );
}

export async function insertDeviceSample(pool: Pool, row: DeviceSampleRow): Promise<void> {
  await pool.query(
    `INSERT INTO device_samples (device, ts, uptime_s, cpu_pct, mem_pct, poll_ms) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (device, ts) DO NOTHING`,
    [row.device, row.ts, row.uptimeS ?? null, row.cpuPct ?? null, row.memPct ?? null, row.pollMs ?? null],
  );
}

/** Where the rates of the next poll start from. */
export interface BaselineStore {
  load(device: string): Promise<string | undefined>;
  save(device: string, reading: string): Promise<void>;
}

export function createBaselineStore(pool: Pool): BaselineStore {
  return {
    async load(device) {
      const { rows } = await pool.query<{ reading: string }>(
        'SELECT reading FROM snmp_baselines WHERE device = $1',
        [device],
      );
      return rows[0]?.reading;
    },
    async save(device, reading) {
      await pool.query(
        `INSERT INTO snmp_baselines (device, reading, updated_at) VALUES ($1, $2, now())
         ON CONFLICT (device) DO UPDATE SET reading = EXCLUDED.reading, updated_at = now()`,
        [device, reading],
      );
    },
  };
}

export function memoryBaselineStore(): BaselineStore {
  const m = new Map<string, string>();
  return { load: async (d) => m.get(d), save: async (d, r) => void m.set(d, r) };
}

/** An interface as the poller last stored it in `interfaces` (no samples). */
export interface StoredInterface {
  ifIndex: number;
  name: string;
  alias: string | null;
  speedBps: number | null;
  operStatus: string | null;
  adminStatus: string | null;
}

/** A row of `interfaces` (ifindex, name, alias, speed_bps, oper_status, admin_status) as a StoredInterface. */
export function storedInterface(r: {
  ifindex: number;
  name: string;
  alias: string | null;
  speed_bps: string | number | null;
  oper_status: string | null;
  admin_status: string | null;
}): StoredInterface {
  return {
    ifIndex: r.ifindex,
    name: r.name,
    alias: r.alias,
    speedBps: r.speed_bps === null ? null : Number(r.speed_bps),
    operStatus: r.oper_status,
    adminStatus: r.admin_status,
  };
}

export interface LatestInterface extends StoredInterface {
  ts: Date | null;
  inBps: number | null;
  outBps: number | null;
  inErrors: number | null;
  outErrors: number | null;
  inDiscards: number | null;
  outDiscards: number | null;
}

/** Each interface of a device with its most recent sample (within `maxAgeMs`). */
export async function latestInterfaces(
  pool: Pool,
  device: string,
  maxAgeMs = 3_600_000,
  now = new Date(),
): Promise<LatestInterface[]> {
  return (await latestInterfacesOf(pool, [{ device, now }], maxAgeMs)).get(device) ?? [];
}

/** latestInterfaces of several devices, each at its own `now`, in one query (each asked for is in the map). */
export async function latestInterfacesOf(
  pool: Pool,
  asks: readonly { device: string; now: Date }[],
  maxAgeMs = 3_600_000,
): Promise<Map<string, LatestInterface[]>> {
  const out = new Map<string, LatestInterface[]>(asks.map((a) => [a.device, []]));
  if (!asks.length) return out;
  const { rows } = await pool.query(
    `SELECT i.device, i.ifindex, i.name, i.alias, i.speed_bps, i.oper_status, i.admin_status,
            s.ts, s.in_bps, s.out_bps, s.in_errors, s.out_errors, s.in_discards, s.out_discards
       FROM unnest($1::text[], $2::timestamptz[]) AS u(device, now)
       JOIN interfaces i ON i.device = u.device
       LEFT JOIN LATERAL (
         SELECT * FROM samples s
          WHERE s.device = i.device AND s.ifindex = i.ifindex
            AND s.ts > u.now - $3 * interval '1 millisecond' AND s.ts <= u.now
         ORDER BY s.ts DESC LIMIT 1) s ON true
      ORDER BY i.device, i.ifindex`,
    [asks.map((a) => a.device), asks.map((a) => a.now), maxAgeMs],
  );
  for (const r of rows)
    out.get(r.device)?.push({
      ...storedInterface(r),
      ts: r.ts,
      inBps: r.in_bps,
      outBps: r.out_bps,
      inErrors: r.in_errors,
      outErrors: r.out_errors,
      inDiscards: r.in_discards,
      outDiscards: r.out_discards,
    });
  return out;
}
