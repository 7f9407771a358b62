export type {
  DeliveryLedger,
  Destination,
  FileUpload,
  JobOrigin,
  JobPoster,
  JobResult,
  Message,
  PartRecord,
  PostOptions,
  ProgressInfo,
  ProgressState,
  Responder,
  UploadOptions,
} from './types.js';
export { createJobPoster } from './poster.js';
export { deliverResult, onceOnly } from './deliver.js';
export { progressMessage } from './progress.js';
export { section, sections, context, capBlocks } from './blocks.js';
export { SLACK_LIMITS, clip, codeBlock, escapeMrkdwn } from './limits.js';
