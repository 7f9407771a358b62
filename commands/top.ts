import { z } from 'zod';
import { defineCommand } from '../src/registry/index.js';
import { rangeAndScope } from './anomalies.js';

const USAGE = 'top [in|out|errors|discards] [range] [device|glob]';
const WHAT = ['in', 'out', 'errors', 'discards'] as const;

export default defineCommand({
  action: 'read',
  name: 'top',
  summary: 'Busiest interfaces by p95 across the fleet (in, out, errors or discards), from rollups',
  usage: USAGE,
  examples: ['top', 'top out 7d', 'top errors 30d "core*"', 'top in 1d core1-ams'],
  args: z.object({
    positionals: z.array(z.string()).max(3, 'at most what, a range and a device or glob'),
    flags: z.object({ limit: z.coerce.number().int().min(1).max(50).optional() }).strict(),
  }),
  async run({ args, enqueue, inventory }) {
    const words = [...args.positionals];
    const i = words.findIndex((w) => (WHAT as readonly string[]).includes(w.toLowerCase()));
    const what = i >= 0 ? (words.splice(i, 1)[0]!.toLowerCase() as (typeof WHAT)[number]) : 'in';
    const { rangeMs, scope } = rangeAndScope(words, 7 * 86_400_000, USAGE);
    const devices = scope && scope !== 'all' ? inventory.resolve(scope).map((d) => d.name) : undefined;
    await enqueue('analysis.top', {
      what,
      rangeMs,
      limit: args.flags.limit ?? 10,
      ...(devices ? { devices, scope } : {}),
    });
  },
});
