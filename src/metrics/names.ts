/** The per-interface metrics every layout stores (its own module so layouts and rollups share it without an import cycle). */
export const METRICS = [
  'in_bps',
  'out_bps',
  'in_pps',
  'out_pps',
  'in_errors',
  'out_errors',
  'in_discards',
  'out_discards',
] as const;
export type MetricName = (typeof METRICS)[number];

/**
 * The metrics analysis looks at, which are also those an interface's latest values carry
 * (`LatestInterface`): packet rates are left out of both. Kept here so metrics need not import
 * analysis.
 */
export const ANALYSED_METRICS = [
  'in_bps',
  'out_bps',
  'in_errors',
  'out_errors',
  'in_discards',
  'out_discards',
] as const satisfies readonly MetricName[];
export type AnalysedMetric = (typeof ANALYSED_METRICS)[number];

/**
 * Each stored metric (and the speed kept beside them) with its field in a `SampleRow`: the same
 * names in snake case for the database and VictoriaMetrics, camel case in code.
 */
export const SAMPLE_FIELDS = [
  ['in_bps', 'inBps'],
  ['out_bps', 'outBps'],
  ['in_pps', 'inPps'],
  ['out_pps', 'outPps'],
  ['in_errors', 'inErrors'],
  ['out_errors', 'outErrors'],
  ['in_discards', 'inDiscards'],
  ['out_discards', 'outDiscards'],
  ['speed_bps', 'speedBps'],
] as const;
