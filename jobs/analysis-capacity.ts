import { z } from 'zod';
import { interfaceCapacity, type InterfaceCapacity } from '../src/anomalies/index.js';
import { projection } from '../src/analysis/index.js';
import { formatBits, graphForecast } from '../src/charts/index.js';
import { listInterfaces } from '../src/metrics/index.js';
import type { JobResult } from '../src/chat/index.js';
import { defineJob } from '../src/services/index.js';
import { textTable } from '../src/text/index.js';

const DAY = 86_400_000;
const MAX_INTERFACES = 400;

/** `/net capacity [scope]`: soonest saturation first, honest about short histories, chart of the first. */
export default defineJob({
  name: 'analysis.capacity',
  needs: ['config', 'pool', 'charts', 'clock'],
  schema: z
    .object({ devices: z.array(z.string().min(1)).min(1).max(5000), scope: z.string().max(200).optional() })
    .strict(),
  attempts: 2,
  timeoutMs: 300_000,
  describe: (d) => `capacity forecast of ${d.scope ?? d.devices.join(', ')}`,
  async process(data, { services, progress }): Promise<JobResult> {
    const now = services.clock();
    const tz = services.config.timezone ?? 'UTC';
    const ifaces = [];
    for (const d of data.devices) ifaces.push(...(await listInterfaces(services.pool, d)));
    const notes: string[] = [];
    if (ifaces.length > MAX_INTERFACES) {
      notes.push(
        `Showing the first ${MAX_INTERFACES} of ${ifaces.length} interfaces; narrow the scope for the rest.`,
      );
      ifaces.length = MAX_INTERFACES;
    }
    const done: InterfaceCapacity[] = [];
    const skipped: string[] = [];
    for (const [i, iface] of ifaces.entries()) {
      if (i % 50 === 49) await progress(`${i + 1}/${ifaces.length} interfaces…`);
      const r = await interfaceCapacity(services.pool, iface, now, 0.8, tz);
      if ('reason' in r) skipped.push(`${iface.device} ${iface.name}: ${r.reason}`);
      else done.push(r);
    }
    const rank = (c: InterfaceCapacity) =>
      c.forecast.crossingAt ?? (c.forecast.status === 'not-enough-data' ? 3e15 : 2e15 - c.forecast.lastLevel);
    done.sort((a, b) => rank(a) - rank(b));
    const when = (t: number | null) => (t === null ? '–' : new Date(t).toISOString().slice(0, 10));
    const rows = done.slice(0, 30).map((c) => {
      const f = c.forecast;
      const status =
        f.status === 'crossing'
          ? `crosses ${when(f.crossingAt)} (${when(f.crossingLow)} – ${f.crossingHigh ? when(f.crossingHigh) : 'open'})`
          : f.status === 'already-above'
            ? 'ALREADY ABOVE 80 %'
            : f.reason;
      return [
        c.iface.device,
        c.iface.name,
        c.direction,
        formatBits(f.lastLevel),
        `${Math.round((f.lastLevel / (c.iface.speedBps ?? 1)) * 100)} %`,
        f.primary ? `${formatBits(f.slopePerDay * 30)}/30d` : '–',
        status,
      ];
    });
    const table = textTable(['DEVICE', 'INTERFACE', 'DIR', 'P95 NOW', 'OF SPEED', 'TREND', 'FORECAST'], rows);
    const crossing = done.filter((c) => c.forecast.crossingAt !== null);
    const first = crossing[0];
    const summary = first
      ? `${crossing.length} of ${done.length} interfaces projected to reach 80 %; soonest ${first.iface.device} ${first.iface.name} around ${when(first.forecast.crossingAt)}`
      : `No interface of ${data.scope ?? 'the scope'} is projected to reach 80 % within a year (${done.filter((c) => c.forecast.status === 'not-enough-data').length} without enough history)`;
    const body = [
      summary,
      '',
      table,
      ...(skipped.length ? ['', `Not forecast: ${skipped.slice(0, 20).join('; ')}`] : []),
      ...notes,
    ].join('\n');
    const result: JobResult = { summary, code: { content: `${body}\n`, filename: 'capacity.txt' } };
    if (first?.forecast.primary) {
      const f = first.forecast;
      const until = Math.max(f.crossingAt! + 7 * DAY, now.getTime() + 14 * DAY);
      const p = projection(f, now.getTime(), until);
      const chart = await graphForecast(
        { renderer: services.charts, timezone: tz },
        {
          subject: `${first.iface.device} ${first.iface.name} ${first.direction}`,
          history: first.daily.map((d) => ({ x: d.day + DAY / 2, y: d.p95 })),
          projection: p.line,
          band: { upper: p.upper, lower: p.lower },
          thresholdBps: f.thresholdBps,
          thresholdLabel: `80 % of ${formatBits(first.iface.speedBps ?? 0)}`,
          crossingAt: f.crossingAt,
          speedBps: first.iface.speedBps,
        },
      );
      if (chart.file) result.files = [chart.file];
    }
    return result;
  },
});
