export {
  complianceSchema,
  complianceRuleSchema,
  RULE_KINDS,
  type ComplianceConfig,
  type ComplianceRule,
  type RuleKind,
} from './schema.js';
export {
  applies,
  BLOCK_STYLE,
  evaluateDevice,
  evaluateRule,
  prepareConfig,
  remediation,
  rulesForDevice,
  showResult,
  type DeviceInfo,
  type PreparedConfig,
  type RuleResult,
  type Status,
} from './engine.js';
export {
  createComplianceStore,
  type ComplianceStore,
  type EvaluatedVersion,
  type HistoryRow,
  type StoredResult,
  type Worsened,
} from './store.js';
export {
  complianceHook,
  jobComplianceHook,
  type DriftHookDeps,
  deviceInfo,
  driftNotice,
  evaluateLatest,
  evaluateVersion,
  REMEDIATE_ACTION_ID,
  REMEDIATE_ALL_ACTION_ID,
  type ComplianceDeps,
} from './service.js';
export {
  createRemediateAction,
  createRemediateAllAction,
  type RemediateValue,
} from './handlers.js';
export {
  linesSummary,
  planFleetRemediation,
  remediateFleet,
  wavesText,
  type FleetRemediation,
  type RemediateFleetInput,
} from './remediate.js';
