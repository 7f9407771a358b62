export { createChartRenderer, DEFAULT_SIZE, type ChartRenderer, type RenderOptions } from './render.js';
export {
  compareChart,
  errorsChart,
  forecastChart,
  topNChart,
  utilisationChart,
  type ChartSpec,
  type CompareInput,
  type ErrorsInput,
  type ForecastInput,
  type NamedSeries,
  type TopNInput,
  type TopNItem,
  type UtilisationInput,
} from './specs.js';
export { altText, figuresLine, summaryLine, type SummaryFigures } from './summary.js';
export { THEMES, type ThemeName } from './theme.js';
export { formatBits, formatPercent, formatRange, formatRate, isValidTimeZone } from './units.js';
export {
  graphCompare,
  graphForecast,
  graphInterface,
  graphTopN,
  MAX_COMPARE,
  resolveInterfaces,
  type ChartFile,
  type ForecastData,
  type GraphEnv,
  type GraphOutcome,
  type Overlay,
} from './graph.js';
