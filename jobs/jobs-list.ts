import { z } from 'zod';
import { defineJob } from '../src/services/index.js';
import { createAuditLog } from '../src/storage/index.js';
import { textTable } from '../src/text/index.js';

function ago(from: Date, now: Date): string {
  const s = Math.max(0, Math.round((now.getTime() - from.getTime()) / 1000));
  if (s < 90) return `${s}s ago`;
  if (s < 5400) return `${Math.round(s / 60)}m ago`;
  if (s < 172_800) return `${Math.round(s / 3600)}h ago`;
  return `${Math.round(s / 86_400)}d ago`;
}

function took(r: { startedAt: Date | null; finishedAt: Date | null }): string {
  if (!r.startedAt || !r.finishedAt) return '-';
  return `${((r.finishedAt.getTime() - r.startedAt.getTime()) / 1000).toFixed(1)}s`;
}

export default defineJob({
  name: 'jobs.list',
  needs: ['clock', 'pool'],
  schema: z
    .object({ scope: z.enum(['mine', 'all']), userId: z.string(), limit: z.number().int().min(1).max(200) })
    .strict(),
  attempts: 3,
  describe: (d) => `\`jobs ${d.scope}\``,
  async process(data, { services, jobId }) {
    const audit = createAuditLog(services.pool);
    const rows = (
      await audit.recent({ ...(data.scope === 'mine' ? { userId: data.userId } : {}), limit: data.limit + 1 })
    ).filter((r) => r.jobId !== jobId);
    const shown = rows.slice(0, data.limit);
    if (!shown.length)
      return {
        summary: 'no jobs yet',
        text: data.scope === 'mine' ? 'You have not run any jobs yet.' : 'No jobs yet.',
      };
    const now = services.clock();
    const table = textTable(
      ['JOB', 'WHEN', 'WHO', 'COMMAND', 'STATUS', 'TOOK', 'RESULT'],
      shown.map((r) => [
        r.jobId ?? '-',
        ago(r.createdAt, now),
        r.userName ?? r.userId ?? '-',
        r.text.length > 40 ? `${r.text.slice(0, 39)}…` : r.text,
        r.status,
        took(r),
        (r.resultSummary ?? '').slice(0, 60),
      ]),
    );
    return {
      summary: `${shown.length} recent job${shown.length === 1 ? '' : 's'}${data.scope === 'all' ? '' : ' of yours'}`,
      code: { content: table, filename: 'jobs.txt' },
    };
  },
});
