import { type ConfigsSettings, createConfigStore, resolveSettings } from '../configs/index.js';
import type { Pool } from '../storage/index.js';
import type { ChangeDevices, EngineDeps } from './engine.js';

/** The job services a change engine is built from (a job that needs them names them in `needs`). */
export interface ChangeEngineServices {
  devices: ChangeDevices;
  pool: Pool;
  clock: () => Date;
  configs: ConfigsSettings;
}

/** The engine's deps for one job run: the device layer, the config store, and the job's signal. */
export function changeEngine(services: ChangeEngineServices, signal?: AbortSignal): EngineDeps {
  return {
    devices: services.devices,
    configs: createConfigStore(services.pool),
    clock: services.clock,
    secretMarker: resolveSettings(services.configs).secretMarker,
    ...(signal ? { signal } : {}),
  };
}
