import { z } from 'zod';
import { TRIGGERS } from '../src/configs/index.js';
import { fanOutPriority } from '../src/queue/index.js';
import { defineJob } from '../src/services/index.js';

/**
 * `config backup <glob|all>`: one config.backup job per device, so every worker shares the load,
 * queued so that other people's commands are not stuck behind them (src/queue/fairness.ts).
 */
export default defineJob({
  name: 'config.backup-many',
  needs: ['enqueue', 'inventory'],
  schema: z
    .object({
      target: z.string().min(1),
      trigger: z.enum(TRIGGERS).default('manual'),
      author: z.string().max(200).optional(),
    })
    .strict(),
  attempts: 1,
  describe: (d) => `config backup of \`${d.target}\``,
  async process(data, { services, jobId, progress }) {
    const devices = services.inventory.resolve(data.target).filter((d) => d.enabled);
    let done = 0;
    for (const d of devices) {
      await services.enqueue(
        'config.backup',
        { device: d.name, trigger: data.trigger, ...(data.author ? { author: data.author } : {}) },
        // Derived ids: a retried fan-out does not queue the same backups twice. The priority lets
        // everyone else's single commands, and other fan-outs' devices, go between these.
        { jobId: `${jobId}.${d.name}`, priority: fanOutPriority(done) },
      );
      if (++done % 200 === 0) await progress(`queued ${done}/${devices.length} backups…`);
    }
    return {
      summary: `queued ${devices.length} config backup${devices.length === 1 ? '' : 's'}`,
      text:
        `Queued backups of ${devices.length} device${devices.length === 1 ? '' : 's'} matching \`${data.target}\`. ` +
        'Each new version posts its diff in the device channel (or the changes channel).',
    };
  },
});
