import { z } from 'zod';
import { defineJob } from '../src/services/index.js';
import { textTable } from '../src/text/index.js';

export default defineJob({
  name: 'devices.list',
  needs: ['inventory'],
  schema: z
    .object({
      pattern: z.string().optional(),
      site: z.string().optional(),
      role: z.string().optional(),
      tag: z.string().optional(),
      vendor: z.string().optional(),
    })
    .strict(),
  attempts: 1,
  describe: (d) => `\`devices${d.pattern ? ` ${d.pattern}` : ''}\``,
  async process(filter, { services }) {
    const all = services.inventory.list();
    const found = services.inventory.match(filter);
    if (!found.length) {
      return {
        summary: `no device matches (inventory has ${all.length})`,
        text: all.length
          ? 'No device matches that filter. Try `devices` without a filter.'
          : 'The inventory is empty: add devices to netops.yaml.',
      };
    }
    const table = textTable(
      ['NAME', 'VENDOR', 'ADDRESS', 'SITE', 'ROLE', 'TAGS'],
      found.map((d) => [
        d.enabled ? d.name : `${d.name} (disabled)`,
        d.vendor,
        `${d.host}:${d.port}`,
        d.site ?? '-',
        d.role ?? '-',
        d.tags.join(',') || '-',
      ]),
    );
    return {
      summary: `${found.length} of ${all.length} device${all.length === 1 ? '' : 's'}`,
      code: { content: table, filename: 'devices.txt' },
    };
  },
});
