import { z } from 'zod';
import { defineJob } from '../src/services/index.js';

/** Metrics maintenance: partitions ahead, rollups of closed buckets, retention. Scheduled as `maint:snmp.rollup`. */
export default defineJob({
  name: 'snmp.rollup',
  needs: ['clock', 'monitoring'],
  schema: z.object({}).strict(),
  attempts: 2,
  timeoutMs: 600_000,
  describe: () => 'metrics maintenance',
  async process(_data, { services }) {
    const r = await services.monitoring.maintain(services.clock());
    return {
      summary: `rollups 5m ${r.rollups['5m']} / 1h ${r.rollups['1h']} rows; partitions +${r.created.length} −${r.dropped.length}; expired 5m ${r.deleted['5m']} / 1h ${r.deleted['1h']}`,
    };
  },
});
