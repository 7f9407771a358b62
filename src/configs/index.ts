export {
  normalise,
  maskLine,
  DEFAULT_SECRET_MARKER,
  type ConfigRules,
  type NormaliseOptions,
} from './normalise.js';
export { rulesFor, mergeRules } from './rules.js';
export {
  createConfigStore,
  sha256Hex,
  TRIGGERS,
  type ConfigStore,
  type ConfigVersion,
  type Trigger,
  type VersionCursor,
} from './store.js';
export {
  planRetention,
  applyRetention,
  collectBlobs,
  DEFAULT_RETENTION,
  type RetentionPolicy,
} from './retention.js';
export { unifiedDiff, diffLines, splitLines, type UnifiedDiff } from './diff.js';
export { extractSections, type BlockStyle } from './section.js';
export {
  searchConfigs,
  matchBlobLines,
  toPostgresRegex,
  MAX_PATTERN_LENGTH,
  type SearchResult,
  type SearchHit,
} from './search.js';
export { backupDevice, type BackupDeps, type BackupOutcome } from './backup.js';
export { changeNotice, diffVersions, versionLabel, describeOrigin } from './notice.js';
export { resolveSettings, noticeChannel, type ConfigsSettings } from './settings.js';
export { backupSchedules, type BackupSchedule } from './schedules.js';
export { requireLatest, requireVersion, noVersions, shortTime, age } from './views.js';
