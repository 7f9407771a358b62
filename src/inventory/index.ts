export {
  createInventory,
  closest,
  levenshtein,
  type Inventory,
  type InventoryDiff,
  type DeviceFilter,
} from './inventory.js';
export { compileGlob, matchGlob, isGlob, MAX_GLOB_LENGTH, type Glob } from './glob.js';
export type { Device } from '../config.js';
