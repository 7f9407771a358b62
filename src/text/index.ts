export { textTable } from './table.js';
