import { z } from 'zod';
import { defineCommand } from '../src/registry/index.js';

export default defineCommand({
  name: 'discover',
  summary:
    'Find devices not in the inventory: SNMP probe of an address or CIDR, or LLDP neighbours of a device',
  usage: 'discover <ip|cidr|device>',
  examples: ['discover 127.0.0.0/30', 'discover 127.0.0.1', 'discover core1-ams'],
  args: z.object({
    positionals: z.array(z.string()).length(1, 'give one address, CIDR or device name'),
    flags: z.object({}).strict(),
  }),
  async run({ args, enqueue }) {
    await enqueue('snmp.discover', { target: args.positionals[0]! });
  },
});
