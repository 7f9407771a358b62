import { z } from 'zod';
import {
  createConfigStore,
  extractSections,
  matchBlobLines,
  requireLatest,
  requireVersion,
  resolveSettings,
  rulesFor,
  shortTime,
} from '../src/configs/index.js';
import { defineJob } from '../src/services/index.js';

/** `config show <device> [section-regex] [--version ref]`: the stored (scrubbed) config, or sections of it. */
export default defineJob({
  name: 'config.show',
  needs: ['configs', 'inventory', 'pool'],
  schema: z
    .object({
      device: z.string().min(1),
      section: z.string().min(1).max(256).optional(),
      version: z.string().min(1).max(80).optional(),
      ignoreCase: z.boolean().optional(),
    })
    .strict(),
  attempts: 1,
  describe: (d) => `config of \`${d.device}\`${d.section ? ` (section \`${d.section}\`)` : ''}`,
  async process(data, { services }) {
    const device = services.inventory.require(data.device);
    const store = createConfigStore(services.pool);
    const v = data.version
      ? await requireVersion(store, device.name, data.version)
      : await requireLatest(store, device);
    const body = await store.body(v.sha256);
    const label = `v${v.n}, ${shortTime(v.collectedAt)}, ${v.trigger}${v.author ? ` by ${v.author}` : ''}`;
    const filename = `${device.name}-v${v.n}.cfg`;
    if (!data.section) {
      return { summary: `${device.name} config (${label})`, code: { content: body, filename } };
    }
    const settings = resolveSettings(services.configs);
    const lines = await matchBlobLines(services.pool, v.sha256, data.section, {
      ...(data.ignoreCase ? { ignoreCase: true } : {}),
      timeoutMs: settings.searchTimeoutMs,
    });
    const out = extractSections(body, lines, rulesFor(device.vendor).blocks);
    if (!out.matches) {
      return {
        summary: `${device.name}: no line matches \`${data.section}\` (${label})`,
        text: `No line of \`${device.name}\`'s config (${label}) matches \`${data.section}\`.`,
      };
    }
    return {
      summary: `${device.name}: ${out.matches} matching line${out.matches === 1 ? '' : 's'} for \`${data.section}\` (${label})`,
      code: { content: out.text, filename },
    };
  },
});
