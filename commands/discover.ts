import { z } from 'zod';
import { defineCommand } from '../src/registry/index.js';

export default defineCommand({
  name: 'discover',
  summary:
    'Find devices not in the inventory: SNMP probe of an address or CIDR, or LLDP neighbours of a device',
  action: 'discover',
  // With discovery.autoAdd the job writes netops.yaml itself, which is adding to the inventory.
  alsoActions: ['inventory.add'],
  actionFor: () => 'discover',
  usage: 'discover <ip|cidr|device>',
  examples: ['discover 127.0.0.0/30', 'discover 127.0.0.1', 'discover core1-ams'],
  args: z.object({
    positionals: z.array(z.string()).length(1, 'give one address, CIDR or device name'),
    flags: z.object({}).strict(),
  }),
  async run({ args, enqueue, config, inventory }) {
    const target = args.positionals[0]!;
    const device = inventory.get(target);
    await enqueue(
      'snmp.discover',
      { target },
      {
        action: config.discovery.autoAdd ? 'inventory.add' : 'discover',
        ...(device ? { devices: [device] } : {}),
      },
    );
  },
});
