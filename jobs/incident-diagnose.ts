import { z } from 'zod';
import { getVendor, validateReadOnly } from '../src/devices/index.js';
import { ErrorCode, NetopsError } from '../src/errors.js';
import { createIncidentStore, type DiagnosticsTarget, planDiagnostics } from '../src/incidents/index.js';
import { defineJob } from '../src/services/index.js';

const time = (d: Date) => d.toISOString().slice(11, 16);

/**
 * The first ten minutes of an incident, done before anyone is awake: what changed on the devices
 * in the last 24 h (first), then each vendor's own read-only commands for the devices and
 * interfaces the alerts name, and a chart of the last hours. Each runs as its own job and posts
 * into the incident's thread as it finishes.
 */
export default defineJob({
  name: 'incident.diagnose',
  needs: ['clock', 'enqueue', 'inventory', 'pool', 'responder'],
  schema: z
    .object({ id: z.string().regex(/^\d{1,18}$/), requestedBy: z.string().max(32).optional() })
    .strict(),
  attempts: 5,
  backoffMs: 1_000,
  timeoutMs: 120_000,
  describe: (d) => `diagnostics for incident #${d.id}`,
  async process(data, { services, log }) {
    const store = createIncidentStore(services.pool);
    const incident = await store.get(data.id);
    if (!incident) {
      throw new NetopsError(ErrorCode.NOT_FOUND, `no incident ${data.id}`, {
        userMessage: `Incident #${data.id} does not exist.`,
      });
    }
    if (!incident.threadTs) {
      // The parent is not posted yet (its sync is retrying): try again shortly rather than post nowhere.
      throw new NetopsError(ErrorCode.SLACK_API, `incident ${data.id} has no thread yet`);
    }
    const thread = { channel: incident.channel, threadTs: incident.threadTs };
    const alerts = await store.alerts(incident.id);
    const byDevice = new Map<string, Set<string>>();
    for (const a of alerts) {
      if (!a.device) continue;
      const set = byDevice.get(a.device) ?? new Set<string>();
      if (a.interface) set.add(a.interface);
      byDevice.set(a.device, set);
    }
    const targets: DiagnosticsTarget[] = [];
    for (const [name, ifaces] of byDevice) {
      const device = services.inventory.get(name);
      if (!device?.enabled) continue;
      targets.push({ device: name, vendor: getVendor(device.vendor), interfaces: [...ifaces] });
    }
    const steps = planDiagnostics(targets);
    if (steps.length === 0) {
      await services.responder.post(thread, {
        text: `No device of the inventory is named in these alerts, so there is nothing to run. \`@netops show <device> <command>\` here runs a command in this thread.`,
      });
      return { summary: 'no devices to diagnose' };
    }
    const origin = { ...thread, ...(data.requestedBy ? { userId: data.requestedBy } : {}) };
    let queued = 0;
    for (const step of steps) {
      if (step.kind === 'changes') {
        const since = new Date(services.clock().getTime() - step.sinceMs);
        const changes = await store.configChanges(step.devices, since);
        if (changes.length === 0) {
          await services.responder.post(thread, {
            text: `*What changed:* no configuration change on ${step.devices.map((d) => `\`${d}\``).join(', ')} in the last 24 h.`,
          });
          continue;
        }
        const lines = changes
          .slice(0, 15)
          .map(
            (c) =>
              `• \`${c.device}\` ${time(c.collectedAt)} UTC (${c.trigger}${c.author ? `, by ${c.author}` : ''})`,
          );
        await services.responder.post(thread, {
          text: `*What changed* in the last 24 h (${changes.length} version${changes.length === 1 ? '' : 's'}):\n${lines.join('\n')}`,
        });
        for (const device of [...new Set(changes.map((c) => c.device))]) {
          await services.enqueue('config.diff', { device, since: '24h', context: 3 }, { origin });
          queued++;
        }
      } else if (step.kind === 'show') {
        const device = services.inventory.get(step.device);
        if (!device) continue;
        try {
          validateReadOnly(device.vendor, step.command);
        } catch (err) {
          // A vendor's diagnostic that the allowlist refuses is a bug to fix there, not a reason to stop.
          log.warn({ err, device: step.device, command: step.command }, 'diagnostic command refused');
          continue;
        }
        await services.enqueue('device.show', { target: step.device, command: step.command }, { origin });
        queued++;
      } else if (step.kind === 'anomalies') {
        // What the analysis saw on these devices in the same hours (bands, since when, config changes).
        await services.enqueue(
          'analysis.anomalies',
          { rangeMs: step.rangeMs, devices: step.devices, scope: step.devices.join(', ').slice(0, 200) },
          { origin },
        );
        queued++;
      } else {
        await services.enqueue(
          'graph',
          {
            devices: [step.device],
            ...(step.iface ? { iface: step.iface } : {}),
            rangeMs: step.rangeMs,
            metric: 'util',
          },
          { origin },
        );
        queued++;
      }
    }
    return { summary: `${queued} diagnostics queued for incident #${incident.id}` };
  },
});
