import { setMaxListeners } from 'node:events';
import { type ConfigsSettings, createConfigStore, resolveSettings } from '../configs/index.js';
import type { Device } from '../config.js';
import type { Pool } from '../storage/index.js';
import type { ChangeDevices, EngineDeps } from './engine.js';

/** The job services a change engine is built from (a job that needs them names them in `needs`). */
export interface ChangeEngineServices {
  devices: ChangeDevices;
  pool: Pool;
  clock: () => Date;
  configs: ConfigsSettings;
  /** When given (jobs that need `monitoring`), devices with an `snmp` section are polled in the post-checks. */
  monitoring?: {
    poller: {
      poll(device: Device): Promise<{
        status: string;
        reason?: string;
        interfaces?: Array<{ counters: { inErrors?: bigint; outErrors?: bigint } }>;
      }>;
    };
  };
}

/** The engine's deps for one job run: the device layer, the config store, and the job's signal. */
export function changeEngine(services: ChangeEngineServices, signal?: AbortSignal): EngineDeps {
  // A wave runs many device sessions at once, each listening on the job's one abort signal.
  if (signal) setMaxListeners(1_000, signal);
  const monitoring = services.monitoring;
  return {
    devices: services.devices,
    ...(monitoring
      ? {
          snmp: async (device: Device) => {
            const r = await monitoring.poller.poll(device);
            if (r.status !== 'ok') return { ok: false as const, detail: r.reason ?? r.status };
            let errors = 0n;
            for (const i of r.interfaces ?? [])
              errors += (i.counters.inErrors ?? 0n) + (i.counters.outErrors ?? 0n);
            return { ok: true as const, errors };
          },
        }
      : {}),
    configs: createConfigStore(services.pool),
    clock: services.clock,
    secretMarker: resolveSettings(services.configs).secretMarker,
    ...(signal ? { signal } : {}),
  };
}
