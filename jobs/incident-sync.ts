import { z } from 'zod';
import { ErrorCode, NetopsError } from '../src/errors.js';
import { createIncidentStore, parentMessage, queueSync, resolutionSummary } from '../src/incidents/index.js';
import { defineJob } from '../src/services/index.js';

/**
 * Brings an incident's parent message in line with its state: posts it the first time (and queues
 * the diagnostics), edits it afterwards, and posts the resolution summary once. Runs serialised per
 * incident (an advisory lock), so two workers never post two parents.
 */
export default defineJob({
  name: 'incident.sync',
  needs: ['enqueue', 'pool', 'responder'],
  schema: z.object({ id: z.string().regex(/^\d{1,18}$/) }).strict(),
  attempts: 8,
  backoffMs: 1_000,
  timeoutMs: 120_000,
  describe: (d) => `incident #${d.id}`,
  async process(data, { services, log }) {
    const store = createIncidentStore(services.pool);
    return store.withLock(data.id, async () => {
      const incident = await store.get(data.id);
      if (!incident) {
        throw new NetopsError(ErrorCode.NOT_FOUND, `no incident ${data.id}`, {
          userMessage: `Incident #${data.id} does not exist.`,
        });
      }
      const alerts = await store.alerts(incident.id);
      const message = parentMessage(incident, alerts);
      let threadTs = incident.threadTs;
      if (!threadTs) {
        // Keyed: a worker that died after Slack took the post (or a 5xx after commit) is found, not doubled.
        const posted = await services.responder.post({ channel: incident.channel }, message, {
          key: `incident-${incident.id}`,
          maybePostedSince: incident.openedAt.getTime() - 60_000,
        });
        threadTs = posted.ts;
        await store.setThread(incident.id, threadTs);
      }
      // The job id makes this idempotent when a retry gets here again after a failure further on.
      if (incident.state !== 'resolved' && !incident.diagnosticsAt) {
        await services.enqueue('incident.diagnose', { id: incident.id }, { jobId: `incdiag-${incident.id}` });
        await store.claimDiagnostics(incident.id);
      }
      if (incident.threadTs) {
        await services.responder.update({ channel: incident.channel, ts: threadTs }, message);
      }
      // Posted, then marked: a crash in between repeats the summary rather than losing it.
      if (incident.state === 'resolved' && !incident.summaryPosted) {
        await services.responder.post({ channel: incident.channel, threadTs }, resolutionSummary(incident), {
          key: `incident-${incident.id}-summary`,
          maybePostedSince: incident.openedAt.getTime() - 60_000,
        });
        await store.claimSummary(incident.id);
      }
      // Changed while this ran (an alert, a click): one more pass, under an id no running job holds.
      if ((await store.markSynced(incident.id, incident.updatedAt)).behind) {
        await queueSync(services.enqueue, incident.id, Date.now(), '-again');
      }
      log.debug({ incident: incident.id, state: incident.state }, 'incident synced');
      return { summary: `incident #${incident.id} ${incident.state}` };
    });
  },
});
