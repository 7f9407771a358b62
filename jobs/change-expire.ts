import { z } from 'zod';
import { approvalCard } from '../src/changes/index.js';
import { defineJob } from '../src/services/index.js';

/** Ends the approval window of a change nobody approved: state expired, locks released, card edited. */
export default defineJob({
  name: 'change.expire',
  needs: ['changes', 'clock', 'enqueue', 'responder'],
  schema: z.object({ id: z.string().regex(/^CR-\d+$/) }).strict(),
  attempts: 3,
  describe: (d) => `approval expiry of change ${d.id}`,
  async process(data, { services }) {
    const store = services.changes.store;
    const c = await store.get(data.id);
    if (c?.state !== 'awaiting_approval') return { summary: `change ${data.id}: nothing to expire` };
    // The delay is a hint; the stored deadline decides (a re-dry-run moves it).
    if (c.expiresAt?.getTime() !== undefined && c.expiresAt.getTime() > services.clock().getTime()) {
      await services.enqueue(
        'change.expire',
        { id: c.id },
        {
          jobId: `expire-${c.id}-${c.expiresAt.getTime()}`,
          delayMs: c.expiresAt.getTime() - services.clock().getTime(),
        },
      );
      return { summary: `change ${c.id}: not yet expired` };
    }
    const done = await store.transition(c.id, ['awaiting_approval'], 'expired', {
      detail: 'nobody approved it in time',
    });
    if (done?.cardTs) {
      await services.responder.update(
        { channel: done.channel, ts: done.cardTs },
        approvalCard(done, { diffAsFile: false }),
      );
      await services.responder.post(
        { channel: done.channel, threadTs: done.cardTs },
        { text: ':alarm_clock: approval window ended; locks released.' },
      );
    }
    return { summary: `change ${data.id} expired` };
  },
});
