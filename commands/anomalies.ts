import { z } from 'zod';
import { ErrorCode, NetopsError } from '../src/errors.js';
import { defineCommand } from '../src/registry/index.js';
import { parseRange } from './graph.js';

const RANGE = /^\d+[mhdw]$/i;

/** `[range] [scope]` in any order: a word like 24h is the range, anything else the device scope. */
export function rangeAndScope(
  words: readonly string[],
  defaultRangeMs: number,
  usage: string,
): { rangeMs: number; scope: string | undefined } {
  const ranges = words.filter((w) => RANGE.test(w));
  const scopes = words.filter((w) => !RANGE.test(w));
  if (ranges.length > 1 || scopes.length > 1) {
    throw new NetopsError(ErrorCode.BAD_ARGS, 'one range and one scope at most', {
      userMessage: 'Give at most one time range and one device or glob.',
      hint: `Usage: \`${usage}\``,
    });
  }
  return { rangeMs: ranges[0] ? parseRange(ranges[0]) : defaultRangeMs, scope: scopes[0] };
}

const USAGE = 'anomalies [range] [device|glob]';

export default defineCommand({
  action: 'read',
  name: 'anomalies',
  summary: 'Anomalies found on the fleet (open first), with their explanation and the feedback given',
  usage: USAGE,
  examples: ['anomalies', 'anomalies 7d', 'anomalies 24h core1-ams', 'anomalies "edge*"'],
  args: z.object({
    positionals: z.array(z.string()).max(2, 'at most a range and a device or glob'),
    flags: z.object({}).strict(),
  }),
  async run({ args, enqueue, inventory }) {
    const { rangeMs, scope } = rangeAndScope(args.positionals, 86_400_000, USAGE);
    const devices = scope && scope !== 'all' ? inventory.resolve(scope).map((d) => d.name) : undefined;
    await enqueue('analysis.anomalies', { rangeMs, ...(devices ? { devices, scope } : {}) });
  },
});
