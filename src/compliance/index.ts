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
