import { z } from 'zod';
import { resolveSettings, searchConfigs, shortTime } from '../src/configs/index.js';
import { defineJob } from '../src/services/index.js';

/** `config search <regex> [--devices glob] [--context N] [--missing]` over every device's latest config. */
export default defineJob({
  name: 'config.search',
  needs: ['configs', 'inventory', 'pool'],
  schema: z
    .object({
      pattern: z.string().min(1).max(256),
      devices: z.string().min(1).optional(),
      context: z.number().int().min(0).max(20).default(0),
      missing: z.boolean().default(false),
      ignoreCase: z.boolean().default(false),
    })
    .strict(),
  attempts: 1,
  timeoutMs: 60_000,
  describe: (d) => `config search \`${d.pattern}\`${d.missing ? ' (missing)' : ''}`,
  async process(data, { services }) {
    const settings = resolveSettings(services.configs);
    // Scope: the inventory (optionally filtered); devices that left the inventory are not reported.
    const scope = data.devices
      ? services.inventory.match({ pattern: data.devices })
      : services.inventory.list();
    const names = scope.map((d) => d.name);
    const r = await searchConfigs(services.pool, {
      pattern: data.pattern,
      devices: names,
      context: data.context,
      ignoreCase: data.ignoreCase,
      detailLimit: data.missing ? 0 : 50,
      timeoutMs: settings.searchTimeoutMs,
    });
    const took = `${Math.round(r.elapsedMs)} ms`;
    if (data.missing) {
      const lines = [
        ...r.nonMatching.map((d) => `${d}`),
        ...(r.neverBackedUp.length
          ? ['', `never backed up (${r.neverBackedUp.length}):`, ...r.neverBackedUp]
          : []),
      ];
      return {
        // The summary is also what `jobs` lists: it counts every device in scope, never-backed-up ones too.
        summary: `${r.nonMatching.length} of ${names.length} device${names.length === 1 ? '' : 's'} lack \`${data.pattern}\`${r.neverBackedUp.length ? `; ${r.neverBackedUp.length} never backed up` : ''} (${took})`,
        ...(lines.length
          ? { code: { content: `${lines.join('\n')}\n`, filename: 'config-search-missing.txt' } }
          : {}),
      };
    }
    if (!r.hits.length) {
      return {
        summary: `no match for \`${data.pattern}\` in ${r.scanned} device${r.scanned === 1 ? '' : 's'} (${took})`,
        ...(r.neverBackedUp.length
          ? { text: `${r.neverBackedUp.length} device(s) in scope have no backup yet.` }
          : {}),
      };
    }
    const blocks: string[] = [];
    for (const h of r.hits) {
      if (!h.lines) {
        blocks.push(`== ${h.device}`);
        continue;
      }
      blocks.push(
        `== ${h.device} (${h.matchCount} line${h.matchCount === 1 ? '' : 's'}, ${shortTime(h.collectedAt)})`,
      );
      let prev = 0;
      for (const l of h.lines) {
        if (prev && l.n > prev + 1) blocks.push('   --');
        blocks.push(`${String(l.n).padStart(5)}${l.match ? ':' : '-'} ${l.text}`);
        prev = l.n;
      }
    }
    const hidden = r.hits.filter((h) => !h.lines).length;
    if (hidden)
      blocks.push(
        '',
        `(lines shown for the first ${r.hits.length - hidden} devices; the rest are listed by name)`,
      );
    return {
      summary: `\`${data.pattern}\` matches ${r.hits.length} of ${r.scanned} device${r.scanned === 1 ? '' : 's'} (${took})`,
      code: { content: `${blocks.join('\n')}\n`, filename: 'config-search.txt' },
    };
  },
});
