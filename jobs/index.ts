import type { JobDefinition } from '../src/queue/index.js';
import analysisAnomalies from './analysis-anomalies.js';
import analysisBatch from './analysis-batch.js';
import analysisCapacity from './analysis-capacity.js';
import analysisDevice from './analysis-device.js';
import analysisTop from './analysis-top.js';
import anomalyFeedback from './anomaly-feedback.js';
import auditQuery from './audit-query.js';
import changeApply from './change-apply.js';
import changeCancel from './change-cancel.js';
import changeDryrun from './change-dryrun.js';
import changeExpire from './change-expire.js';
import changeRollback from './change-rollback.js';
import changesList from './changes-list.js';
import complianceHistory from './compliance-history.js';
import complianceRemediate from './compliance-remediate.js';
import complianceReport from './compliance-report.js';
import configBackupMany from './config-backup-many.js';
import configBackup from './config-backup.js';
import configDiff from './config-diff.js';
import configHistory from './config-history.js';
import configRetention from './config-retention.js';
import configSearch from './config-search.js';
import configShow from './config-show.js';
import devicesList from './devices-list.js';
import discover from './discover.js';
import graph from './graph.js';
import inventoryAdd from './inventory-add.js';
import incidentDiagnose from './incident-diagnose.js';
import incidentSilence from './incident-silence.js';
import incidentSync from './incident-sync.js';
import incidentsList from './incidents-list.js';
import jobsList from './jobs-list.js';
import reconcile from './reconcile.js';
import show from './show.js';
import snmpInterfaces from './snmp-interfaces.js';
import snmpPoll from './snmp-poll.js';
import snmpRollup from './snmp-rollup.js';

/** Every job type. A test fails when a file in jobs/ is missing here. */
export const jobs: JobDefinition[] = [
  devicesList,
  jobsList,
  show,
  configBackup,
  configBackupMany,
  configShow,
  configDiff,
  configHistory,
  configSearch,
  configRetention,
  snmpPoll,
  snmpInterfaces,
  snmpRollup,
  discover,
  reconcile,
  graph,
  inventoryAdd,
  auditQuery,
  incidentSync,
  incidentDiagnose,
  incidentSilence,
  incidentsList,
  changeDryrun,
  changeApply,
  changeRollback,
  changeExpire,
  changeCancel,
  changesList,
  complianceRemediate,
  complianceReport,
  complianceHistory,
  analysisDevice,
  analysisBatch,
  anomalyFeedback,
  analysisAnomalies,
  analysisCapacity,
  analysisTop,
] as JobDefinition[];
