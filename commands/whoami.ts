import { z } from 'zod';
import { ACTION_NAMES, actionsOf } from '../src/policy/index.js';
import { defineCommand } from '../src/registry/index.js';

export default defineCommand({
  name: 'whoami',
  summary: 'Your roles, user groups and device scopes, and what you may do in this channel',
  usage: 'whoami',
  examples: ['whoami'],
  action: 'public',
  args: z.object({
    positionals: z.array(z.string()).max(0, 'whoami takes no arguments'),
    flags: z.object({}).strict(),
  }),
  async run({ access, user, where, reply, invokedAs }) {
    const groups = access.groups.length
      ? access.groups.map((g) => `<!subteam^${g}>`).join(', ')
      : 'none that the policy names';
    const lines = [`*You*: <@${user.id}> · user groups: ${groups}`];
    if (access.unknownGroups.length) {
      lines.push(
        `_Slack did not list the members of ${access.unknownGroups.map((g) => `<!subteam^${g}>`).join(', ')} just now; they are not counted._`,
      );
    }
    if (access.rules.length === 0) {
      lines.push('*Roles*: none. Ask an admin to grant you a role in netops.yaml (`policy.grants`).');
    } else {
      lines.push('*Roles*:');
      for (const r of access.rules) lines.push(`• ${r.text}: ${actionsOf(r).join(', ')}`);
    }
    const here = ACTION_NAMES.filter((a) => a !== 'public' && access.can(a));
    lines.push(
      `*In <#${where.channel}>* you may: ${here.length ? here.map((a) => `\`${a}\``).join(', ') : 'nothing beyond help and whoami'}` +
        ' (device scopes above still apply).',
      `\`${invokedAs} help\` lists the commands you may run.`,
    );
    await reply({ text: lines.join('\n') });
  },
});
