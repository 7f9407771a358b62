import type { Device } from '../../src/config.js';

/** A valid inventory entry with the schema's defaults; tests override what they care about. */
export function testDevice(name: string, patch: Partial<Device> = {}): Device {
  return {
    name,
    vendor: 'cisco_iosxe',
    host: '127.0.0.1',
    port: 22,
    credential: 'lab',
    tags: [],
    legacyAlgorithms: false,
    enabled: true,
    ...patch,
  };
}
