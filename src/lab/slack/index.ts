export { createSlackEmulator } from './emulator.js';
export type {
  ExtraRoute,
  Fault,
  FaultKind,
  FaultSpec,
  OutboundResult,
  RecordedCall,
  ResponseUrlPost,
  SendOptions,
  SlackEmulator,
  SlackEmulatorOptions,
  SlashCommandInput,
  WorkspaceSnapshot,
} from './emulator.js';
export type {
  EmuChannel,
  EmuEphemeral,
  EmuFile,
  EmuMessage,
  EmuUser,
  EmuUsergroup,
  EmuView,
} from './state.js';
export { slackSignatureHeaders, type SlackSignatureHeaders } from './signing.js';
