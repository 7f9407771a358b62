import { z } from 'zod';
import { defineCommand } from '../src/registry/index.js';

export default defineCommand({
  name: 'discover',
  summary:
    'Find devices not in the inventory: SNMP probe of an address or CIDR, or LLDP neighbours of a device',
  usage: 'discover <ip|cidr|device>',
  examples: ['discover 10.0.12.0/28', 'discover 10.0.12.7', 'discover core1'],
  args: z.object({
    positionals: z.array(z.string()).length(1, 'give one address, CIDR or device name'),
    flags: z.object({}).strict(),
  }),
  async run({ args, enqueue }) {
    await enqueue('snmp.discover', { target: args.positionals[0]! });
  },
});
