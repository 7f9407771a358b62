import { z } from 'zod';
import { defineCommand } from '../src/registry/index.js';

export default defineCommand({
  name: 'jobs',
  summary: 'Recent jobs with their status: yours (default) or everyone’s',
  action: 'read',
  usage: 'jobs [mine|all] [--limit N]',
  examples: ['jobs', 'jobs all', 'jobs all --limit 50'],
  args: z.object({
    positionals: z
      .array(z.enum(['mine', 'all'], { message: 'say `mine` or `all`' }))
      .max(1, 'say `mine` or `all`'),
    flags: z
      .object({
        limit: z.coerce.number({ message: '--limit takes a number' }).int().min(1).max(200).optional(),
      })
      .strict(),
  }),
  async run({ args, user, enqueue }) {
    const scope = args.positionals[0] ?? 'mine';
    await enqueue('jobs.list', { scope, userId: user.id, limit: args.flags.limit ?? 20 });
  },
});
