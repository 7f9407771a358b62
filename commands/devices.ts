import { z } from 'zod';
import { defineCommand } from '../src/registry/index.js';

export default defineCommand({
  name: 'devices',
  aliases: ['inventory'],
  summary: 'List the inventory; filter by name glob, site, role, tag or vendor',
  action: 'read',
  usage: 'devices [name-glob] [--site S] [--role R] [--tag T] [--vendor V]',
  examples: ['devices', 'devices core*', 'devices --site fra1 --role edge', 'devices tag:pci'],
  args: z.object({
    positionals: z.array(z.string()).max(1, 'give at most one name filter (use a glob such as `core*`)'),
    flags: z
      .object({
        site: z.string().optional(),
        role: z.string().optional(),
        tag: z.string().optional(),
        vendor: z.string().optional(),
      })
      .strict(),
  }),
  async run({ args, enqueue }) {
    const pattern = args.positionals[0];
    await enqueue('devices.list', { ...(pattern ? { pattern } : {}), ...args.flags });
  },
});
