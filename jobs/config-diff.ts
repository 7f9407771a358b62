import { z } from 'zod';
import {
  createConfigStore,
  diffVersions,
  requireLatest,
  requireVersion,
  shortTime,
  type ConfigVersion,
} from '../src/configs/index.js';
import { parseDuration } from '../src/config.js';
import { ErrorCode, NetopsError } from '../src/errors.js';
import { defineJob } from '../src/services/index.js';

/**
 * `config diff <device> [v1] [v2] | --since 24h`.
 * No refs: the latest change (previous → latest). One ref: that version → latest.
 * --since: the config as it stood then → latest.
 */
export default defineJob({
  name: 'config.diff',
  needs: ['clock', 'inventory', 'pool'],
  schema: z
    .object({
      device: z.string().min(1),
      from: z.string().min(1).max(80).optional(),
      to: z.string().min(1).max(80).optional(),
      since: z
        .string()
        .regex(/^\d+(ms|s|m|h|d|w)$/)
        .optional(),
      context: z.number().int().min(0).max(50).default(3),
    })
    .strict(),
  attempts: 1,
  describe: (d) => `config diff of \`${d.device}\``,
  async process(data, { services }) {
    const device = services.inventory.require(data.device);
    const store = createConfigStore(services.pool);
    const latest = await requireLatest(store, device);
    let from: ConfigVersion | undefined;
    let to: ConfigVersion = latest;
    let note = '';
    if (data.since) {
      const at = new Date(services.clock().getTime() - parseDuration(data.since));
      from = await store.at(device.name, at);
      if (!from) {
        const page = await store.list(device.name, { limit: 1000 });
        from = page.versions[page.versions.length - 1];
        note = ` (no version as old as ${data.since}; compared with the oldest kept, v${from?.n})`;
      }
    } else if (data.from) {
      from = await requireVersion(store, device.name, data.from);
      if (data.to) to = await requireVersion(store, device.name, data.to);
    } else {
      from = await store.resolve(device.name, '~1');
      if (!from) {
        throw new NetopsError(ErrorCode.NOT_FOUND, `only one version of ${device.name}`, {
          context: { device: device.name },
          userMessage: `\`${device.name}\` has a single stored version (v${latest.n}, ${shortTime(latest.collectedAt)}), so there is nothing to compare yet.`,
          hint: `\`config show ${device.name}\` prints it.`,
        });
      }
    }
    if (!from) throw new NetopsError(ErrorCode.INTERNAL, 'diff base missing');
    if (from.sha256 === to.sha256) {
      const text = data.since
        ? `No change to \`${device.name}\` in the last ${data.since}: v${to.n} (${shortTime(to.collectedAt)}) is still the latest${note}.`
        : from.id === to.id
          ? `v${from.n} is the latest version of \`${device.name}\`: nothing to compare.`
          : `v${from.n} and v${to.n} of \`${device.name}\` are identical.`;
      return { summary: `${device.name}: no difference`, text };
    }
    const [a, b] = await Promise.all([store.body(from.sha256), store.body(to.sha256)]);
    const diff = diffVersions(from, a, to, b, data.context);
    return {
      summary: `${device.name}: v${from.n} → v${to.n}, +${diff.added} −${diff.removed}${note}`,
      code: { content: diff.text, filename: `${device.name}-v${from.n}-v${to.n}.diff`, language: 'diff' },
    };
  },
});
