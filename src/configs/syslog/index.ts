export {
  createSyslogReceiver,
  deviceFor,
  type SyslogReceiver,
  type SyslogReceiverOptions,
} from './receiver.js';
export { parseSyslog, type SyslogMessage } from './parse.js';
export { recogniseConfigChange, CONFIG_CHANGE_MESSAGES, type ConfigChangeEvent } from './recognise.js';
