export {
  startFleet,
  generateHostKey,
  labPassword,
  LAB_USERNAME,
  type Fleet,
  type FleetDevice,
  type FleetDeviceSpec,
  type FleetCredential,
  type SimUser,
  type StartFleetOptions,
} from './fleet.js';
export { SimDevice, type SyslogEvent } from './device.js';
export { iosLikeBody, junosSetLines } from './config-gen.js';
export { generateRunningConfig } from './generate.js';
export { fleetAccess, type FleetAccess } from './access.js';
