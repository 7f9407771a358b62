import { z } from 'zod';
import { defineJob } from '../src/services/index.js';

/** One inventory reconcile pass now (the loop in the worker runs it on file changes and periodically). */
export default defineJob({
  name: 'inventory.reconcile',
  needs: ['reconciler'],
  schema: z.object({}).strict(),
  attempts: 1,
  timeoutMs: 120_000,
  describe: () => 'inventory reconcile',
  async process(_data, { services }) {
    const r = await services.reconciler.runOnce();
    if (!r.ok)
      return {
        summary: `inventory rejected: ${r.problems.length} problem(s)`,
        text: r.problems.map((p) => `• ${p}`).join('\n'),
        ok: false,
      };
    const s = r.schedules;
    return {
      summary: `+${r.devices.added.length} −${r.devices.removed.length} ~${r.devices.changed.length} devices; schedules +${s?.added.length ?? 0} ~${s?.updated.length ?? 0} −${s?.removed.length ?? 0}`,
    };
  },
});
