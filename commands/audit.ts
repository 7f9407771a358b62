import { z } from 'zod';
import { ErrorCode, NetopsError } from '../src/errors.js';
import { defineCommand } from '../src/registry/index.js';

const USAGE = 'audit [user|device] [--since 7d] [--limit N]';
const MAX_SINCE_MS = 400 * 86_400_000;

function bad(message: string): NetopsError {
  return new NetopsError(ErrorCode.BAD_ARGS, `audit: ${message}`, {
    userMessage: message,
    hint: `Usage: \`${USAGE}\``,
  });
}

function since(text: string): number {
  const m = /^(\d{1,4})(m|h|d|w)$/.exec(text);
  if (!m) throw bad(`\`--since ${text}\` is not a duration such as 30m, 24h, 7d or 4w.`);
  const ms = Number(m[1]) * { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[m[2] as 'm'];
  if (ms > MAX_SINCE_MS) throw bad('`--since` reaches back at most 400 days.');
  return ms;
}

export default defineCommand({
  name: 'audit',
  summary:
    'Who did what, where and when: commands, clicks, denials and jobs, by user or device (CSV when long)',
  usage: USAGE,
  examples: ['audit', 'audit @alice --since 24h', 'audit core1-ams --since 30d', 'audit U0123ABCD'],
  action: 'audit',
  args: z.object({
    positionals: z.array(z.string()).max(1, 'name at most one user or device'),
    flags: z
      .object({
        since: z.string().optional(),
        limit: z
          .string()
          .regex(/^\d+$/, '--limit takes a whole number')
          .transform(Number)
          .refine((n) => n >= 1 && n <= 5_000, '--limit is 1 to 5000')
          .optional(),
      })
      .strict(),
  }),
  async run({ args, inventory, enqueue }) {
    const who = args.positionals[0];
    const sinceMs = since(args.flags.since ?? '7d');
    const base = { sinceMs, limit: args.flags.limit ?? 1_000 };
    if (!who) {
      await enqueue('audit.query', base, {
        describe: `audit of everything since ${args.flags.since ?? '7d'}`,
      });
      return;
    }
    // Slack escapes a typed @mention as <@U123|name>; a bare id works too.
    const user =
      /^<@([UW][A-Z0-9]{2,})(?:\|[^>]*)?>$/.exec(who)?.[1] ??
      (/^[UW][A-Z0-9]{6,}$/.test(who) ? who : undefined);
    if (user) {
      await enqueue('audit.query', { ...base, userId: user }, { describe: `audit of <@${user}>` });
      return;
    }
    if (who.startsWith('@')) {
      throw bad(`\`${who}\` is not a user I can look up.`);
    }
    // A device, also one removed from the inventory since: its audit rows stay.
    const device = inventory.get(who);
    if (!device && !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(who))
      throw bad(`\`${who}\` is neither a user nor a device name.`);
    await enqueue(
      'audit.query',
      { ...base, device: device?.name ?? who },
      { describe: `audit of \`${device?.name ?? who}\``, ...(device ? { devices: [device] } : {}) },
    );
  },
});
