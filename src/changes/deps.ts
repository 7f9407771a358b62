import { createConfigStore, resolveSettings } from '../configs/index.js';
import { ErrorCode, NetopsError } from '../errors.js';
import type { JobServices } from '../queue/index.js';
import { type Authorize, configAuthorize } from './authorize.js';
import type { ChangeDevices, EngineDeps } from './engine.js';
import { createChangeService } from './service.js';

/** What change jobs build from the job services: the engine's deps, the change service, the authorizer. */
export function changeJobServices(services: JobServices, signal?: AbortSignal) {
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
    (services.changeAuthorize as Authorize | undefined) ?? configAuthorize(services.config.changes);
  const engine: EngineDeps = {
    devices: devices as ChangeDevices,
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
