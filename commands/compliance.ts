import { z } from 'zod';
import { ErrorCode, NetopsError } from '../src/errors.js';
import { defineCommand } from '../src/registry/index.js';

const USAGE = 'compliance [scope] [--rule R] · compliance <device> · compliance history <device|rule>';

function bad(message: string): NetopsError {
  return new NetopsError(ErrorCode.BAD_ARGS, `compliance: ${message}`, {
    userMessage: message,
    hint: `Usage: \`${USAGE}\``,
  });
}

export default defineCommand({
  name: 'compliance',
  summary: 'Configuration compliance: fleet summary, one device rule by rule, history',
  usage: USAGE,
  action: 'read',
  targetOf: (args) => {
    const [a, b] = args.positionals;
    return a?.toLowerCase() === 'history' ? b : a;
  },
  // The same two the README shows: every example runs in the local-site test, under the rate limit.
  examples: ['compliance core1-ams', 'compliance history core1-ams'],
  args: z.object({
    positionals: z.array(z.string()),
    flags: z
      .object({
        rule: z.string().min(1).max(100).optional(),
        limit: z
          .string()
          .regex(/^\d+$/, 'a whole number')
          .transform(Number)
          .refine((n) => n >= 1 && n <= 200, 'between 1 and 200')
          .optional(),
      })
      .strict(),
  }),
  async run({ args, enqueue, inventory, config }) {
    const [first, ...rest] = args.positionals;
    const ruleNames = new Set(config.compliance.rules.map((r) => r.name));
    const needRule = (name: string) => {
      if (!ruleNames.has(name))
        throw bad(
          `No compliance rule is named \`${name}\`.${ruleNames.size ? ` Rules: ${[...ruleNames].join(', ')}` : ' None are configured.'}`,
        );
    };
    if (args.flags.rule) needRule(args.flags.rule);
    if (first?.toLowerCase() === 'history') {
      const subject = rest[0];
      if (!subject || rest.length > 1) throw bad('history takes one device or one rule.');
      const device = inventory.get(subject);
      if (!device) needRule(subject);
      await enqueue(
        'compliance.history',
        {
          ...(device ? { device: device.name } : { rule: subject }),
          ...(args.flags.limit ? { limit: args.flags.limit } : {}),
        },
        device ? { devices: [device] } : {},
      );
      return;
    }
    if (rest.length) throw bad('Give one device or one scope.');
    const device = first ? inventory.get(first) : undefined;
    if (device) {
      await enqueue(
        'compliance.report',
        { device: device.name, ...(args.flags.rule ? { rule: args.flags.rule } : {}) },
        { devices: [device] },
      );
      return;
    }
    const scoped = first ? inventory.match({ pattern: first }) : [...inventory.list()];
    if (first && !scoped.length) throw bad(`No device matches \`${first}\`.`);
    await enqueue(
      'compliance.report',
      { ...(first ? { scope: first } : {}), ...(args.flags.rule ? { rule: args.flags.rule } : {}) },
      { devices: scoped },
    );
  },
});
