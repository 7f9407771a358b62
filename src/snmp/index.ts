export { computeRates, counterRate, toCounter, type DeviceReading, type SampleRates } from './counters.js';
export {
  createPoller,
  type Poller,
  type PollOutcome,
  type PollResult,
  type PolledInterface,
} from './poller.js';
export { resolveSnmpCredential, credentialEnvPrefix } from './credentials.js';
