import { z } from 'zod';
import { defineCommand } from '../src/registry/index.js';

export default defineCommand({
  action: 'read',
  name: 'capacity',
  summary:
    'When interfaces reach 80 % of their speed: daily p95 trend over 30/90 days, soonest first, with a chart',
  usage: 'capacity [device|glob]',
  examples: ['capacity', 'capacity core1-ams', 'capacity "edge*"'],
  args: z.object({
    positionals: z.array(z.string()).max(1, 'name one device or glob'),
    flags: z.object({}).strict(),
  }),
  async run({ args, enqueue, inventory }) {
    const scope = args.positionals[0];
    const devices = inventory.resolve(scope ?? 'all').map((d) => d.name);
    await enqueue('analysis.capacity', { devices, scope: scope ?? 'all devices' });
  },
});
