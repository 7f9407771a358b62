import { z } from 'zod';
import { applyRetention, resolveSettings } from '../src/configs/index.js';
import { defineJob } from '../src/services/index.js';

/** Daily: thin old config history (keep all N days, then daily, then weekly) and drop orphaned blobs. */
export default defineJob({
  name: 'config.retention',
  needs: ['clock', 'configs', 'pool'],
  schema: z.object({}).strict(),
  attempts: 2,
  backoffMs: 60_000,
  timeoutMs: 30 * 60_000,
  describe: () => 'config history retention',
  async process(_data, { services }) {
    const { retention } = resolveSettings(services.configs);
    const r = await applyRetention(services.pool, retention, services.clock());
    return {
      summary: `config retention: ${r.versionsDropped} version(s) of ${r.devices} device(s) and ${r.blobsDropped} blob(s) dropped`,
    };
  },
});
