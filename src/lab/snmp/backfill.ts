import type { Pool } from 'pg';
import { ensurePartitions } from '../../metrics/partitions.js';
import { type SampleRow, insertSamples, sampleRow, upsertInterfaces } from '../../metrics/store.js';
import type { SimDeviceSpec } from './agent.js';
import {
  buildDeviceModel,
  deviceGauges,
  discardsAtKnot,
  errorsAtKnot,
  integrate,
  KNOT_MS,
  modelInterfaceRows,
  rebootsBetween,
  utilAtKnot,
} from './model.js';

export interface BackfillOptions {
  days: number;
  stepSec?: number;
  seed?: number;
  /** End of the backfilled range (defaults to now). */
  end?: Date;
  /** Statements in flight at once. */
  concurrency?: number;
  /**
   * Rates read from the model at the middle of each step instead of integrated over it: far less
   * work (one evaluation per step instead of two per minute), for old history where a chart shows
   * one point per step anyway. A short burst between two points can be missed.
   */
  sampled?: boolean;
}

/**
 * Writes weeks of history for simulated devices straight into `samples` (and `interfaces`,
 * `device_samples`), computed from the same model the agents serve, so a demo or a test has charts
 * at once. The sample after a reboot is unknown (null), exactly as the poller would record it.
 */
export async function backfill(
  pool: Pool,
  devices: readonly SimDeviceSpec[],
  options: BackfillOptions,
): Promise<{ rows: number; ms: number }> {
  const started = Date.now();
  const step = (options.stepSec ?? 60) * 1000;
  const end = Math.floor((options.end ?? new Date()).getTime() / step) * step;
  const start = end - options.days * 86_400_000;
  await ensurePartitions(pool, new Date(start), new Date(end));
  const seed = options.seed ?? 1;
  const rate = options.sampled
    ? (fn: (knot: number) => number, a: number, b: number) => fn(Math.floor((a + b) / 2 / KNOT_MS))
    : (fn: (knot: number) => number, a: number, b: number) => integrate(fn, a, b) / ((b - a) / 1000);
  const concurrency = options.concurrency ?? 4;
  const inflight = new Set<Promise<unknown>>();
  let rows = 0;
  let batch: SampleRow[] = [];
  const flush = async () => {
    if (!batch.length) return;
    const b = batch;
    batch = [];
    rows += b.length;
    const p = insertSamples(pool, b).finally(() => inflight.delete(p));
    inflight.add(p);
    if (inflight.size >= concurrency) await Promise.race(inflight);
  };
  for (const spec of devices) {
    const m = buildDeviceModel(
      seed,
      spec.name,
      spec.vendor,
      spec.interfaces ?? 48,
      spec.rebootPerDay,
      spec.linkUp,
    );
    await upsertInterfaces(pool, spec.name, modelInterfaceRows(m));
    const boots = rebootsBetween(m, start - step, end + 1);
    const gauges: unknown[][] = [[], [], [], [], []];
    let bootIdx = 0;
    let lastBoot = start - 30 * 86_400_000;
    for (let t = start + step; t <= end; t += step) {
      const a = t - step;
      let unknown = false;
      while (bootIdx < boots.length && boots[bootIdx]! <= t) {
        if (boots[bootIdx]! > a) unknown = true;
        lastBoot = boots[bootIdx]!;
        bootIdx++;
      }
      const ts = new Date(t);
      for (const i of m.interfaces) {
        if (unknown) {
          batch.push(sampleRow(spec.name, i.ifIndex, ts, { speedBps: i.speedBps }));
          continue;
        }
        const bytes = i.speedBps / 8;
        const inB = rate((k) => utilAtKnot(i, k, 0) * bytes, a, t);
        const outB = rate((k) => utilAtKnot(i, k, 1) * bytes, a, t);
        batch.push({
          device: spec.name,
          ifIndex: i.ifIndex,
          ts,
          inBps: inB * 8,
          outBps: outB * 8,
          inPps: inB / i.pktBytes,
          outPps: outB / i.pktBytes,
          inErrors: rate((k) => errorsAtKnot(i, k, 0), a, t),
          outErrors: rate((k) => errorsAtKnot(i, k, 1), a, t),
          inDiscards: rate((k) => discardsAtKnot(i, k, 0), a, t),
          outDiscards: rate((k) => discardsAtKnot(i, k, 1), a, t),
          speedBps: i.speedBps,
        });
      }
      const g = deviceGauges(m, t);
      gauges[0]!.push(spec.name);
      gauges[1]!.push(ts.toISOString());
      gauges[2]!.push((t - lastBoot) / 1000);
      gauges[3]!.push(g.cpu);
      gauges[4]!.push(g.mem);
      if (batch.length >= 20_000) await flush();
    }
    await pool.query(
      `INSERT INTO device_samples (device, ts, uptime_s, cpu_pct, mem_pct)
       SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::float8[], $4::float8[], $5::float8[]) ON CONFLICT DO NOTHING`,
      gauges,
    );
  }
  await flush();
  await Promise.all(inflight);
  return { rows, ms: Date.now() - started };
}
