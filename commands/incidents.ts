import { z } from 'zod';
import { parseDuration } from '../src/config.js';
import { defineCommand } from '../src/registry/index.js';

/** `/net incidents [open|7d] [--by device|site]` */
export default defineCommand({
  name: 'incidents',
  summary: 'Incidents from alerts: open ones, or a range, with time to acknowledge and resolve (MTTA/MTTR)',
  usage: 'incidents [open|<range>] [--by device|site]',
  action: 'read',
  examples: ['incidents', 'incidents open', 'incidents 7d --by site'],
  args: z.object({
    positionals: z
      .array(z.string())
      .max(1, 'give at most one of `open` or a range such as `7d`')
      .refine(
        (p) => p.length === 0 || p[0] === 'open' || /^\d+[hdw]$/.test(p[0]!),
        'use `open` or a range such as `24h`, `7d`, `4w`',
      ),
    flags: z.object({ by: z.enum(['device', 'site']).optional() }).strict(),
  }),
  async run({ args, enqueue }) {
    const word = args.positionals[0];
    const open = word === 'open';
    const sinceMs = word && !open ? parseDuration(word) : open ? undefined : 7 * 86_400_000;
    await enqueue('incidents.list', {
      open,
      ...(sinceMs ? { sinceMs: Math.min(sinceMs, 400 * 86_400_000) } : {}),
      ...(args.flags.by ? { by: args.flags.by } : {}),
    });
  },
});
