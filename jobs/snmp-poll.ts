import { z } from 'zod';
import { analysisBatchId } from '../src/anomalies/index.js';
import { defineJob } from '../src/services/index.js';
import { formatRate, speedWarningText } from '../src/snmp/index.js';

/** Poll one device over SNMP and store its samples. Run by the `poll:<device>` schedulers. */
export default defineJob({
  name: 'snmp.poll',
  needs: ['config', 'inventory', 'monitoring', 'responder', 'enqueue', 'clock'],
  queue: 'snmp',
  schema: z.object({ device: z.string().min(1) }).strict(),
  // A missed poll is simply missed: the next one is a minute away and a late retry skews rates.
  attempts: 1,
  timeoutMs: 55_000,
  describe: (d) => `SNMP poll of \`${d.device}\``,
  async process(data, { services, signal, log }) {
    const monitoring = services.monitoring;
    const device = services.inventory.get(data.device);
    // The schedule can outlive the device by one reconcile cycle.
    if (!device) return { summary: `skipped: ${data.device} is no longer in the inventory` };
    const intervalMs = services.config.schedules.poll.every;
    const r = await monitoring.pollAndStore(device, { intervalMs, signal });
    if (r.status === 'skipped') return { summary: `skipped ${r.device}: ${r.reason}` };
    // Analysis follows each poll (not a nightly batch), as after a round's store: one analysis.batch
    // of the devices this poll stored, once per minute however often the poll is run.
    const minute = Math.floor(services.clock().getTime() / 60_000);
    const stored = [r.device];
    await services
      .enqueue('analysis.batch', { devices: stored }, { jobId: analysisBatchId(stored, minute) })
      .catch((err: unknown) => log.warn({ err, device: r.device }, 'could not enqueue analysis'));
    if (r.overrun) {
      log.warn({ device: r.device, pollMs: r.overrun.pollMs, intervalMs }, 'SNMP poll overran its interval');
    }
    const parts = [`${r.device}: ${r.interfaces} interfaces, ${r.known} rates in ${formatRate(r.pollMs)} ms`];
    if (r.reset && r.reset !== 'first-poll') parts.push(`baseline reset (${r.reset})`);
    if (r.reset === 'first-poll') parts.push('baseline set');
    if (r.overrun) parts.push(`OVERRAN the ${Math.round(intervalMs / 1000)} s interval`);
    // An impossible speed is said once, in the monitoring channel, when it is first measured.
    const ops = services.config.channels.ops;
    if (r.speedWarnings?.length) {
      parts.push(`${r.speedWarnings.length} interface(s) report an impossible speed`);
      if (ops)
        await services.responder.post(
          { channel: ops },
          {
            text: `:warning: ${r.speedWarnings.map((w) => speedWarningText(r.device, w)).join('\n')}`,
          },
        );
    }
    return { summary: parts.join('; '), ok: !r.overrun };
  },
});
