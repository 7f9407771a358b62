import { z } from 'zod';
import { rollbackDevice, changeEngine } from '../src/changes/index.js';
import { userText } from '../src/errors.js';
import { defineJob } from '../src/services/index.js';

/**
 * The emulated confirm window (NX-OS, FRR): enqueued with a delay before the commit, it restores
 * the backup unless the device was confirmed by then. It runs on any worker, so a dead worker's
 * change still rolls back.
 */
export default defineJob({
  name: 'change.rollback',
  needs: ['changes', 'clock', 'configs', 'devices', 'inventory', 'pool', 'responder'],
  queue: 'devices',
  schema: z.object({ id: z.string().regex(/^CR-\d+$/), device: z.string().min(1) }).strict(),
  attempts: 5,
  backoffMs: 10_000,
  describe: (d) => `confirm window of change ${d.id} on \`${d.device}\``,
  async process(data, { services, signal }) {
    const engine = changeEngine(services, signal);
    const store = services.changes.store;
    const c = await store.get(data.id);
    const row = (await store.devices(data.id)).find((d) => d.device === data.device);
    if (!c || !row || !['committing', 'committed'].includes(row.state) || !row.backupSha) {
      return { summary: `change ${data.id} on ${data.device}: confirmed or already handled` };
    }
    const device = services.inventory.require(data.device);
    const r = await rollbackDevice(
      engine,
      device,
      { tag: c.id.toLowerCase(), minutes: c.rollbackMinutes },
      await engine.configs.body(row.backupSha),
    ).catch((err) => ({ restored: false, detail: userText(err) }));
    await store.setDevice(c.id, data.device, r.restored ? 'rolled_back' : 'failed', {
      confirmBy: null,
      detail: `confirm window ended without a confirm: ${r.detail}`,
    });
    if (c.cardTs) {
      await services.responder.post(
        { channel: c.channel, threadTs: c.cardTs },
        {
          text: `:rewind: \`${data.device}\`: the confirm window ended without a confirm; ${r.restored ? 'restored the backup' : `restore incomplete: ${r.detail}`}`,
        },
      );
    }
    return {
      summary: `change ${c.id} on ${data.device}: ${r.restored ? 'rolled back' : 'rollback incomplete'}`,
      ok: r.restored,
    };
  },
});
