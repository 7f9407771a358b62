import { z } from 'zod';
import { CHANGE_STATES, OPEN_STATES, stateLabel } from '../src/changes/index.js';
import { defineJob } from '../src/services/index.js';
import { textTable } from '../src/text/index.js';

/** `/net changes [open|mine|7d]`: recent change requests with state, devices, who and when. */
export default defineJob({
  name: 'changes.list',
  needs: ['changes', 'clock'],
  schema: z
    .object({
      filter: z.enum(['open', 'mine', 'recent']),
      sinceMs: z.number().int().positive().optional(),
      userId: z.string(),
      limit: z.number().int().min(1).max(200).default(20),
    })
    .strict(),
  attempts: 3,
  describe: (d) => `\`changes ${d.filter}\``,
  async process(data, { services }) {
    const store = services.changes.store;
    const rows = await store.list({
      ...(data.filter === 'open' ? { states: OPEN_STATES } : { states: [...CHANGE_STATES] }),
      ...(data.filter === 'mine' ? { requester: data.userId } : {}),
      ...(data.sinceMs ? { since: new Date(services.clock().getTime() - data.sinceMs) } : {}),
      limit: data.limit,
    });
    if (!rows.length) return { summary: 'no change requests', text: 'No change requests match.' };
    const table = textTable(
      ['ID', 'STATE', 'DEVICES', 'REQUESTER', 'APPROVER', 'CREATED', 'REASON'],
      rows.map((c) => [
        c.id,
        c.state,
        c.devices.length > 3
          ? `${c.devices.slice(0, 3).join(',')} +${c.devices.length - 3}`
          : c.devices.join(','),
        c.requester,
        c.approver ?? '-',
        c.createdAt.toISOString().slice(0, 16).replace('T', ' '),
        c.reason.slice(0, 40),
      ]),
    );
    const open = rows.filter((r) => OPEN_STATES.includes(r.state)).length;
    return {
      summary: `${rows.length} change request(s), ${open} open`,
      code: { content: table, filename: 'changes.txt' },
      text: rows.slice(0, 1).map((r) => `latest: ${r.id} ${stateLabel(r.state)}`)[0] ?? '',
    };
  },
});
