export {
  querySeries,
  querySeriesFor,
  querySummary,
  queryTopN,
  findInterface,
  listInterfaces,
  summarize,
  type InterfaceRef,
  type SeriesQuery,
  type SeriesResult,
  type SeriesSummary,
  type TopNQuery,
  type TopNRow,
} from './query.js';
export { m4, minMax, lttb, withGaps } from './downsample.js';
export { METRICS } from './rollup.js';
export {
  latestInterfaces,
  type LatestInterface,
  type SampleRates,
  type SampleRow,
} from './store.js';
export {
  bindMetricsBackend,
  createMetricsBackend,
  metricsFor,
  type MetricsBackend,
  type MetricsBackendConfig,
} from './backend.js';
