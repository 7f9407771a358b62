import { z } from 'zod';
import { defineCommand } from '../src/registry/index.js';

export default defineCommand({
  name: 'interfaces',
  aliases: ['ifs'],
  summary: 'Interface status, speed, current traffic, utilisation and errors of a device (SNMP)',
  action: 'read',
  targetOf: (args) => args.positionals[0],
  usage: 'interfaces <device>',
  examples: ['interfaces core1-ams'],
  args: z.object({
    positionals: z.array(z.string()).length(1, 'name one device, e.g. `interfaces core1`'),
    flags: z.object({}).strict(),
  }),
  async run({ args, inventory, enqueue }) {
    const device = inventory.require(args.positionals[0]!);
    await enqueue('snmp.interfaces', { device: device.name }, { devices: [device] });
  },
});
