export { computeRates, counterRate, toCounter, type DeviceReading, type SampleRates } from './counters.js';
export {
  createPoller,
  type Poller,
  type PollOutcome,
  type PollResult,
  type PolledInterface,
} from './poller.js';
export { resolveSnmpCredential, credentialEnvPrefix } from './credentials.js';
export {
  createMonitoringService,
  type MonitoringService,
  type MonitoringOptions,
  type PollSummary,
} from './service.js';
export type { DiscoveryPolicy } from './discovery-types.js';
export { formatBps, formatSpeed, formatRate, utilisation } from './format.js';
// Monitoring-facing pieces that live next to the inventory and metrics they act on.
export { latestInterfaces, type LatestInterface } from '../metrics/store.js';
export {
  discover,
  proposalBlocks,
  addDiscoveredDevice,
  addFromButtonValue,
  deviceFromButtonValue,
  type DiscoveryResult,
  type Proposal,
} from '../inventory/discovery.js';
export {
  createReconciler,
  desiredSchedules,
  fileSdTargets,
  type Reconciler,
  type ReconcileReport,
} from '../inventory/reconcile.js';
export { createScheduler, type Scheduler, type DesiredSchedule } from '../queue/schedules.js';
