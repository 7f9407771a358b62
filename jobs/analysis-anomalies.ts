import { z } from 'zod';
import { feedbackLine, groupFeedback, listAnomalies, WHAT } from '../src/anomalies/index.js';
import { formatRange } from '../src/charts/index.js';
import { defineJob } from '../src/services/index.js';
import { textTable } from '../src/text/index.js';

/** `/net anomalies [range] [scope]`: open ones first, then recent, with explanation and feedback. */
export default defineJob({
  name: 'analysis.anomalies',
  needs: ['config', 'pool', 'clock'],
  schema: z
    .object({
      rangeMs: z
        .number()
        .int()
        .min(60_000)
        .max(400 * 86_400_000),
      devices: z.array(z.string().min(1)).max(5000).optional(),
      scope: z.string().max(200).optional(),
    })
    .strict(),
  attempts: 2,
  describe: (d) => `anomalies of ${d.scope ?? 'all devices'}, last ${formatRange(d.rangeMs)}`,
  async process(data, { services }) {
    const now = services.clock();
    const tz = services.config.timezone ?? 'UTC';
    const rows = await listAnomalies(services.pool, {
      from: new Date(now.getTime() - data.rangeMs),
      to: now,
      ...(data.devices ? { devices: data.devices } : {}),
    });
    const scope = data.scope ?? 'all devices';
    const span = formatRange(data.rangeMs);
    if (!rows.length) {
      const msg = `No anomalies on ${scope} in the last ${span}.`;
      return { summary: msg, text: msg };
    }
    const feedback = await groupFeedback(services.pool, [
      ...new Set(rows.map((r) => r.groupId).filter((g): g is number => g !== null)),
    ]);
    const byGroup = new Map<number, string[]>();
    for (const f of feedback) {
      const list = byGroup.get(f.groupId) ?? [];
      list.push(feedbackLine(f, tz).replace(/<@([^>]+)>/, '$1'));
      byGroup.set(f.groupId, list);
    }
    const when = (d: Date) =>
      new Intl.DateTimeFormat('en-GB', {
        timeZone: tz,
        month: 'short',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        hour12: false,
      }).format(d);
    const open = rows.filter((r) => !r.clearedAt).length;
    const table = textTable(
      ['STATE', 'SINCE', 'DEVICE', 'INTERFACE', 'WHAT', 'KIND', 'FEEDBACK'],
      rows.map((r) => [
        r.clearedAt ? `cleared ${when(r.clearedAt)}` : 'OPEN',
        when(r.since),
        r.device,
        r.ifname,
        WHAT[r.metric] ?? r.metric,
        r.kind,
        (r.groupId !== null ? byGroup.get(r.groupId) : undefined)?.join('; ') ?? '',
      ]),
    );
    const explanations = rows.map((r, i) => `${i + 1}. ${r.explanation}`).join('\n');
    const summary = `${rows.length} anomalies on ${scope} in the last ${span} (${open} open)`;
    return {
      summary,
      code: { content: `${table}\n\n${explanations}\n`, filename: 'anomalies.txt' },
    };
  },
});
