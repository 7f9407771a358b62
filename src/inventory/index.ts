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
