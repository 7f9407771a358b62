export {
  createInventory,
  closest,
  levenshtein,
  type Inventory,
  type InventoryDiff,
  type DeviceFilter,
} from './inventory.js';
export { globToRegExp, isGlob } from './glob.js';
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
  type DiscoveryResult,
  type Proposal,
} from './discovery.js';
export type { DiscoveryPolicy } from './discovery-types.js';
