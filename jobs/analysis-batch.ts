import { z } from 'zod';
import { analyseDevices } from '../src/anomalies/index.js';
import { defineJob } from '../src/services/index.js';

/**
 * Incremental anomaly analysis of the devices a poll stored together (enqueued by a round's store
 * for each of its batches, and by each `snmp.poll` job for its device; one job per batch and minute): analysis.device for each of them, with their reads
 * shared. A device that left the inventory is skipped; one whose run fails is reported in the
 * summary and does not stop the others.
 */
export default defineJob({
  name: 'analysis.batch',
  needs: ['config', 'inventory', 'pool', 'responder', 'charts', 'clock'],
  queue: 'analysis',
  schema: z.object({ devices: z.array(z.string().min(1)).min(1).max(10_000) }).strict(),
  // The next round brings the next run within a minute: a retry would only be late.
  attempts: 1,
  timeoutMs: 50_000,
  describe: (d) => `anomaly analysis of ${d.devices.length} device(s)`,
  async process(data, { services, log }) {
    const known = data.devices.filter((d) => services.inventory.get(d));
    const gone = data.devices.length - known.length;
    if (!known.length)
      return { summary: `skipped: none of the ${gone} device(s) is in the inventory any more` };
    const { channels } = services.config;
    const r = await analyseDevices(
      {
        pool: services.pool,
        responder: services.responder,
        timezone: services.config.timezone ?? 'UTC',
        channelFor: (name) => services.inventory.get(name)?.channel ?? channels.alerts ?? channels.ops,
        renderer: services.charts,
        log,
      },
      known,
      services.clock(),
    );
    const parts = [
      `${r.devices} devices: ${r.series} series on ${r.interfaces} interfaces (${r.learning} still learning); ${r.opened.length} new, ${r.cleared} cleared`,
    ];
    if (gone) parts.push(`${gone} no longer in the inventory`);
    if (r.failed.length)
      parts.push(
        `${r.failed.length} failed (${r.failed
          .slice(0, 3)
          .map((f) => `${f.device}: ${f.error}`)
          .join('; ')}${r.failed.length > 3 ? '; …' : ''})`,
      );
    return { summary: parts.join('; ') };
  },
});
