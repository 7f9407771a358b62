export {
  createSlackApp,
  mentionText,
  type ActionHandler,
  type ViewHandler,
  type ViewValues,
  type SlackApp,
  type SlackAppOptions,
} from './app.js';
export { createIntake, type Intake } from './intake.js';
export { createWebResponder } from './responder.js';
export { deliverResult } from './deliver.js';
export { progressMessage } from './progress.js';
export { signSlackRequest, verifySlackSignature } from './verify.js';
export { section, sections, context, capBlocks } from './blocks.js';
export { SLACK_LIMITS, clip, codeBlock, escapeMrkdwn } from './limits.js';
export type { Destination, FileUpload, Message, Responder } from './types.js';
