import { z } from 'zod';
import { createComplianceStore } from '../src/compliance/index.js';
import { shortTime } from '../src/configs/index.js';
import { defineJob } from '../src/services/index.js';

/** `compliance history <device|rule>`: each change of a result, newest first, with the version and its author. */
export default defineJob({
  name: 'compliance.history',
  needs: ['pool'],
  schema: z
    .object({
      device: z.string().min(1).optional(),
      rule: z.string().min(1).optional(),
      limit: z.number().int().min(1).max(200).default(50),
    })
    .strict()
    .refine((d) => d.device || d.rule, 'a device or a rule'),
  attempts: 1,
  describe: (d) => `compliance history of \`${d.device ?? d.rule}\``,
  async process(data, { services }) {
    const store = createComplianceStore(services.pool);
    const filter = {
      ...(data.device ? { device: data.device } : {}),
      ...(data.rule ? { rule: data.rule } : {}),
    };
    const [rows, now] = await Promise.all([
      store.history({ ...filter, limit: data.limit }),
      store.latest(data.device ? { devices: [data.device] } : { rule: data.rule! }),
    ]);
    const subject = data.device ?? data.rule!;
    if (!rows.length) return { summary: `no compliance history for \`${subject}\` yet` };
    const failing = now.filter((s) => s.status !== 'compliant');
    const state = failing.length
      ? failing
          .map((s) => `${data.device ? s.rule : s.device} failing since ${shortTime(s.since)}`)
          .slice(0, 10)
          .join('; ')
      : 'all compliant now';
    const lines = rows.map((r) => {
      const who = r.author ? ` by ${r.author}` : '';
      const v = r.versionN !== null ? ` v${r.versionN}` : '';
      const diff = r.missing.length || r.extra.length ? ` (+${r.missing.length} −${r.extra.length})` : '';
      return `${shortTime(r.at)}  ${data.device ? r.rule : r.device}  ${r.status}${v}${who}${diff}`;
    });
    return {
      summary: `compliance history of \`${subject}\`: ${state}`,
      code: { content: `${lines.join('\n')}\n`, filename: `compliance-history-${subject}.txt` },
    };
  },
});
