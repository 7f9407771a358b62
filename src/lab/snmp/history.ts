import type { Pool, PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { METRICS } from '../../metrics/names.js';
import {
  copyInPacked,
  type PackedPeriod,
  PERIOD_MS,
  packPeriod,
  type SampleChunk,
} from '../../metrics/packed.js';
import { ensurePartitions } from '../../metrics/partitions.js';
import { upsertInterfaces } from '../../metrics/store.js';
import type { SimDeviceSpec } from './agent.js';
import {
  buildDeviceModel,
  deviceGauges,
  discardsAt,
  errorsAtKnot,
  KNOT_MS,
  modelInterfaceRows,
  rebootsBetween,
  utilAtKnot,
} from './model.js';

/**
 * The lab's history written the way the product stores it after maintenance: raw samples as packed
 * interface-hours (`samples_packed`, what compaction makes of closed hours) and their rollups
 * computed here from the same values, instead of millions of `samples` rows that the worker then
 * spends twenty minutes rolling up. Two weeks for the sample site take seconds.
 *
 * Density by age is what keeps every chart free of false gaps while writing as little as that
 * allows: a chart draws a gap where two points are further apart than three of its pixel columns
 * and at least three minutes (src/charts/graph.ts). It reads raw samples up to two days (up to
 * ~3.7 days at 1070 px, until a 5-minute rollup fits in a pixel), 5-minute rollups beyond. So:
 *   - under 6 hours old: the poller's minute (short charts look as they will once it polls);
 *   - 6 hours–2 days: 2.5 minutes (under any chart's three-minute floor);
 *   - older: 5 minutes, one sample in every 5-minute rollup, as the poller leaves them.
 * Not sparser for old days, though charts would allow it: the analysis learns its baselines from
 * these rollups, and a slot's median and noise pool its samples, so a day written at one sample per
 * 30 minutes weighed a sixth of a recent day. The week-old twin of each hour was outvoted, the band
 * learnt only the day-to-day noise of the last few days, not how much a week differs from the one
 * before (the model's 3-day levels), and the lab's first run called a fleet-wide "level shift"
 * down at whatever hour it started (39 anomalies on a Sunday evening).
 * The old lab wrote 5 minutes from 12 hours back, and a one-day chart (gap at 4 minutes) showed
 * its second half as a comb of gaps.
 */
export const HISTORY_TIERS: ReadonlyArray<{ olderThanMs: number; stepSec: number }> = [
  { olderThanMs: 0, stepSec: 60 },
  { olderThanMs: 6 * 3_600_000, stepSec: 150 },
  { olderThanMs: 2 * 86_400_000, stepSec: 300 },
];

type Metric = (typeof METRICS)[number];
const COLUMNS = [...METRICS, 'speed_bps'] as const;
type Column = (typeof COLUMNS)[number];

/** Sample times in [from, end), each tier's on multiples of its step, oldest first. */
export function sampleTimes(from: number, end: number, tiers = HISTORY_TIERS): number[] {
  const bands = [...tiers].sort((a, b) => b.olderThanMs - a.olderThanMs);
  const out: number[] = [];
  bands.forEach((tier, i) => {
    const step = tier.stepSec * 1000;
    const lo = Math.max(from, i === 0 ? from : end - bands[i - 1]!.olderThanMs);
    const hi = end - tier.olderThanMs;
    for (let t = Math.ceil(lo / step) * step; t < hi; t += step) out.push(t);
  });
  return out;
}

/** What one interface did at each sample time (NaN: unknown, the sample after a reboot). */
export interface InterfaceSeries {
  ifIndex: number;
  values: Record<Column, Float64Array>;
}

export type HistoryOverride = (
  device: string,
  ifIndex: number,
  t: number,
  row: Record<Column, number>,
  speedBps: number,
) => void;

/**
 * One device's samples at `times`, from the same model its SNMP agent serves (so the poller's
 * first rates continue the line). Rates are the poller's: a whole counter delta over the interval,
 * read from the model in the middle of the interval (one evaluation per sample).
 */
export function deviceSeries(
  spec: SimDeviceSpec,
  times: readonly number[],
  options: { seed?: number; override?: HistoryOverride } = {},
): { model: ReturnType<typeof buildDeviceModel>; series: InterfaceSeries[] } {
  const m = buildDeviceModel(
    options.seed ?? 1,
    spec.name,
    spec.vendor,
    spec.interfaces ?? 48,
    spec.rebootPerDay,
    spec.linkUp,
  );
  const n = times.length;
  const first = n ? times[0]! - (n > 1 ? times[1]! - times[0]! : 60_000) : 0;
  const boots = n ? rebootsBetween(m, first, times[n - 1]! + 1) : [];
  const unknown = new Uint8Array(n);
  let b = 0;
  for (let k = 0; k < n; k++) {
    const a = k ? times[k - 1]! : first;
    while (b < boots.length && boots[b]! <= times[k]!) {
      if (boots[b]! > a) unknown[k] = 1;
      b++;
    }
  }
  const row = {} as Record<Column, number>;
  const series = m.interfaces.map((i): InterfaceSeries => {
    const values = Object.fromEntries(COLUMNS.map((c) => [c, new Float64Array(n)])) as Record<
      Column,
      Float64Array
    >;
    for (let k = 0; k < n; k++) {
      const t = times[k]!;
      const a = k ? times[k - 1]! : first;
      if (unknown[k]) {
        for (const c of METRICS) values[c][k] = Number.NaN;
        values.speed_bps[k] = i.speedBps;
        continue;
      }
      const dt = (t - a) / 1000;
      const knot = Math.floor((a + t) / 2 / KNOT_MS);
      // counts per interval, as the poller sees them: whole octets, packets, errors
      const count = (perSec: number) => Math.round(perSec * dt);
      // discardsAtKnot evaluates utilAtKnot again: the same figure from the utilisation at hand
      const uIn = utilAtKnot(i, knot, 0);
      const uOut = utilAtKnot(i, knot, 1);
      const inOct = count((uIn * i.speedBps) / 8);
      const outOct = count((uOut * i.speedBps) / 8);
      row.in_bps = (inOct / dt) * 8;
      row.out_bps = (outOct / dt) * 8;
      row.in_pps = count(inOct / dt / i.pktBytes) / dt;
      row.out_pps = count(outOct / dt / i.pktBytes) / dt;
      row.in_errors = count(errorsAtKnot(i, knot, 0)) / dt;
      row.out_errors = count(errorsAtKnot(i, knot, 1)) / dt;
      row.in_discards = count(discardsAt(i, uIn)) / dt;
      row.out_discards = count(discardsAt(i, uOut)) / dt;
      row.speed_bps = i.speedBps;
      options.override?.(spec.name, i.ifIndex, t, row, i.speedBps);
      for (const c of COLUMNS) values[c][k] = row[c];
    }
    return { ifIndex: i.ifIndex, values };
  });
  return { model: m, series };
}

/** percentile_cont(f) of sorted values, as PostgreSQL interpolates it (and rollupRange writes it). */
function percentileCont(sorted: Float64Array, f: number): number {
  const pos = f * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = sorted[lo]!;
  return hi > lo ? a + (sorted[hi]! - a) * (pos - lo) : a;
}

const COPY_SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
/** PostgreSQL's epoch (2000-01-01) in Unix ms: binary timestamps count µs from it. */
const PG_EPOCH_MS = 946_684_800_000;

/**
 * COPY (binary) of rollup rows for `metrics` over buckets that end before `until`. Binary: no
 * number or timestamp is formatted here and parsed again by the server (15.6 million rows for the
 * sample site, in the background while the first user looks at charts).
 */
async function copyRollups(
  client: PoolClient,
  table: 'rollups_5m' | 'rollups_1h',
  stepMs: number,
  device: string,
  times: readonly number[],
  series: readonly InterfaceSeries[],
  metrics: readonly Metric[],
  until: number,
): Promise<number> {
  const stream = client.query(
    copyFrom(
      `COPY ${table} (device, ifindex, metric, bucket, n, min, avg, max, p95) FROM STDIN (FORMAT binary)`,
    ),
  );
  const done = new Promise<void>((resolve, reject) => {
    stream.on('finish', resolve);
    stream.on('error', reject);
  });
  const dev = Buffer.from(device, 'utf8');
  const names = new Map(metrics.map((m) => [m, Buffer.from(m, 'utf8')]));
  const SIZE = 256 * 1024;
  let buf = Buffer.alloc(SIZE);
  COPY_SIGNATURE.copy(buf, 0);
  let p = 19;
  const flush = async () => {
    const chunk = buf.subarray(0, p);
    buf = Buffer.alloc(SIZE);
    p = 0;
    if (!stream.write(chunk)) await new Promise((r) => stream.once('drain', r));
  };
  let rows = 0;
  const scratch = new Float64Array(Math.max(1, Math.ceil(stepMs / 60_000)));
  for (const s of series) {
    for (const m of metrics) {
      const name = names.get(m)!;
      const vs = s.values[m];
      let k = 0;
      while (k < times.length) {
        const bucket = Math.floor(times[k]! / stepMs) * stepMs;
        if (bucket + stepMs > until) break;
        let n = 0;
        let sum = 0;
        for (; k < times.length && times[k]! < bucket + stepMs; k++) {
          const v = vs[k]!;
          if (Number.isNaN(v)) continue;
          scratch[n++] = v;
          sum += v;
        }
        if (!n) continue;
        const sorted = scratch.subarray(0, n).sort();
        if (p + 120 + dev.length + name.length > SIZE) await flush();
        p = buf.writeInt16BE(9, p);
        p = buf.writeInt32BE(dev.length, p);
        p += dev.copy(buf, p);
        p = buf.writeInt32BE(4, p);
        p = buf.writeInt32BE(s.ifIndex, p);
        p = buf.writeInt32BE(name.length, p);
        p += name.copy(buf, p);
        p = buf.writeInt32BE(8, p);
        p = buf.writeBigInt64BE(BigInt((bucket - PG_EPOCH_MS) * 1000), p);
        p = buf.writeInt32BE(4, p);
        p = buf.writeInt32BE(n, p);
        for (const v of [sorted[0]!, sum / n, sorted[n - 1]!, percentileCont(sorted, 0.95)]) {
          p = buf.writeInt32BE(8, p);
          p = buf.writeDoubleBE(v, p);
        }
        rows++;
      }
    }
  }
  p = buf.writeInt16BE(-1, p);
  await flush();
  stream.end();
  await done;
  return rows;
}

/** Packed interface-hours, as compaction writes them (streams and head), one at a time. */
function* packRows(
  device: string,
  times: readonly number[],
  series: readonly InterfaceSeries[],
): Generator<PackedPeriod> {
  const tsUs = Float64Array.from(times, (t) => t * 1000);
  for (const s of series) {
    let a = 0;
    while (a < times.length) {
      const period = Math.floor(times[a]! / PERIOD_MS) * PERIOD_MS;
      let b = a;
      while (b < times.length && times[b]! < period + PERIOD_MS) b++;
      const values: SampleChunk['values'] = {};
      for (const c of COLUMNS) values[c] = s.values[c].subarray(a, b);
      yield packPeriod(period, { device, ifindex: s.ifIndex, tsUs: tsUs.subarray(a, b), values });
      a = b;
    }
  }
}

export interface LabHistoryOptions {
  /** History ends here (the lab's start): the poller's samples follow. */
  end: Date;
  /** How far back a device with no samples at all is filled. */
  days: number;
  seed?: number;
  override?: HistoryOverride;
  /**
   * 'after' (default): `rollups()` writes them once the samples are in (charts read the samples
   * until then: a series with no rollups in its range is read raw). 'none': samples only, for a
   * one-shot run that reads at most two days.
   */
  rollups?: 'after' | 'none';
}

export interface LabHistory {
  /** Samples written (all devices). */
  samples: number;
  packedRows: number;
  ms: number;
  /** The history's 5-minute and hourly rollups, computed from the same values; resolves when written. */
  rollups(): Promise<{ rows: number; ms: number }>;
}

/**
 * Writes each device's missing history: from its newest sample (packed or recent), at the next
 * hour so no hour or rollup bucket is shared with what is there, or `days` back when it has none.
 * One transaction per device, so a run stopped half way leaves whole devices. The rollup
 * watermarks are moved to the end first: the worker's maintenance rolls up what the poller writes
 * from there on and never recomputes the history (the twenty minutes this replaces).
 */
export async function writeLabHistory(
  pool: Pool,
  devices: readonly SimDeviceSpec[],
  options: LabHistoryOptions,
): Promise<LabHistory> {
  const started = Date.now();
  const end = options.end.getTime();
  const withRollups = (options.rollups ?? 'after') !== 'none';
  await pool.query(
    `INSERT INTO rollup_watermarks (resolution, done_until) VALUES ('5m', $1), ('1h', $2)
     ON CONFLICT (resolution) DO UPDATE SET done_until = GREATEST(rollup_watermarks.done_until, EXCLUDED.done_until)`,
    [new Date(Math.floor(end / 300_000) * 300_000), new Date(Math.floor(end / PERIOD_MS) * PERIOD_MS)],
  );
  await ensurePartitions(pool, new Date(end - options.days * 86_400_000), new Date(end));
  const plans: Array<{ spec: SimDeviceSpec; times: number[] }> = [];
  let samples = 0;
  let packedRows = 0;
  let writing: Promise<void> = Promise.resolve();
  for (const spec of devices) {
    const newest = await pool.query<{ t: Date | null }>(
      `SELECT greatest((SELECT max(ts) FROM samples WHERE device = $1 AND ts < $2),
                       (SELECT max(t_last) FROM samples_packed WHERE device = $1 AND t_first < $2)) AS t`,
      [spec.name, options.end],
    );
    const last = newest.rows[0]?.t?.getTime();
    const from =
      last === undefined
        ? end - options.days * 86_400_000
        : Math.floor(last / PERIOD_MS) * PERIOD_MS + PERIOD_MS;
    const times = sampleTimes(from, end);
    if (!times.length) continue;
    const { model, series } = deviceSeries(spec, times, {
      ...(options.seed !== undefined ? { seed: options.seed } : {}),
      ...(options.override ? { override: options.override } : {}),
    });
    const rows = packRows(spec.name, times, series);
    const gauges = gaugeColumns(model, times);
    // This device's values were computed while Postgres stored the previous one's: two cores busy.
    await writing;
    writing = (async () => {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        await upsertInterfaces(client, spec.name, modelInterfaceRows(model));
        packedRows += await copyInPacked(client, rows);
        await client.query(
          `INSERT INTO device_samples (device, ts, uptime_s, cpu_pct, mem_pct)
           SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::float8[], $4::float8[], $5::float8[])
           ON CONFLICT DO NOTHING`,
          gauges,
        );
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      } finally {
        client.release();
      }
    })();
    // Awaited before the next device or at the end; handled now so a failure is never "unhandled".
    writing.catch(() => {});
    samples += times.length * series.length;
    plans.push({ spec, times });
  }
  await writing;
  const ms = Date.now() - started;
  let rollups: Promise<{ rows: number; ms: number }> | undefined;
  return {
    samples,
    packedRows,
    ms,
    rollups() {
      rollups ??= (async () => {
        const t0 = Date.now();
        let rows = 0;
        if (!withRollups) return { rows: 0, ms: 0 };
        for (const { spec, times } of plans) {
          // the same values again: generating them costs less than keeping every device's in memory
          const { series } = deviceSeries(spec, times, {
            ...(options.seed !== undefined ? { seed: options.seed } : {}),
            ...(options.override ? { override: options.override } : {}),
          });
          const client = await pool.connect();
          try {
            await client.query('BEGIN');
            rows += await copyRollups(
              client,
              'rollups_5m',
              300_000,
              spec.name,
              times,
              series,
              METRICS,
              Math.floor(end / 300_000) * 300_000,
            );
            rows += await copyRollups(
              client,
              'rollups_1h',
              PERIOD_MS,
              spec.name,
              times,
              series,
              METRICS,
              Math.floor(end / PERIOD_MS) * PERIOD_MS,
            );
            await client.query('COMMIT');
          } catch (err) {
            await client.query('ROLLBACK').catch(() => {});
            throw err;
          } finally {
            client.release();
          }
        }
        return { rows, ms: Date.now() - t0 };
      })();
      return rollups;
    },
  };
}

/** Uptime, CPU and memory at each sample time, as the poller records them per device. */
function gaugeColumns(model: ReturnType<typeof buildDeviceModel>, times: readonly number[]): unknown[][] {
  const cols: unknown[][] = [[], [], [], [], []];
  if (!times.length) return cols;
  const boots = rebootsBetween(model, times[0]! - 30 * 86_400_000, times[times.length - 1]! + 1);
  let b = 0;
  let lastBoot = times[0]! - 30 * 86_400_000;
  for (const t of times) {
    while (b < boots.length && boots[b]! <= t) lastBoot = boots[b++]!;
    const g = deviceGauges(model, t);
    cols[0]!.push(model.name);
    cols[1]!.push(new Date(t).toISOString());
    cols[2]!.push((t - lastBoot) / 1000);
    cols[3]!.push(g.cpu);
    cols[4]!.push(g.mem);
  }
  return cols;
}
