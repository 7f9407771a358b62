import { z } from 'zod';
import { changeJobServices } from '../src/changes/index.js';
import { defineJob } from '../src/queue/index.js';

/** `/net change cancel <id>`: the requester (or an admin) withdraws a change that is not being applied. */
export default defineJob({
  name: 'change.cancel',
  schema: z.object({ id: z.string().regex(/^CR-\d+$/), userId: z.string() }).strict(),
  attempts: 1,
  describe: (d) => `cancel change ${d.id}`,
  async process(data, { services }) {
    const { service } = changeJobServices(services);
    const r = await service.cancel(data.id, data.userId);
    return { summary: r.message, ok: r.ok };
  },
});
