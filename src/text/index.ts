export { textTable } from './table.js';
export { compileGlob, matchGlob, isGlob, MAX_GLOB_LENGTH, MAX_GLOB_CLASSES, type Glob } from './glob.js';
