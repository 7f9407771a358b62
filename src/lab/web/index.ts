export { attachWebConsole, type ConsoleUser, type WebConsole, type WebConsoleOptions } from './server.js';
export { LAB_CHANNELS, LAB_USERS, withRoles } from './people.js';
