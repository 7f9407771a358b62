export {
  createInventory,
  closest,
  levenshtein,
  type Inventory,
  type InventoryDiff,
  type DeviceFilter,
} from './inventory.js';
// Name globs are plain text matching (src/text), re-exported where devices are looked up.
export { compileGlob, matchGlob, isGlob, MAX_GLOB_LENGTH, type Glob } from '../text/index.js';
export type { Device } from '../config.js';
export {
  createReconciler,
  desiredSchedules,
  fileSdTargets,
  type Reconciler,
  type ReconcileReport,
} from './reconcile.js';
export {
  createDiscoveryService,
  discover,
  type DiscoverOptions,
  inSubnets,
  proposalBlocks,
  type DiscoveryPolicy,
  type DiscoveryResult,
  type DiscoveryService,
  type Proposal,
} from './discovery/index.js';
export {
  addDeviceToFile,
  // The name callers knew before the writer took a lock; same function.
  addDeviceToFile as addDiscoveredDevice,
  addFromButtonValue,
  deviceFromButtonValue,
  withFileLock,
} from './netops-file.js';
