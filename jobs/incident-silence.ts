import { z } from 'zod';
import { ErrorCode, NetopsError } from '../src/errors.js';
import { createIncidentStore, createSilences } from '../src/incidents/index.js';
import { defineJob } from '../src/services/index.js';

/** Silence 1 h / 4 h: one Alertmanager silence per firing alert of the incident, exact matchers. */
export default defineJob({
  name: 'incident.silence',
  needs: ['clock', 'config', 'pool'],
  schema: z
    .object({
      id: z.string().regex(/^\d{1,18}$/),
      hours: z.number().int().min(1).max(72),
      user: z.string().min(1).max(32),
    })
    .strict(),
  attempts: 3,
  backoffMs: 2_000,
  timeoutMs: 60_000,
  describe: (d) => `silence incident #${d.id} for ${d.hours} h`,
  async process(data, { services, signal }) {
    const url = services.config.incidents.alertmanager?.url;
    if (!url) {
      throw new NetopsError(ErrorCode.BAD_ARGS, 'incidents.alertmanager.url is not set', {
        userMessage: 'Silencing needs Alertmanager: set `incidents.alertmanager.url` in netops.yaml.',
      });
    }
    const store = createIncidentStore(services.pool);
    const incident = await store.get(data.id);
    if (!incident)
      throw new NetopsError(ErrorCode.NOT_FOUND, `no incident ${data.id}`, {
        userMessage: `Incident #${data.id} does not exist.`,
      });
    const alerts = await store.alerts(incident.id);
    let result: Awaited<ReturnType<typeof createSilences>>;
    try {
      result = await createSilences(url, alerts, {
        hours: data.hours,
        createdBy: `netops-bot for ${data.user}`,
        comment: `Silenced from Slack incident #${incident.id} (${incident.title})`,
        now: services.clock(),
        signal,
      });
    } catch (err) {
      throw new NetopsError(ErrorCode.DEVICE_UNREACHABLE, `alertmanager: ${(err as Error).message}`, {
        cause: err,
        userMessage: `Alertmanager did not take the silence (${(err as Error).message.slice(0, 120)}).`,
      });
    }
    const text =
      result.alerts === 0
        ? `Nothing to silence: no alert of incident #${incident.id} is firing.`
        : `🔕 <@${data.user}> silenced ${result.alerts} alert${result.alerts === 1 ? '' : 's'} for ${data.hours} h in Alertmanager (silence ${result.ids.map((i) => `\`${i}\``).join(', ')}).`;
    return { summary: `${result.alerts} alerts silenced for ${data.hours} h`, text };
  },
});
