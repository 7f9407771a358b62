import { z } from 'zod';
import { changeModal, openButton } from '../src/changes/index.js';
import { ErrorCode, NetopsError } from '../src/errors.js';
import { defineCommand } from '../src/registry/index.js';

export default defineCommand({
  name: 'change',
  summary:
    'Change device configuration: a form, a dry-run diff, a second engineer approves, commit-confirmed apply with post-checks',
  usage: 'change <device|glob> | change cancel <CR-id>',
  action: 'change.request',
  targetOf: (args) => (args.positionals[0] === 'cancel' ? undefined : args.positionals[0]),
  // `change cancel CR-<n>` needs a change to exist; the usage shows it, the examples run as written.
  examples: ['change core1-ams', 'change "leaf*"'],
  args: z.object({
    positionals: z.array(z.string()).min(1, 'name a device or glob, or `cancel <id>`').max(2),
    flags: z.object({}).strict(),
  }),
  async run({ args, user, where, inventory, config, openModal, reply, enqueue, invokedAs }) {
    const [first, second] = args.positionals;
    if (first === 'cancel') {
      if (!second || !/^CR-\d+$/i.test(second)) {
        throw new NetopsError(ErrorCode.BAD_ARGS, 'cancel needs a change id', {
          userMessage: `Which change? \`${invokedAs} change cancel CR-12\` (see \`${invokedAs} changes open\`).`,
        });
      }
      await enqueue(
        'change.cancel',
        { id: second.toUpperCase(), userId: user.id },
        { describe: `change cancel ${second.toUpperCase()}` },
      );
      return;
    }
    if (second) {
      throw new NetopsError(ErrorCode.BAD_ARGS, 'configuration lines go in the form', {
        userMessage: `Type only the device or glob: \`${invokedAs} change ${first}\` opens a form for the lines.`,
      });
    }
    const devices = inventory.resolve(first!).map((d) => d.name);
    const channel = where.channel;
    if (!openModal) {
      // A mention has no trigger to open a modal with: a button does.
      await reply({ ...openButton(first!), inChannel: true });
      return;
    }
    await openModal(
      changeModal(
        { target: first!, devices, channel, ...(where.threadTs ? { threadTs: where.threadTs } : {}) },
        { rollbackMinutes: config.changes.rollbackMinutes },
      ),
    );
  },
});
