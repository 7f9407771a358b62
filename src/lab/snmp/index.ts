export {
  startSnmpLab,
  fleetSnmpSpecs,
  type FleetFacts,
  type SnmpLab,
  type SimDeviceSpec,
  type SimNeighbour,
  SimDevice,
} from './agent.js';
export { backfill, type BackfillOptions } from './backfill.js';
export { simInterfaces, VENDOR_IDENTITY } from './model.js';
export { startSnmpd, freeUdpPort, type RunningSnmpd } from './snmpd.js';
