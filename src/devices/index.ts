export {
  createDeviceService,
  type DeviceServiceImpl,
  type DeviceServiceOptions,
  type DeviceFacts,
  type HostKeyStore,
  memoryHostKeyStore,
} from './service.js';
export {
  createCredentialResolver,
  type CredentialResolver,
  type CredentialResolverOptions,
} from './credentials.js';
export { getVendor, listVendors } from './vendors/index.js';
export { matchInterfaceName } from './interface-names.js';
export type { InterfaceInfo, NeighborInfo, VendorDefinition, VersionInfo } from './vendors/index.js';
export type { CommandOutput, DeviceService, RunOptions, SecretRule, VendorConfigRules } from './types.js';
export { validateReadOnly, MAX_COMMAND_LENGTH } from './allowlist.js';
export { fileHostKeyStore } from './host-keys.js';
