import type { Pool } from 'pg';
import type { Device } from '../config.js';
import { type MetricsBackend, postgresBackend } from '../metrics/backend.js';
import type { SampleRow } from '../metrics/store.js';
import { computeRates, type DeviceReading, parseReading, readingOf, serialiseReading } from './counters.js';
import type { Poller, PollResult } from './poller.js';
import { applySpeedOverrides } from './speeds.js';

/**
 * Fleet polling in rounds, for fleets where one job per device and poll is too many round trips
 * (10,000 devices a minute is 167 jobs and ~800 statements a second). A round polls every device
 * with bounded concurrency and stores in batches: one COPY of the samples of `batchDevices`
 * devices, one statement each for their gauges, baselines and (changed) interfaces. Stores run
 * while polling goes on, at most `storesInFlight` at once; when they fall behind, polling waits
 * (backpressure instead of memory growth).
 *
 * Rounds never overlap: the next one starts when its tick comes and the previous one is done.
 * A round that ends after the next tick makes that round late; it starts at once and is
 * reported with how late it is, never silently dropped.
 */

export interface RoundReport {
  round: number;
  scheduledAt: number;
  startedAt: number;
  wallMs: number;
  /** How long after its tick the round started (a previous round ran long). */
  lateByMs: number;
  late: boolean;
  devices: number;
  ok: number;
  failed: number;
  samples: number;
  /** Rounds that were running when this one started: 0 by construction, counted to prove it. */
  overlapped: number;
  /** Whole intervals that passed with no round starting, because the one before ran that long. */
  missedTicks: number;
}

export interface PollRoundsOptions {
  /** Baselines, device gauges and interfaces (always Postgres). */
  pool: Pool;
  /** Where interface samples go: Postgres (COPY) by default, or VictoriaMetrics. */
  metrics?: MetricsBackend;
  poller: Poller;
  devices: () => readonly Device[];
  intervalMs: number;
  /** Polls in flight. */
  concurrency?: number;
  /** Devices per store batch. */
  batchDevices?: number;
  storesInFlight?: number;
  clock?: () => number;
  onRound?: (r: RoundReport) => void;
  onError?: (device: string, err: unknown) => void;
  /** After a batch is stored: the devices in it (analysis follows each poll). */
  onStored?: (devices: readonly string[]) => void;
}

export interface PollRounds {
  /** One round now (also what the loop runs). */
  round(): Promise<RoundReport>;
  /** Runs rounds on the interval until stop(); resolves when the last round has ended. */
  run(options?: { rounds?: number }): Promise<RoundReport[]>;
  stop(): void;
}

interface Pending {
  device: string;
  ts: number;
  samples: SampleRow[];
  reading: string;
  gauges: [number | null, number | null, number | null, number];
  interfaces?: PollResult['interfaces'];
}

/** Samples through COPY (moved to src/metrics/copy.ts, where both writers of samples find it). */
export { copySamples } from '../metrics/copy.js';

export function createPollRounds(options: PollRoundsOptions): PollRounds {
  const clock = options.clock ?? Date.now;
  const concurrency = options.concurrency ?? 200;
  const batchDevices = options.batchDevices ?? 500;
  const storesInFlight = options.storesInFlight ?? 2;
  const metrics = options.metrics ?? postgresBackend(options.pool);
  const baselines = new Map<string, DeviceReading>();
  /** Interface names/speeds/status as last stored, so an unchanged device writes none. */
  const ifaceSeen = new Map<string, string>();
  let loaded = false;
  let running = 0;
  let stopped = false;
  let n = 0;
  let wake: (() => void) | undefined;

  async function loadBaselines(names: readonly string[]): Promise<void> {
    const { rows } = await options.pool.query<{ device: string; reading: string }>(
      'SELECT device, reading FROM snmp_baselines WHERE device = ANY($1::text[])',
      [names],
    );
    for (const r of rows) baselines.set(r.device, parseReading(r.reading));
    loaded = true;
  }

  /**
   * One batch: the samples through the metrics backend (COPY into Postgres, or one import to
   * VictoriaMetrics) beside one connection that writes gauges, baselines and changed interfaces
   * in turn. Two connections per batch in flight at most, so a round never starves the pool the
   * jobs share.
   */
  async function store(batch: Pending[]): Promise<void> {
    const samples = batch.flatMap((p) => p.samples);
    const changed = batch.filter((p) => p.interfaces);
    const state = async () => {
      const client = await options.pool.connect();
      try {
        await client.query(
          `INSERT INTO device_samples (device, ts, uptime_s, cpu_pct, mem_pct, poll_ms)
           SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::float8[], $4::float8[], $5::float8[], $6::float8[])
           ON CONFLICT (device, ts) DO NOTHING`,
          [
            batch.map((p) => p.device),
            batch.map((p) => new Date(p.ts)),
            ...[0, 1, 2, 3].map((i) => batch.map((p) => p.gauges[i])),
          ],
        );
        await client.query(
          // one JSON parameter (V8's stringify) rather than text[] (pg escapes arrays element by element in JS)
          `INSERT INTO snmp_baselines (device, reading, updated_at)
           SELECT x->>0, x->>1, now() FROM jsonb_array_elements($1::jsonb) x
           ON CONFLICT (device) DO UPDATE SET reading = EXCLUDED.reading, updated_at = now()`,
          [JSON.stringify(batch.map((p) => [p.device, p.reading]))],
        );
        if (!changed.length) return;
        const cols: unknown[][] = [[], [], [], [], [], [], []];
        for (const p of changed)
          for (const i of p.interfaces!) {
            cols[0]!.push(p.device);
            cols[1]!.push(i.ifIndex);
            cols[2]!.push(i.name);
            cols[3]!.push(i.alias ?? null);
            cols[4]!.push(i.speedBps ? Math.round(i.speedBps) : null);
            cols[5]!.push(i.operStatus ?? null);
            cols[6]!.push(i.adminStatus ?? null);
          }
        await client.query(
          `INSERT INTO interfaces (device, ifindex, name, alias, speed_bps, oper_status, admin_status, updated_at)
           SELECT *, now() FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::int8[], $6::text[], $7::text[])
           ON CONFLICT (device, ifindex) DO UPDATE SET name = EXCLUDED.name, alias = EXCLUDED.alias,
             speed_bps = EXCLUDED.speed_bps, oper_status = EXCLUDED.oper_status,
             admin_status = EXCLUDED.admin_status, updated_at = now()`,
          cols,
        );
      } finally {
        client.release();
      }
    };
    // A busy database can refuse a connection for a moment: one retry before the batch is lost.
    const again = <T>(fn: () => Promise<T>) =>
      fn().catch(async () => {
        await new Promise((r) => setTimeout(r, 1_000));
        return fn();
      });
    // (a retried COPY of a batch whose first attempt failed wrote nothing: COPY is one statement)
    await Promise.all([again(() => metrics.writeSamples(samples)), again(state)]);
    options.onStored?.(batch.map((p) => p.device));
  }

  async function round(): Promise<RoundReport> {
    const overlapped = running;
    running++;
    const startedAt = clock();
    try {
      const devices = options.devices().filter((d) => d.snmp && d.enabled !== false);
      if (!loaded) await loadBaselines(devices.map((d) => d.name));
      let next = 0;
      let ok = 0;
      let failed = 0;
      let samples = 0;
      let batch: Pending[] = [];
      const stores = new Set<Promise<void>>();
      let storeError: unknown;
      const flush = async () => {
        if (!batch.length) return;
        const b = batch;
        batch = [];
        const p = store(b)
          .catch((err) => {
            storeError ??= err;
          })
          .finally(() => stores.delete(p));
        stores.add(p);
        // backpressure: polling waits while the database is behind
        while (stores.size >= storesInFlight) await Promise.race(stores);
      };
      const worker = async () => {
        while (next < devices.length) {
          const d = devices[next++]!;
          try {
            const r = await options.poller.poll(d, { intervalMs: options.intervalMs });
            if (r.status !== 'ok') continue;
            // netops.yaml's `snmp.speeds` wins over what the device reports, as in pollAndStore
            // (impossible-speed warnings are not raised from rounds yet)
            r.interfaces = applySpeedOverrides(d, r.interfaces);
            const prev = baselines.get(d.name);
            const rates = computeRates(prev, r, { maxGapMs: Math.max(15 * 60_000, 5 * options.intervalMs) });
            const reading = readingOf(r);
            baselines.set(d.name, reading);
            const shape = r.interfaces
              .map(
                (i) =>
                  `${i.ifIndex}|${i.name}|${i.alias ?? ''}|${i.speedBps ?? ''}|${i.operStatus}|${i.adminStatus}`,
              )
              .join('\n');
            const changed = ifaceSeen.get(d.name) !== shape;
            if (changed) ifaceSeen.set(d.name, shape);
            const rows =
              rates.reset === 'first-poll' ? [] : rates.samples.map((s) => ({ device: d.name, ...s }));
            samples += rows.length;
            batch.push({
              device: d.name,
              ts: r.ts,
              samples: rows,
              reading: serialiseReading(reading),
              gauges: [
                r.uptimeCs === undefined ? null : r.uptimeCs / 100,
                r.cpuPct ?? null,
                r.memPct ?? null,
                r.pollMs,
              ],
              ...(changed ? { interfaces: r.interfaces } : {}),
            });
            ok++;
            if (batch.length >= batchDevices) await flush();
          } catch (err) {
            failed++;
            options.onError?.(d.name, err);
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, devices.length || 1) }, worker));
      await flush();
      await Promise.all(stores);
      if (storeError) throw storeError;
      return {
        round: ++n,
        scheduledAt: startedAt,
        startedAt,
        wallMs: clock() - startedAt,
        lateByMs: 0,
        late: false,
        devices: devices.length,
        ok,
        failed,
        samples,
        overlapped,
        missedTicks: 0,
      };
    } finally {
      running--;
    }
  }

  return {
    round,
    async run(runOptions = {}) {
      const reports: RoundReport[] = [];
      let tick = clock();
      /** The tick the next round was due at before missed ticks were skipped: lateness counts from it. */
      let due = tick;
      let missed = 0;
      while (!stopped && (runOptions.rounds === undefined || reports.length < runOptions.rounds)) {
        const wait = tick - clock();
        if (wait > 0) {
          await new Promise<void>((resolve) => {
            const t = setTimeout(resolve, wait);
            wake = () => {
              clearTimeout(t);
              resolve();
            };
          });
          if (stopped) break;
        }
        const lateByMs = Math.max(0, clock() - due);
        const r = await round();
        r.scheduledAt = tick;
        r.lateByMs = lateByMs;
        // a round that starts more than a tenth of the interval after its tick is late
        r.late = lateByMs > options.intervalMs / 10;
        r.missedTicks = missed;
        reports.push(r);
        options.onRound?.(r);
        tick += options.intervalMs;
        due = tick;
        // When a round ran past the next tick, that round starts at once and says how late it
        // is. Ticks further behind than that are counted as missed, not queued up behind it.
        const behind = clock() - tick;
        missed = behind > options.intervalMs ? Math.floor(behind / options.intervalMs) : 0;
        tick += missed * options.intervalMs;
      }
      return reports;
    },
    stop() {
      stopped = true;
      wake?.();
    },
  };
}
