import { z } from 'zod';
import { defineJob } from '../src/services/index.js';

/** `/net change cancel <id>`: the requester (or an admin) withdraws a change that is not being applied. */
export default defineJob({
  name: 'change.cancel',
  needs: ['changes'],
  schema: z.object({ id: z.string().regex(/^CR-\d+$/), userId: z.string() }).strict(),
  attempts: 1,
  describe: (d) => `cancel change ${d.id}`,
  async process(data, { services }) {
    const service = services.changes;
    const r = await service.cancel(data.id, data.userId);
    return { summary: r.message, ok: r.ok };
  },
});
