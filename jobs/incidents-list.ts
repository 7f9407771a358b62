import { z } from 'zod';
import { createIncidentStore, duration, type Incident } from '../src/incidents/index.js';
import { defineJob } from '../src/services/index.js';
import { textTable } from '../src/text/index.js';

function median(xs: number[]): number | undefined {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1]! + s[m]!) / 2;
}

function mttaMttr(list: readonly Incident[]): { mtta?: number; mttr?: number } {
  const tta = list.filter((i) => i.ackedAt).map((i) => i.ackedAt!.getTime() - i.openedAt.getTime());
  const ttr = list.filter((i) => i.resolvedAt).map((i) => i.resolvedAt!.getTime() - i.openedAt.getTime());
  const avg = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : undefined);
  const a = avg(tta);
  const r = avg(ttr);
  return { ...(a !== undefined ? { mtta: a } : {}), ...(r !== undefined ? { mttr: r } : {}) };
}

const fmt = (ms: number | undefined) => (ms === undefined ? '-' : duration(ms));

/** `/net incidents [open|7d] [--by device|site]`: incidents with MTTA/MTTR. */
export default defineJob({
  name: 'incidents.list',
  needs: ['pool'],
  schema: z
    .object({
      open: z.boolean(),
      sinceMs: z
        .number()
        .int()
        .positive()
        .max(400 * 86_400_000)
        .optional(),
      by: z.enum(['device', 'site']).optional(),
    })
    .strict(),
  attempts: 3,
  describe: (d) => `incidents${d.open ? ' (open)' : ''}${d.by ? ` by ${d.by}` : ''}`,
  async process(data, { services }) {
    const store = createIncidentStore(services.pool);
    const list = await store.list({
      open: data.open,
      ...(data.sinceMs ? { sinceMs: data.sinceMs } : {}),
      limit: 1_000,
    });
    if (list.length === 0) {
      return {
        summary: 'no incidents',
        text: data.open ? 'No open incidents. 🎉' : 'No incidents in that range.',
      };
    }
    const { mtta, mttr } = mttaMttr(list);
    const head = `${list.length} incident${list.length === 1 ? '' : 's'} · MTTA ${fmt(mtta)} · MTTR ${fmt(mttr)}`;
    if (data.by) {
      const groups = new Map<string, Incident[]>();
      for (const i of list) {
        const keys =
          data.by === 'site' ? [i.site ?? '(no site)'] : i.devices.length ? i.devices : ['(no device)'];
        for (const k of keys) groups.set(k, [...(groups.get(k) ?? []), i]);
      }
      const rows = [...groups.entries()]
        .sort((a, b) => b[1].length - a[1].length)
        .map(([k, xs]) => {
          const m = mttaMttr(xs);
          const ttr = median(
            xs.filter((i) => i.resolvedAt).map((i) => i.resolvedAt!.getTime() - i.openedAt.getTime()),
          );
          return [
            k,
            String(xs.length),
            String(xs.filter((i) => i.state !== 'resolved').length),
            fmt(m.mtta),
            fmt(m.mttr),
            fmt(ttr),
          ];
        });
      return {
        summary: head,
        text: head,
        code: {
          content: textTable(
            [data.by.toUpperCase(), 'INCIDENTS', 'OPEN', 'MTTA', 'MTTR', 'MEDIAN TTR'],
            rows,
          ),
          filename: `incidents-by-${data.by}.txt`,
        },
      };
    }
    const rows = list.map((i) => [
      `#${i.id}`,
      i.state,
      i.openedAt.toISOString().slice(0, 16).replace('T', ' '),
      i.title.length > 48 ? `${i.title.slice(0, 47)}…` : i.title,
      String(i.firing + i.resolved),
      i.ackedAt ? duration(i.ackedAt.getTime() - i.openedAt.getTime()) : '-',
      i.resolvedAt ? duration(i.resolvedAt.getTime() - i.openedAt.getTime()) : '-',
    ]);
    return {
      summary: head,
      text: head,
      code: {
        content: textTable(['ID', 'STATE', 'OPENED (UTC)', 'TITLE', 'ALERTS', 'TTA', 'TTR'], rows),
        filename: 'incidents.txt',
      },
    };
  },
});
