import { z } from 'zod';
import { ErrorCode, NetopsError } from '../src/errors.js';
import { defineJob } from '../src/services/index.js';
import { metricsFor } from '../src/metrics/index.js';
import {
  formatBps,
  formatRate,
  formatSpeed,
  speedWarnings,
  speedWarningText,
  utilisation,
} from '../src/snmp/index.js';
import { textTable } from '../src/text/index.js';

/** `/net interfaces <device>`: status, speed, current rates, utilisation and errors per interface. */
export default defineJob({
  name: 'snmp.interfaces',
  needs: ['clock', 'inventory', 'monitoring', 'pool'],
  queue: 'snmp',
  schema: z
    .object({ device: z.string().min(1), maxAgeMs: z.number().int().positive().default(600_000) })
    .strict(),
  attempts: 2,
  timeoutMs: 60_000,
  describe: (d) => `interfaces of \`${d.device}\``,
  async process(data, { services, progress, signal }) {
    const device = services.inventory.require(data.device);
    const monitoring = services.monitoring;
    let rows = await metricsFor(services.pool).latestInterfaces(device.name, data.maxAgeMs, services.clock());
    let live = false;
    if (!rows.some((r) => r.ts)) {
      if (!device.snmp) {
        throw new NetopsError(ErrorCode.BAD_ARGS, `${device.name} has no snmp settings`, {
          userMessage: `\`${device.name}\` is not monitored over SNMP, so there are no interface figures.`,
          hint: 'Add an `snmp:` block to it in netops.yaml.',
        });
      }
      // No recent samples: poll now. Rates need two readings, so without a stored baseline poll twice.
      await progress('no recent samples; polling the device now…');
      let r = await monitoring.pollAndStore(device, { signal });
      if (r.reset) {
        await new Promise((res) => setTimeout(res, 5_000));
        r = await monitoring.pollAndStore(device, { signal });
      }
      rows = await metricsFor(services.pool).latestInterfaces(
        device.name,
        data.maxAgeMs + 60_000,
        new Date(Date.now() + 1_000),
      );
      live = true;
    }
    if (!rows.length) {
      return {
        summary: `no interface data for ${device.name}`,
        text: `No interface data for \`${device.name}\` yet; is it polled over SNMP?`,
      };
    }
    const warnings = await speedWarnings(services.pool, device.name);
    const impossible = new Set(warnings.map((w) => w.ifIndex));
    const table = textTable(
      ['INTERFACE', 'STATUS', 'SPEED', 'IN', 'OUT', 'UTIL', 'ERR/s IN/OUT', 'DISC/s IN/OUT', 'DESCRIPTION'],
      rows.map((r) => {
        const u = utilisation(r.inBps, r.outBps, r.speedBps);
        const status = r.adminStatus === 'down' ? 'admin-down' : (r.operStatus ?? '-');
        return [
          r.name,
          status,
          `${formatSpeed(r.speedBps)}${impossible.has(r.ifIndex) ? ' (!)' : ''}`,
          formatBps(r.inBps),
          formatBps(r.outBps),
          u === null ? '-' : `${u.toFixed(u < 10 ? 1 : 0)}%`,
          `${formatRate(r.inErrors)}/${formatRate(r.outErrors)}`,
          `${formatRate(r.inDiscards)}/${formatRate(r.outDiscards)}`,
          r.alias ?? '',
        ];
      }),
    );
    const up = rows.filter((r) => r.operStatus === 'up').length;
    const erroring = rows.filter((r) => (r.inErrors ?? 0) + (r.outErrors ?? 0) > 0).length;
    const newest = rows.reduce<Date | null>((m, r) => (r.ts && (!m || r.ts > m) ? r.ts : m), null);
    return {
      summary: `${device.name}: ${rows.length} interfaces, ${up} up${erroring ? `, ${erroring} with errors` : ''}${live ? ' (live poll)' : ''}`,
      text:
        [
          newest ? `Rates as of ${newest.toISOString().replace('T', ' ').slice(0, 19)} UTC.` : '',
          ...warnings.map((w) => `:warning: (!) ${speedWarningText(device.name, w)}`),
        ]
          .filter(Boolean)
          .join('\n') || undefined,
      code: { content: table, filename: `${device.name}-interfaces.txt` },
    };
  },
});
