import { z } from 'zod';
import { parseDuration } from '../src/config.js';
import { ErrorCode, NetopsError } from '../src/errors.js';
import { defineCommand } from '../src/registry/index.js';

export default defineCommand({
  name: 'changes',
  summary: 'Change requests: open ones, yours, or those of a recent period',
  usage: 'changes [open|mine|7d]',
  action: 'read',
  examples: ['changes', 'changes mine', 'changes 7d'],
  args: z.object({
    positionals: z.array(z.string()).max(1),
    flags: z.object({}).strict(),
  }),
  async run({ args, user, enqueue }) {
    const word = args.positionals[0] ?? 'open';
    if (word === 'open' || word === 'mine') {
      await enqueue('changes.list', { filter: word, userId: user.id });
      return;
    }
    let sinceMs: number;
    try {
      sinceMs = parseDuration(word);
    } catch {
      throw new NetopsError(ErrorCode.BAD_ARGS, `bad changes filter ${word}`, {
        userMessage: `\`${word}\` is not \`open\`, \`mine\` or a period such as \`7d\`.`,
      });
    }
    await enqueue('changes.list', { filter: 'recent', sinceMs, userId: user.id });
  },
});
