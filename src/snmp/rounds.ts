import type { Pool } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { Device } from '../config.js';
import type { SampleRow } from '../metrics/store.js';
import { computeRates, type DeviceReading, parseReading, serialiseReading } from './counters.js';
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
  pool: Pool;
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

const copyText = (v: unknown): string => {
  if (v === null || v === undefined) return '\\N';
  if (v instanceof Date) return v.toISOString();
  // device names are checked by the config schema; escape the COPY specials anyway
  return String(v).replace(/[\\\t\n\r]/g, (c) =>
    c === '\t' ? '\\t' : c === '\n' ? '\\n' : c === '\r' ? '\\r' : '\\\\',
  );
};

/** Samples through COPY: one stream, no parameter limits, about twice the rows/s of unnest inserts. */
export async function copySamples(pool: Pool, rows: readonly SampleRow[]): Promise<void> {
  if (!rows.length) return;
  const client = await pool.connect();
  try {
    const stream = client.query(
      copyFrom(
        'COPY samples (device, ifindex, ts, in_bps, out_bps, in_pps, out_pps, in_errors, out_errors, in_discards, out_discards, speed_bps) FROM STDIN',
      ),
    );
    const done = new Promise<void>((resolve, reject) => {
      stream.on('finish', resolve);
      stream.on('error', reject);
    });
    let buf = '';
    for (const r of rows) {
      buf += `${copyText(r.device)}\t${r.ifIndex}\t${r.ts.toISOString()}\t${copyText(r.inBps)}\t${copyText(r.outBps)}\t${copyText(
        r.inPps,
      )}\t${copyText(r.outPps)}\t${copyText(r.inErrors)}\t${copyText(r.outErrors)}\t${copyText(
        r.inDiscards,
      )}\t${copyText(r.outDiscards)}\t${r.speedBps === null ? '\\N' : Math.round(r.speedBps)}\n`;
      if (buf.length > 256_000) {
        if (!stream.write(buf)) await new Promise((r) => stream.once('drain', r));
        buf = '';
      }
    }
    stream.end(buf);
    await done;
  } finally {
    client.release();
  }
}

export function createPollRounds(options: PollRoundsOptions): PollRounds {
  const clock = options.clock ?? Date.now;
  const concurrency = options.concurrency ?? 200;
  const batchDevices = options.batchDevices ?? 500;
  const storesInFlight = options.storesInFlight ?? 2;
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

  async function store(batch: Pending[]): Promise<void> {
    const pool = options.pool;
    const samples = batch.flatMap((p) => p.samples);
    const changed = batch.filter((p) => p.interfaces);
    await Promise.all([
      copySamples(pool, samples),
      pool.query(
        `INSERT INTO device_samples (device, ts, uptime_s, cpu_pct, mem_pct, poll_ms)
         SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::float8[], $4::float8[], $5::float8[], $6::float8[])
         ON CONFLICT (device, ts) DO NOTHING`,
        [
          batch.map((p) => p.device),
          batch.map((p) => new Date(p.ts)),
          ...[0, 1, 2, 3].map((i) => batch.map((p) => p.gauges[i])),
        ],
      ),
      pool.query(
        `INSERT INTO snmp_baselines (device, reading, updated_at) SELECT d, r, now() FROM unnest($1::text[], $2::text[]) t(d, r)
         ON CONFLICT (device) DO UPDATE SET reading = EXCLUDED.reading, updated_at = now()`,
        [batch.map((p) => p.device), batch.map((p) => p.reading)],
      ),
      changed.length
        ? pool.query(
            `INSERT INTO interfaces (device, ifindex, name, alias, speed_bps, oper_status, admin_status, updated_at)
             SELECT *, now() FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::int8[], $6::text[], $7::text[])
             ON CONFLICT (device, ifindex) DO UPDATE SET name = EXCLUDED.name, alias = EXCLUDED.alias,
               speed_bps = EXCLUDED.speed_bps, oper_status = EXCLUDED.oper_status,
               admin_status = EXCLUDED.admin_status, updated_at = now()`,
            (() => {
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
              return cols;
            })(),
          )
        : Promise.resolve(),
    ]);
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
            const reading: DeviceReading = {
              ts: r.ts,
              uptimeCs: r.uptimeCs,
              interfaces: r.interfaces.map(({ ifIndex, speedBps, discontinuity, hc, counters }) => ({
                ifIndex,
                speedBps,
                discontinuity,
                hc,
                counters,
              })),
            };
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
