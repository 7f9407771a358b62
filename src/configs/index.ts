export {
  normalise,
  maskLine,
  DEFAULT_SECRET_MARKER,
  type ConfigRules,
  type NormaliseOptions,
} from './normalise.js';
export { rulesFor, mergeRules, CONFIG_RULES } from './rules.js';
