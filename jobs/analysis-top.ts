import { z } from 'zod';
import { topByDailyP95 } from '../src/anomalies/index.js';
import { formatBits, formatRange, formatRate, graphTopN } from '../src/charts/index.js';
import type { JobResult } from '../src/chat/index.js';
import { defineJob } from '../src/services/index.js';
import { textTable } from '../src/text/index.js';

const DAY = 86_400_000;

/**
 * `/net top [in|out|errors|discards] [range] [scope]`. Ranges of a day or more rank by each
 * interface's busiest day (daily p95 of 5-minute averages, complete days); shorter traffic ranges
 * use the rollups' top-N directly (the busier of in and out).
 */
export default defineJob({
  name: 'analysis.top',
  needs: ['config', 'pool', 'charts', 'clock'],
  schema: z
    .object({
      what: z.enum(['in', 'out', 'errors', 'discards']),
      rangeMs: z
        .number()
        .int()
        .min(300_000)
        .max(400 * DAY),
      limit: z.number().int().min(1).max(50).default(10),
      devices: z.array(z.string().min(1)).max(5000).optional(),
      scope: z.string().max(200).optional(),
    })
    .strict(),
  attempts: 2,
  describe: (d) => `top ${d.what} of ${d.scope ?? 'all devices'}, last ${formatRange(d.rangeMs)}`,
  async process(data, { services }): Promise<JobResult> {
    const now = services.clock().getTime();
    const scope = data.scope ?? 'all devices';
    const span = formatRange(data.rangeMs);
    if (data.rangeMs < DAY) {
      if (data.what === 'errors' || data.what === 'discards') {
        const msg = `Top ${data.what} needs a range of a day or more (daily p95s); try \`top ${data.what} 1d\`.`;
        return { summary: msg, text: msg };
      }
      const out = await graphTopN(
        {
          pool: services.pool,
          renderer: services.charts,
          timezone: services.config.timezone ?? 'UTC',
        },
        { from: now - data.rangeMs, to: now },
        { ...(data.devices ? { devices: data.devices } : {}), limit: data.limit, scope },
      );
      return out.file
        ? { summary: out.summary, files: [out.file] }
        : { summary: out.summary, text: out.noData ?? out.summary };
    }
    const today = Math.floor(now / DAY) * DAY;
    const rows = await topByDailyP95(services.pool, {
      what: data.what,
      from: new Date(today - Math.round(data.rangeMs / DAY) * DAY),
      to: new Date(today),
      limit: data.limit,
      ...(data.devices ? { devices: data.devices } : {}),
    });
    if (!rows.length) {
      const msg = `No daily figures for ${scope} in the last ${span} yet (they are kept from the first full day of analysis).`;
      return { summary: msg, text: msg };
    }
    const traffic = data.what === 'in' || data.what === 'out';
    const fmt = traffic ? formatBits : formatRate;
    const table = textTable(
      ['#', 'DEVICE', 'INTERFACE', 'P95 (BUSIEST DAY)', traffic ? 'OF SPEED' : 'METRIC', 'DAY'],
      rows.map((r, i) => [
        String(i + 1),
        r.device,
        r.name,
        fmt(r.value),
        traffic ? (r.util !== null ? `${Math.round(r.util * 100)} %` : '–') : r.metric,
        new Date(r.day).toISOString().slice(0, 10),
      ]),
    );
    const title = `Top ${rows.length} by ${data.what} p95 — ${scope}, last ${span}`;
    return {
      summary: `${title}: ${rows[0]!.device} ${rows[0]!.name} ${fmt(rows[0]!.value)}`,
      code: { content: `${title}\n\n${table}\n`, filename: 'top.txt' },
    };
  },
});
