import { z } from 'zod';
import { speedWarnings, speedWarningText } from '../src/snmp/index.js';
import {
  formatRange,
  type GraphEnv,
  type GraphOutcome,
  graphCompare,
  graphInterface,
  graphTopN,
  isValidTimeZone,
  MAX_COMPARE,
  resolveInterfaces,
} from '../src/charts/index.js';
import type { JobResult } from '../src/chat/index.js';
import type { InterfaceRef } from '../src/metrics/index.js';
import { defineJob } from '../src/services/index.js';

const target = z.object({ device: z.string().min(1), iface: z.string().min(1).max(128) }).strict();

export const graphSchema = z
  .object({
    /** Devices whose interfaces to draw; with no `iface`, the top-N of these devices. */
    devices: z.array(z.string().min(1)).min(1).max(500),
    /** Interface name or glob on devices[0]. */
    iface: z.string().min(1).max(128).optional(),
    rangeMs: z
      .number()
      .int()
      .min(60_000)
      .max(400 * 86_400_000),
    metric: z.enum(['util', 'errors', 'discards']).default('util'),
    compare: z.array(target).max(MAX_COMPARE).default([]),
    /** How the user named the devices (a glob), for titles. */
    scope: z.string().max(200).optional(),
    timezone: z.string().refine(isValidTimeZone, 'an IANA timezone such as Europe/Paris').optional(),
    theme: z.enum(['light', 'dark']).optional(),
  })
  .strict();

function toResult(out: GraphOutcome, warnings: readonly string[] = []): JobResult {
  const said = warnings.length ? `\n:warning: ${warnings.join('\n:warning: ')}` : '';
  if (!out.file) return { summary: out.summary, text: `${out.noData ?? out.summary}${said}` };
  // A chart that goes blank above a wrong port speed says why under it.
  return { summary: out.summary, files: [out.file], ...(said ? { text: said.trim() } : {}) };
}

/**
 * `graph <device> [interface|glob] [range] [--metric …] [--compare device:if]`: renders a chart
 * from stored samples and posts it (files.uploadV2 through the job host) with a one-line summary.
 */
export default defineJob({
  name: 'graph',
  needs: ['charts', 'clock', 'config', 'inventory', 'pool'],
  schema: graphSchema,
  attempts: 2,
  backoffMs: 2_000,
  timeoutMs: 60_000,
  describe: (d) =>
    `${d.metric} chart of ${d.iface ? `${d.devices[0]} ${d.iface}` : (d.scope ?? d.devices.join(', '))}, last ${formatRange(d.rangeMs)}`,
  async process(data, { services, progress }) {
    const now = services.clock().getTime();
    const range = { from: now - data.rangeMs, to: now };
    const env: GraphEnv = {
      pool: services.pool,
      renderer: services.charts,
      timezone: data.timezone ?? services.config.timezone ?? 'UTC',
      ...(data.theme ? { theme: data.theme } : {}),
    };

    if (!data.iface) {
      const devices = data.devices.map((d) => services.inventory.require(d).name);
      return toResult(
        await graphTopN(env, range, { devices, scope: data.scope ?? devices.join(', '), limit: 10 }),
      );
    }

    const target = services.inventory.require(data.devices[0]!);
    const device = target.name;
    const notes: string[] = [];
    let ifaces: InterfaceRef[] = await resolveInterfaces(services.pool, {
      device,
      iface: data.iface,
      vendor: target.vendor,
    });
    if (!ifaces.length) {
      return {
        summary: `No interface on ${device} matches \`${data.iface}\``,
        text: `No interface on \`${device}\` matches \`${data.iface}\`. Names are matched case-insensitively, e.g. \`Ethernet1/*\`.`,
      };
    }
    for (const c of data.compare) {
      const other = services.inventory.require(c.device);
      ifaces.push(
        ...(await resolveInterfaces(services.pool, {
          device: other.name,
          iface: c.iface,
          vendor: other.vendor,
        })),
      );
    }
    // the same interface named twice (glob + --compare) is drawn once
    ifaces = ifaces.filter(
      (i, idx) => ifaces.findIndex((j) => j.device === i.device && j.ifindex === i.ifindex) === idx,
    );
    if (ifaces.length > MAX_COMPARE) {
      notes.push(
        `Showing the first ${MAX_COMPARE} of ${ifaces.length} matching interfaces; narrow the glob to see others.`,
      );
      ifaces = ifaces.slice(0, MAX_COMPARE);
    }
    if (ifaces.length > 1) await progress(`querying ${ifaces.length} interfaces…`);
    const out =
      ifaces.length === 1
        ? await graphInterface(env, ifaces[0]!, range, data.metric)
        : await graphCompare(env, ifaces, range, data.metric, notes);
    const warnings: string[] = [];
    for (const dev of new Set(ifaces.map((i) => i.device))) {
      for (const w of await speedWarnings(services.pool, dev))
        if (ifaces.some((i) => i.device === dev && i.ifindex === w.ifIndex))
          warnings.push(speedWarningText(dev, w));
    }
    return toResult(out, warnings);
  },
});
