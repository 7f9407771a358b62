export {
  createDeviceService,
  type DeviceServiceImpl,
  type DeviceServiceOptions,
  type DeviceFacts,
  type HostKeyStore,
  memoryHostKeyStore,
} from './service.js';
export { createSshCredentials, sshCredentials, type SshCredentialSource } from './credentials.js';
export {
  createSessionLeases,
  type Lease,
  type SessionLeases,
  type SessionLeasesOptions,
} from './session-leases.js';
export {
  getVendor,
  hasVendor,
  identifyVendor,
  listVendors,
  registerVendor,
  vendorNames,
  defineVendor,
} from './vendors/index.js';
export type {
  IdentifyRule,
  InterfaceInfo,
  NeighborInfo,
  VendorDefinition,
  VersionInfo,
} from './vendors/index.js';
export type {
  CommandOutput,
  Device,
  DeviceService,
  RunOptions,
  SecretBlockRule,
  SecretRule,
  Vendor,
  VendorConfigRules,
} from './types.js';
export { matchInterfaceName } from './interface-names.js';
export { validateReadOnly, MAX_COMMAND_LENGTH } from './allowlist.js';
export { fileHostKeyStore } from './host-keys.js';
