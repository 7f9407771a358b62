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
export { signSlackRequest, verifySlackSignature } from './verify.js';
// The chat port and its message helpers, re-exported for callers that already speak Slack.
export {
  capBlocks,
  clip,
  codeBlock,
  context,
  deliverResult,
  escapeMrkdwn,
  progressMessage,
  SLACK_LIMITS,
  section,
  sections,
  type Destination,
  type FileUpload,
  type Message,
  type Responder,
} from '../chat/index.js';
