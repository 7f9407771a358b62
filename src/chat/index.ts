export type {
  Destination,
  FileUpload,
  JobOrigin,
  JobPoster,
  JobResult,
  Message,
  ProgressInfo,
  ProgressState,
  Responder,
} from './types.js';
export { createJobPoster } from './poster.js';
export { deliverResult } from './deliver.js';
export { progressMessage } from './progress.js';
export { section, sections, context, capBlocks } from './blocks.js';
export { SLACK_LIMITS, clip, codeBlock, escapeMrkdwn } from './limits.js';
