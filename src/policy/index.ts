export { ACTIONS, ACTION_NAMES, type Action, changes, isAction } from './actions.js';
export {
  actionsOf,
  compilePolicy,
  type ChannelFacts,
  type Decision,
  decide,
  type DeviceFacts,
  deviceFacts,
  inScope,
  mayAtAll,
  type Policy,
  type PolicyRequest,
  type Rule,
  rulesFor,
  scopeText,
} from './decide.js';
export { BUILTIN_ROLES, type DeviceScope, type PolicyConfig, policySchema } from './schema.js';
export {
  type Access,
  accessFor,
  type CheckInput,
  changeAuthorizer,
  createGuard,
  type Guard,
  isPolicyDenial,
  policyDenial,
  type GuardOptions,
} from './guard.js';
