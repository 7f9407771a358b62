import { z } from 'zod';
import { defineCommand } from '../src/registry/index.js';

export default defineCommand({
  name: 'help',
  summary: 'List commands, or show one command with examples',
  usage: 'help [command]',
  action: 'public',
  examples: ['help', 'help devices'],
  args: z.object({
    positionals: z.array(z.string()).max(1, 'help takes at most one command name'),
    flags: z.object({}).strict(),
  }),
  async run({ args, registry, reply, invokedAs, access }) {
    const name = args.positionals[0];
    const prefix = name && !registry.get(name) ? `There is no \`${name}\` command.\n\n` : '';
    await reply({ text: prefix + registry.help(invokedAs, name, access.can) });
  },
});
