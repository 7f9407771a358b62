/** The rule schema lives in config.ts (config validation needs it; compliance depends on config, not the reverse). */
export {
  type ComplianceConfig,
  type ComplianceRule,
  complianceRuleSchema,
  complianceSchema,
  RULE_KINDS,
  type RuleKind,
} from '../config.js';
