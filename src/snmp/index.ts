export { computeRates, counterRate, toCounter, type DeviceReading } from './counters.js';
export {
  createPoller,
  type Poller,
  type PollOutcome,
  type PollResult,
  type PolledInterface,
} from './poller.js';
export { resolveSnmpCredential, type SnmpCredential } from './credentials.js';
export {
  createMonitoringService,
  type MonitoringService,
  type MonitoringOptions,
  type PollSummary,
} from './service.js';
export { formatBps, formatSpeed, formatRate, utilisation } from './format.js';
export { LLDP, SYS, suffixOf } from './oids.js';
export { get as snmpGet, bulkWalk } from './walk.js';
export {
  applySpeedOverrides,
  impossibleSpeeds,
  speedWarnings,
  speedWarningText,
  type SpeedWarning,
} from './speeds.js';
