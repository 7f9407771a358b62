import { z } from 'zod';
import { analyseDevice } from '../src/anomalies/index.js';
import { defineJob } from '../src/services/index.js';

/**
 * Incremental anomaly analysis of one device, on demand: new anomalies are posted (grouped per
 * device, with a chart), cleared ones edited. Polls enqueue `analysis.batch` instead (one job for
 * the devices a poll or a round stored); this one stays for a run by hand.
 */
export default defineJob({
  name: 'analysis.device',
  needs: ['config', 'inventory', 'pool', 'responder', 'charts', 'clock'],
  queue: 'analysis',
  schema: z.object({ device: z.string().min(1) }).strict(),
  // The next poll brings the next run within a minute: a retry would only be late.
  attempts: 1,
  timeoutMs: 50_000,
  describe: (d) => `anomaly analysis of \`${d.device}\``,
  async process(data, { services, log }) {
    const device = services.inventory.get(data.device);
    if (!device) return { summary: `skipped: ${data.device} is no longer in the inventory` };
    const { channels } = services.config;
    const r = await analyseDevice(
      {
        pool: services.pool,
        responder: services.responder,
        timezone: services.config.timezone ?? 'UTC',
        channelFor: () => device.channel ?? channels.alerts ?? channels.ops,
        renderer: services.charts,
        log,
      },
      device.name,
      services.clock(),
    );
    return {
      summary: `${r.device}: ${r.series} series on ${r.interfaces} interfaces (${r.learning} still learning); ${r.opened.length} new, ${r.cleared} cleared`,
    };
  },
});
