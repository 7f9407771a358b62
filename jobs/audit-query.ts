import { z } from 'zod';
import { defineJob } from '../src/services/index.js';
import { createAuditLog, type AuditRecord } from '../src/storage/index.js';
import { textTable } from '../src/text/index.js';

/** Rows shown in Slack; the rest goes up as CSV. */
const SHOWN = 20;

function csvCell(v: string): string {
  // Quote everything that could break a row or be read as a formula by a spreadsheet.
  const safe = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return /[",\n\r']/.test(safe) || safe !== v ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function auditCsv(rows: readonly AuditRecord[]): string {
  const header = [
    'time',
    'user',
    'user_name',
    'channel',
    'source',
    'command',
    'action',
    'devices',
    'status',
    'rule',
    'job',
    'text',
    'result',
  ];
  const lines = rows.map((r) =>
    [
      r.createdAt.toISOString(),
      r.userId ?? '',
      r.userName ?? '',
      r.channelId ?? '',
      r.source,
      r.command ?? '',
      r.action ?? '',
      r.devices.join(' '),
      r.status,
      r.rule ?? '',
      r.jobId ?? '',
      r.text,
      r.resultSummary ?? '',
    ]
      .map(csvCell)
      .join(','),
  );
  return [header.join(','), ...lines].join('\n') + '\n';
}

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/** `/net audit [user|device] [--since 7d]`: the audit trail, newest first; a CSV file when long. */
export default defineJob({
  name: 'audit.query',
  needs: ['pool', 'clock'],
  schema: z
    .object({
      userId: z
        .string()
        .regex(/^[UW][A-Z0-9]{2,}$/)
        .optional(),
      device: z.string().min(1).max(200).optional(),
      sinceMs: z.number().int().positive(),
      limit: z.number().int().min(1).max(5_000),
    })
    .strict(),
  attempts: 2,
  action: 'audit',
  describe: (d) => (d.userId ? `audit of <@${d.userId}>` : d.device ? `audit of \`${d.device}\`` : 'audit'),
  async process(data, { services, jobId }) {
    const now = services.clock();
    const rows = (
      await createAuditLog(services.pool).search({
        ...(data.userId ? { userId: data.userId } : {}),
        ...(data.device ? { device: data.device } : {}),
        since: new Date(now.getTime() - data.sinceMs),
        limit: data.limit + 1,
      })
    ).filter((r) => r.jobId !== jobId);
    const about = data.userId ? `<@${data.userId}>` : data.device ? `\`${data.device}\`` : 'everyone';
    if (rows.length === 0)
      return { summary: 'no audit entries', text: `Nothing in the audit log for ${about} in that time.` };
    const shown = rows.slice(0, SHOWN);
    const table = textTable(
      ['WHEN (UTC)', 'WHO', 'WHERE', 'WHAT', 'ACTION', 'OUTCOME'],
      shown.map((r) => [
        r.createdAt.toISOString().slice(0, 19).replace('T', ' '),
        r.userName ?? r.userId ?? '-',
        r.channelId ?? '-',
        clip(r.text, 50),
        r.action ?? '-',
        r.status +
          (r.status === 'denied' || r.status === 'rejected' || r.status === 'failed'
            ? `: ${clip(r.resultSummary ?? '', 60)}`
            : ''),
      ]),
    );
    const more = rows.length > SHOWN;
    const capped = rows.length > data.limit;
    const all = rows.slice(0, data.limit);
    return {
      summary: `${all.length}${capped ? '+' : ''} audit entr${all.length === 1 ? 'y' : 'ies'} for ${about}`,
      code: { content: table, filename: 'audit.txt' },
      ...(more
        ? {
            text: `Newest ${SHOWN} shown; all ${all.length}${capped ? ` (capped at --limit ${data.limit})` : ''} in the CSV.`,
            files: [
              {
                filename: `audit-${now.toISOString().slice(0, 10)}.csv`,
                content: auditCsv(all),
                title: `audit for ${about.replace(/[<>@`]/g, '')}`,
              },
            ],
          }
        : {}),
    };
  },
});
