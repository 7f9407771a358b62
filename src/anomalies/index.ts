export {
  analyseDevice,
  analyseDevices,
  analysisBatchId,
  STEP_MS,
  WHAT,
  type AnalysisDeps,
  type BatchSummary,
  type RunSummary,
} from './run.js';
export { ACTIONS, groupMessage, parseFeedbackValue, feedbackLine, type FeedbackRequest } from './message.js';
export {
  getGroup,
  groupAnomalies,
  groupFeedback,
  listAnomalies,
  recentAnomalies,
  loadDaily,
  recordFeedback,
  saveDaily,
  type AnomalyRow,
  type FeedbackRow,
} from './store.js';
export { createAnomalyActions } from './actions.js';
export { topByDailyP95, type TopRow, type TopWhat } from './top.js';
export { dailyTraffic, interfaceCapacity, type InterfaceCapacity } from './capacity.js';
