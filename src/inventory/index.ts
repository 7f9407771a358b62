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
  discover,
  proposalBlocks,
  addDiscoveredDevice,
  addFromButtonValue,
  deviceFromButtonValue,
  type DiscoveryResult,
  type Proposal,
} from './discovery.js';
export type { DiscoveryPolicy } from './discovery-types.js';
