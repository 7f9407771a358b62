export {
  bandAt,
  buildBaseline,
  expectedAt,
  residual,
  type Baseline,
  type BaselineOptions,
  type Point,
} from './baseline.js';
export {
  detectSeries,
  detectValues,
  newDetectorState,
  stepDetector,
  type AnomalyKind,
  type DetectorEvent,
  type DetectorOptions,
  type DetectorState,
  type SeriesAnomaly,
} from './detect.js';
export {
  ANALYSED_METRICS,
  ceilingOf,
  detectFlaps,
  metricSettings,
  newRatesSeen,
  type RatesSeen,
  sanitise,
  saneValue,
  seeRate,
  speedIssue,
  speedIssueOf,
  type AnalysedMetric,
  type Flap,
  type SpeedIssue,
  type StatusSample,
} from './snmp.js';
export {
  changesNear,
  explainAnomaly,
  movedAround,
  type ConfigChangeNear,
  type ExplainInput,
  type Movement,
} from './explain.js';
export {
  dailyP95,
  forecastCapacity,
  projection,
  type CapacityForecast,
  type CapacityStatus,
  type DailyValue,
} from './capacity.js';
export { median, mad, quantile, theilSen, leastSquares } from './stats.js';
export { localDay, localHour, localOffset } from './local-time.js';
