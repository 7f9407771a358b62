import { z } from 'zod';
import { MAX_PATTERN_LENGTH } from '../src/configs/index.js';
import { ErrorCode, NetopsError } from '../src/errors.js';
import { isGlob } from '../src/inventory/index.js';
import { defineCommand } from '../src/registry/index.js';

const VERBS = ['show', 'diff', 'history', 'search', 'backup'] as const;
type Verb = (typeof VERBS)[number];

const USAGE: Record<Verb, string> = {
  show: 'config show <device> [section-regex] [--version v123|~1] [--ignore-case]',
  diff: 'config diff <device> [v1] [v2] | config diff <device> --since 24h',
  history: 'config history <device> [--before v123] [--limit N]',
  search: 'config search <regex> [--devices glob] [--context N] [--missing] [--ignore-case]',
  backup: 'config backup <device|glob|all>',
};

const count = (max: number) =>
  z
    .string()
    .regex(/^\d+$/, 'a whole number')
    .transform(Number)
    .refine((n) => n <= max, `at most ${max}`);

function bad(verb: Verb | undefined, message: string): NetopsError {
  return new NetopsError(ErrorCode.BAD_ARGS, `config: ${message}`, {
    userMessage: message,
    hint: `Usage: \`${verb ? USAGE[verb] : Object.values(USAGE).join('` · `')}\``,
  });
}

function pattern(words: string[], verb: Verb): string {
  // Unquoted words are joined: `config search ntp server 10.0.0.1` means the phrase.
  const p = words.join(' ');
  if (p.length > MAX_PATTERN_LENGTH)
    throw bad(verb, `The pattern is longer than ${MAX_PATTERN_LENGTH} characters.`);
  return p;
}

export default defineCommand({
  name: 'config',
  aliases: ['configs'],
  summary: 'Configuration history: show, diff, history, fleet-wide search, backup now',
  usage: 'config show|diff|history|search|backup …',
  action: 'read',
  alsoActions: ['backup'],
  targetOf: (args) => (args.positionals[0]?.toLowerCase() === 'search' ? undefined : args.positionals[1]),
  actionFor: (args) => (args.positionals[0]?.toLowerCase() === 'backup' ? 'backup' : 'read'),
  examples: [
    'config show core1-ams',
    'config show core1-ams "^interface GigabitEthernet1/0/1$"',
    'config diff core1-ams',
    'config diff core1-ams --since 7d',
    'config diff core1-ams v1 v2',
    'config history core1-ams',
    'config search "^snmp-server community" --devices "core*" --context 1',
    'config search "^ntp server 10.0.0.123" --missing',
    'config backup core1-ams',
    'config backup all',
  ],
  booleanFlags: ['missing', 'ignore-case'],
  args: z.object({
    positionals: z.array(z.string()),
    flags: z
      .object({
        version: z.string().min(1).max(80).optional(),
        since: z
          .string()
          .regex(/^\d+(ms|s|m|h|d|w)$/, 'a duration such as 30m, 24h or 7d')
          .optional(),
        devices: z.string().min(1).optional(),
        context: count(20).optional(),
        limit: count(200).optional(),
        before: z
          .string()
          .regex(/^v?\d+$/i, 'a version id such as v123')
          .optional(),
        missing: z.literal(true).optional(),
        'ignore-case': z.literal(true).optional(),
      })
      .strict(),
  }),
  async run({ args, enqueue, inventory, user }) {
    const [verbWord, ...rest] = args.positionals;
    const verb = VERBS.find((v) => v === verbWord?.toLowerCase());
    if (!verb) {
      throw bad(
        undefined,
        verbWord ? `\`config ${verbWord}\` is not a config command.` : 'Say what to do with configs.',
      );
    }
    const f = args.flags;
    const ignoreCase = f['ignore-case'] === true;
    const needDevice = () => {
      const name = rest[0];
      if (!name) throw bad(verb, 'Name a device.');
      return inventory.require(name);
    };
    switch (verb) {
      case 'show': {
        const device = needDevice();
        const section = rest.length > 1 ? pattern(rest.slice(1), verb) : undefined;
        await enqueue(
          'config.show',
          {
            device: device.name,
            ...(section ? { section } : {}),
            ...(f.version ? { version: f.version } : {}),
            ...(ignoreCase ? { ignoreCase } : {}),
          },
          { devices: [device] },
        );
        return;
      }
      case 'diff': {
        const device = needDevice();
        if (rest.length > 3) throw bad(verb, 'Give at most two versions.');
        if (f.since && rest.length > 1) throw bad(verb, 'Use either versions or --since, not both.');
        await enqueue(
          'config.diff',
          {
            device: device.name,
            ...(rest[1] ? { from: rest[1] } : {}),
            ...(rest[2] ? { to: rest[2] } : {}),
            ...(f.since ? { since: f.since } : {}),
            ...(f.context !== undefined ? { context: f.context } : {}),
          },
          { devices: [device] },
        );
        return;
      }
      case 'history': {
        const device = needDevice();
        if (rest.length > 1) throw bad(verb, 'history takes one device.');
        await enqueue(
          'config.history',
          {
            device: device.name,
            ...(f.limit ? { limit: f.limit } : {}),
            ...(f.before ? { before: Number(f.before.replace(/^v/i, '')) } : {}),
          },
          { devices: [device] },
        );
        return;
      }
      case 'search': {
        if (!rest.length) throw bad(verb, 'Give a regular expression to search for.');
        const p = pattern(rest, verb);
        const searched = f.devices ? inventory.match({ pattern: f.devices }) : inventory.list();
        if (f.devices && !searched.length) {
          throw bad(verb, `No device matches \`${f.devices}\`.`);
        }
        await enqueue(
          'config.search',
          {
            pattern: p,
            ...(f.devices ? { devices: f.devices } : {}),
            ...(f.context !== undefined ? { context: f.context } : {}),
            ...(f.missing ? { missing: true } : {}),
            ...(ignoreCase ? { ignoreCase } : {}),
          },
          { devices: searched },
        );
        return;
      }
      case 'backup': {
        const target = rest[0];
        if (!target || rest.length > 1) throw bad(verb, 'Name one device, a glob such as `edge*`, or `all`.');
        const author = user.name ?? user.id;
        if (target === 'all' || isGlob(target) || /^(site|role|tag|vendor):/.test(target)) {
          const devices = inventory.resolve(target); // throws a clear error when nothing matches
          await enqueue(
            'config.backup-many',
            { target, trigger: 'manual', author },
            { describe: `config backup of ${devices.length} devices`, action: 'backup', devices },
          );
        } else {
          const device = inventory.require(target);
          await enqueue(
            'config.backup',
            { device: device.name, trigger: 'manual', author },
            { action: 'backup', devices: [device] },
          );
        }
        return;
      }
    }
  },
});
