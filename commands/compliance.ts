import { z } from 'zod';
import { parseWaves } from '../src/changes/index.js';
import { ErrorCode, NetopsError } from '../src/errors.js';
import { defineCommand } from '../src/registry/index.js';

const USAGE =
  'compliance [scope] [--rule R] · compliance <device> · compliance history <device|rule> · compliance remediate <scope> [--rule R] [--waves 1,10%,rest]';

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
  // `remediate` proposes a change request (a second engineer approves it before anything is applied).
  alsoActions: ['change.request'],
  actionFor: (args) => (args.positionals[0]?.toLowerCase() === 'remediate' ? 'change.request' : 'read'),
  targetOf: (args) => {
    const [a, b] = args.positionals;
    return a?.toLowerCase() === 'history' || a?.toLowerCase() === 'remediate' ? b : a;
  },
  // The same ones the README shows: every example runs in the local-site test, under the rate limit.
  examples: [
    'compliance core1-ams',
    'compliance history core1-ams',
    'compliance remediate role:core --rule no-http-server',
  ],
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
        waves: z.string().min(1).max(100).optional(),
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
    if (args.flags.waves && first?.toLowerCase() !== 'remediate')
      throw bad('`--waves` goes with `compliance remediate`.');
    if (first?.toLowerCase() === 'remediate') {
      const scope = rest[0];
      if (!scope || rest.length > 1)
        throw bad('remediate takes one scope: a device, a name glob, `site:x`, `role:y` or `tag:z`.');
      const scoped = inventory.match({ pattern: scope });
      if (!scoped.length) throw bad(`No device matches \`${scope}\`.`);
      let waves: unknown;
      if (args.flags.waves) {
        const w = parseWaves(args.flags.waves);
        if ('error' in w) throw bad(`--waves: ${w.error}.`);
        waves = w.steps;
      }
      await enqueue(
        'compliance.remediate',
        {
          scope,
          ...(args.flags.rule ? { rule: args.flags.rule } : {}),
          ...(waves ? { waves } : {}),
        },
        { devices: scoped, action: 'change.request' },
      );
      return;
    }
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
