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
