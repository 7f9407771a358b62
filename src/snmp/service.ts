import type { CredentialResolver } from '../credentials/index.js';
import type { Pool } from 'pg';
import { applySpeedOverrides, impossibleSpeeds, recordSpeeds, type SpeedWarning } from './speeds.js';
import type { Device } from '../config.js';
import { metricsFor } from '../metrics/backend.js';
import { type Retention, runMaintenance } from '../metrics/rollup.js';
import {
  type BaselineStore,
  createBaselineStore,
  insertDeviceSample,
  upsertInterfaces,
} from '../metrics/store.js';
import { type ResetReason, computeRates, parseReading, readingOf, serialiseReading } from './counters.js';
import { type PollOptions, type Poller, createPoller } from './poller.js';

export interface PollSummary {
  device: string;
  status: 'ok' | 'skipped';
  reason?: string;
  interfaces: number;
  /** Samples with at least one known rate. */
  known: number;
  reset: ResetReason | null;
  pollMs: number;
  overrun?: { intervalMs: number; pollMs: number };
  /** Interfaces found this poll to report an impossible speed (each is reported once). */
  speedWarnings?: SpeedWarning[];
}

/** The monitoring service (services key `monitoring`): poll, store, maintain. */
export interface MonitoringService {
  poller: Poller;
  pool: Pool;
  /** Poll a device, turn counters into rates against the stored baseline, store everything. */
  pollAndStore(device: Device, options?: PollOptions): Promise<PollSummary>;
  /** Rollups, partitions and retention. */
  maintain(now: Date): ReturnType<typeof runMaintenance>;
  close(): void;
}

export interface MonitoringOptions {
  pool: Pool;
  /** Where credential names become secrets. */
  credentials: CredentialResolver;
  clock?: () => number;
  retention?: Partial<Retention>;
  baselines?: BaselineStore;
  poller?: Poller;
}

export function createMonitoringService(options: MonitoringOptions): MonitoringService {
  const clock = options.clock ?? Date.now;
  const poller = options.poller ?? createPoller({ credentials: options.credentials, clock });
  const baselines = options.baselines ?? createBaselineStore(options.pool);
  return {
    poller,
    pool: options.pool,
    async pollAndStore(device, pollOptions) {
      const r = await poller.poll(device, pollOptions);
      if (r.status === 'skipped')
        return {
          device: r.device,
          status: 'skipped',
          reason: r.reason,
          interfaces: 0,
          known: 0,
          reset: null,
          pollMs: 0,
        };
      const prevText = await baselines.load(device.name);
      const prev = prevText ? parseReading(prevText) : undefined;
      // A baseline older than a few intervals (worker down, schedule paused) starts afresh.
      const maxGapMs = Math.max(15 * 60_000, 5 * (pollOptions?.intervalMs ?? 60_000));
      // netops.yaml's `snmp.speeds` wins over what the device reports (rates are capped by it).
      r.interfaces = applySpeedOverrides(device, r.interfaces);
      const { samples, reset, resetInterfaces } = computeRates(prev, r, { maxGapMs });
      const pool = options.pool;
      await upsertInterfaces(pool, device.name, r.interfaces);
      const newSpeedWarnings = await recordSpeeds(
        pool,
        device.name,
        r.interfaces,
        reset ? [] : impossibleSpeeds(prev, r, new Set(resetInterfaces)),
      );
      // The first poll after a (re)start only sets the baseline: an all-null row says nothing.
      const rows = reset === 'first-poll' ? [] : samples.map((s) => ({ device: device.name, ...s }));
      await metricsFor(pool).writeSamples(rows);
      await insertDeviceSample(pool, {
        device: device.name,
        ts: new Date(r.ts),
        uptimeS: r.uptimeCs === undefined ? null : r.uptimeCs / 100,
        cpuPct: r.cpuPct ?? null,
        memPct: r.memPct ?? null,
        pollMs: r.pollMs,
      });
      await baselines.save(device.name, serialiseReading(readingOf(r)));
      return {
        device: device.name,
        status: 'ok',
        interfaces: r.interfaces.length,
        known: rows.filter((s) => s.inBps !== null || s.outBps !== null).length,
        reset,
        pollMs: r.pollMs,
        ...(r.overrun ? { overrun: r.overrun } : {}),
        ...(newSpeedWarnings.length ? { speedWarnings: newSpeedWarnings } : {}),
      };
    },
    maintain: (now) => runMaintenance(options.pool, { now, retention: options.retention }),
    close: () => poller.close(),
  };
}
