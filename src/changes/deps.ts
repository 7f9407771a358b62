import { setMaxListeners } from 'node:events';
import { createConfigStore, resolveSettings } from '../configs/index.js';
import { ErrorCode, NetopsError } from '../errors.js';
import type { JobServices } from '../queue/index.js';
import { type Authorize, configAuthorize } from './authorize.js';
import type { ChangeDevices, EngineDeps } from './engine.js';
import { createChangeService } from './service.js';

/** What change jobs build from the job services: the engine's deps, the change service, the authorizer. */
export function changeJobServices(services: JobServices, signal?: AbortSignal) {
  // A wave runs many device sessions at once, each listening on the job's one abort signal.
  if (signal) setMaxListeners(1_000, signal);
  // Listing and cancelling need no device access; anything that touches a device does.
  const devices =
    services.devices ??
    new Proxy({} as ChangeDevices, {
      get() {
        throw new NetopsError(
          ErrorCode.INTERNAL,
          'change jobs that touch devices need the device layer (worker role)',
        );
      },
    });
  const authorize =
    (services.changeAuthorize as Authorize | undefined) ??
    configAuthorize(services.config, services.inventory);
  const monitoring = services.monitoring;
  const engine: EngineDeps = {
    devices: devices as ChangeDevices,
    ...(monitoring
      ? {
          snmp: async (device) => {
            const r = await monitoring.poller.poll(device);
            if (r.status !== 'ok') return { ok: false, detail: r.reason };
            let errors = 0n;
            for (const i of r.interfaces)
              errors += (i.counters.inErrors ?? 0n) + (i.counters.outErrors ?? 0n);
            return { ok: true, errors };
          },
        }
      : {}),
    configs: createConfigStore(services.pool),
    clock: services.clock,
    secretMarker: resolveSettings(services.configs).secretMarker,
    ...(signal ? { signal } : {}),
  };
  const service = createChangeService({
    pool: services.pool,
    config: services.config,
    inventory: services.inventory,
    enqueue: services.enqueue,
    responder: services.responder,
    authorize,
    clock: services.clock,
  });
  return { engine, service, store: service.store, authorize };
}
