import { ErrorCode, NetopsError } from '../errors.js';
import { closest } from '../inventory/index.js';
import { type Access, accessFor, compilePolicy } from '../policy/index.js';
import { parseArgs, tokenize } from './grammar.js';
import type { CommandContext, CommandDefinition, ParsedArgs, RegistryView } from './types.js';

export interface Registry extends RegistryView {
  /** Parses `text` and finds the command; throws a NetopsError the user can read. */
  parse(text: string): { command: CommandDefinition; args: unknown; parsed: ParsedArgs };
}

export type DispatchContext = Omit<CommandContext<unknown>, 'args' | 'raw' | 'registry' | 'access'> & {
  /** Defaults to what config.policy gives the user in this channel, without user groups. */
  access?: Access;
};

export function createRegistry(commands: readonly CommandDefinition[]): Registry {
  const byName = new Map<string, CommandDefinition>();
  for (const c of commands) {
    for (const n of [c.name, ...(c.aliases ?? [])]) {
      if (byName.has(n)) throw new Error(`two commands claim the name "${n}"`);
      byName.set(n, c);
    }
  }
  const visible = () => commands.filter((c) => !c.hidden);

  const registry: Registry = {
    list: () => visible(),
    get: (name) => byName.get(name.toLowerCase()),
    parse(text) {
      const words = tokenize(text.trim());
      const name = (words.shift() ?? 'help').toLowerCase();
      const command = byName.get(name);
      if (!command) {
        const near = closest(name, [...byName.keys()], 1);
        throw new NetopsError(ErrorCode.UNKNOWN_COMMAND, `unknown command ${name}`, {
          context: { command: name },
          userMessage: `There is no \`${name}\` command.`,
          hint: near.length
            ? `Did you mean \`${near[0]}\`? Try \`help\` for the list.`
            : 'Try `help` for the list.',
        });
      }
      const rawText = text
        .trim()
        .slice(text.trim().toLowerCase().indexOf(name) + name.length)
        .trim();
      const parsed: ParsedArgs = { ...parseArgs(words, command.booleanFlags), raw: rawText };
      const result = command.args.safeParse({ positionals: parsed.positionals, flags: parsed.flags });
      if (!result.success) {
        const problems = result.error.issues.map((i) => {
          const where = i.path.length ? `${i.path.map(String).join('.')}: ` : '';
          return `${where}${i.message}`;
        });
        throw new NetopsError(
          ErrorCode.BAD_ARGS,
          `bad arguments for ${command.name}: ${problems.join('; ')}`,
          {
            context: { command: command.name },
            userMessage: `\`${command.name}\`: ${problems.join('; ')}.`,
            hint: `Usage: \`${command.usage}\``,
          },
        );
      }
      return { command, args: result.data, parsed };
    },
    help(invokedAs, name, may) {
      const allowed = (c: CommandDefinition) =>
        !may || may(c.action) || (c.alsoActions ?? []).some((a) => may(a));
      if (name) {
        const c = byName.get(name.toLowerCase());
        if (!c) return registry.help(invokedAs, undefined, may);
        if (!allowed(c)) {
          return `\`${c.name}\` needs \`${c.action}\`, which you may not do here. \`${invokedAs} whoami\` shows what you may do.`;
        }
        const lines = [`*${invokedAs} ${c.usage}*`, c.summary];
        if (c.aliases?.length) lines.push(`Also: ${c.aliases.map((a) => `\`${a}\``).join(', ')}`);
        if (c.examples?.length) lines.push('Examples:', ...c.examples.map((e) => `• \`${invokedAs} ${e}\``));
        return lines.join('\n');
      }
      const lines = visible()
        .filter(allowed)
        .sort((a, b) => a.name.localeCompare(b.name))
        .map((c) => `• \`${invokedAs} ${c.usage}\` — ${c.summary}`);
      const hidden = visible().length - lines.length;
      return [
        `*netops-bot commands*`,
        ...lines,
        `\`${invokedAs} help <command>\` shows examples.`,
        ...(hidden > 0
          ? [
              `${hidden} more command(s) need a role you do not have here; \`${invokedAs} whoami\` shows yours.`,
            ]
          : []),
      ].join('\n');
    },
  };
  return registry;
}

/** Parses and runs one command. Errors propagate as NetopsErrors for the caller to show. */
export async function dispatch(
  registry: Registry,
  text: string,
  base: DispatchContext,
): Promise<CommandDefinition> {
  const { command, args, parsed } = registry.parse(text);
  const access =
    base.access ?? accessFor(compilePolicy(base.config.policy), base.user.id, [], { id: base.where.channel });
  await command.run({ ...base, access, args, raw: parsed, registry });
  return command;
}
