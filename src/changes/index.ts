export {
  configAuthorize,
  type Authorize,
  type ChangeAction,
  type Decision as AuthDecision,
} from './authorize.js';
export {
  backupNow,
  changeLines,
  changeOps,
  commitConfirmed,
  confirmChange,
  currentBody,
  dryRunDevice,
  health,
  postChecks,
  rollbackDevice,
  type ChangeDevices,
  type CheckResult,
  type EngineDeps,
  type Health,
} from './engine.js';
export { applyLines, commandsToReach, diffTrees, parseConfig, renderConfig } from './hierarchy.js';
export {
  activeFreeze,
  changeHash,
  parseChecks,
  parseWaves,
  planWaves,
  planWavesBy,
  riskOf,
  type ChangePlan,
  type Risk,
  type WaveStep,
} from './rules.js';
export {
  createChangeRequest,
  createChangeService,
  type ChangeService,
  type ChangeServiceOptions,
  type CreateChangeInput,
} from './service.js';
export {
  CHANGE_STATES,
  createChangeStore,
  linesFor,
  LockedError,
  OPEN_STATES,
  planOf,
  type ChangeDevice,
  type ChangeRequest,
  type ChangeState,
  type ChangeStore,
  type DeviceDryRun,
  type UserCheck,
} from './store.js';
export {
  approvalCard,
  changeModal,
  devicesTable,
  diffText,
  IDS,
  openButton,
  stateLabel,
  type ModalMeta,
} from './views.js';
export { changeEngine, type ChangeEngineServices } from './deps.js';
export { createChangeHandlers, type ChangeHandlerOptions } from './handlers.js';
