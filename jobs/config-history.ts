import { z } from 'zod';
import { age, createConfigStore, requireLatest, shortTime } from '../src/configs/index.js';
import { ErrorCode, NetopsError } from '../src/errors.js';
import { defineJob } from '../src/services/index.js';
import { textTable } from '../src/text/index.js';

/** `config history <device> [--before <id>] [--limit N]`: newest first, one keyset page at a time. */
export default defineJob({
  name: 'config.history',
  needs: ['clock', 'inventory', 'pool'],
  schema: z
    .object({
      device: z.string().min(1),
      limit: z.number().int().min(1).max(200).default(20),
      /** Continue below this version id (the last one of the previous page). */
      before: z.number().int().positive().optional(),
    })
    .strict(),
  attempts: 1,
  describe: (d) => `config history of \`${d.device}\``,
  async process(data, { services }) {
    const device = services.inventory.require(data.device);
    const store = createConfigStore(services.pool);
    const latest = await requireLatest(store, device);
    let before: { collectedAt: Date; id: number } | undefined;
    if (data.before !== undefined) {
      const anchor = await store.resolve(device.name, String(data.before));
      if (!anchor) {
        throw new NetopsError(ErrorCode.NOT_FOUND, `no version ${data.before} of ${device.name}`, {
          userMessage: `\`${device.name}\` has no version ${data.before}.`,
        });
      }
      before = { collectedAt: anchor.collectedAt, id: anchor.id };
    }
    const page = await store.list(device.name, { limit: data.limit, ...(before ? { before } : {}) });
    const now = services.clock();
    const checked = await store.checkedAt(device.name);
    const table = textTable(
      ['VERSION', 'COLLECTED (UTC)', 'AGE', 'TRIGGER', 'AUTHOR', 'BYTES', 'SHA'],
      page.versions.map((v) => [
        `v${v.n}${v.id === latest.id ? ' *' : ''}`,
        shortTime(v.collectedAt),
        age(v.collectedAt, now),
        v.trigger,
        v.author ?? '-',
        String(v.bytes),
        v.sha256.slice(0, 10),
      ]),
    );
    const more = page.next
      ? `\nMore: \`config history ${device.name} --before v${page.versions[page.versions.length - 1]!.n}\``
      : '';
    const lastCheck = checked ? `last checked ${age(checked, now)}` : '';
    return {
      summary: `${device.name}: ${page.versions.length} version${page.versions.length === 1 ? '' : 's'} shown, latest v${latest.n}${lastCheck ? `, ${lastCheck}` : ''}`,
      code: { content: `${table}${more}\n`, filename: `${device.name}-history.txt` },
    };
  },
});
