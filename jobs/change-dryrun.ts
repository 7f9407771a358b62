import { jobComplianceHook } from '../src/compliance/index.js';
import { z } from 'zod';
import {
  approvalCard,
  changeHash,
  changeLines,
  diffText,
  dryRunDevice,
  type DeviceDryRun,
  linesFor,
  planOf,
  riskOf,
  changeEngine,
} from '../src/changes/index.js';
import { userText } from '../src/errors.js';
import { defineJob } from '../src/services/index.js';

/** Dry run of a change on every device, then the approval card bound to the result's hash. */
export default defineJob({
  name: 'change.dryrun',
  needs: ['changes', 'clock', 'config', 'configs', 'devices', 'enqueue', 'inventory', 'pool', 'responder'],
  queue: 'devices',
  schema: z.object({ id: z.string().regex(/^CR-\d+$/) }).strict(),
  attempts: 1,
  timeoutMs: 15 * 60_000,
  describe: (d) => `dry run of change ${d.id}`,
  async process(data, { services, signal, log }) {
    const engine = {
      ...changeEngine(services, signal),
      onNewVersion: jobComplianceHook(services, log),
    };
    const store = services.changes.store;
    const c = await store.transition(data.id, ['requested'], 'dry_run');
    if (!c) return { summary: `change ${data.id} is not waiting for a dry run` };
    const tag = c.id.toLowerCase();
    const results = await Promise.allSettled(
      c.devices.map((name) =>
        dryRunDevice(engine, services.inventory.require(name), changeLines(linesFor(c, name)), {
          tag,
          minutes: c.rollbackMinutes,
        }),
      ),
    );
    const failed = results
      .map((r, i) => (r.status === 'rejected' ? `\`${c.devices[i]}\`: ${userText(r.reason)}` : undefined))
      .filter((x): x is string => !!x);
    if (failed.length) {
      const detail = `The dry run failed, so nothing was applied and the locks are released:\n${failed.join('\n')}`;
      const done = await store.transition(c.id, ['dry_run'], 'failed', { detail });
      // Cancelled meanwhile: the requester was already told.
      if (done) {
        await services.responder.post(
          { channel: c.channel },
          { text: `:x: <@${c.requester}> change ${c.id}: ${detail}` },
        );
      }
      return { summary: `change ${c.id}: dry run failed on ${failed.length} device(s)`, ok: false };
    }
    const dryRun = results.map((r) => (r as PromiseFulfilledResult<DeviceDryRun>).value);
    const now = services.clock();
    const expiresAt = new Date(now.getTime() + services.config.changes.approvalTtl);
    const ready = await store.transition(c.id, ['dry_run'], 'awaiting_approval', {
      dryRun,
      hash: changeHash(c.devices, c.lines, dryRun, planOf(c)),
      risk: riskOf(dryRun),
      dryRunAt: now,
      expiresAt,
    });
    if (!ready) return { summary: `change ${c.id} was cancelled during its dry run` };
    const text = diffText(dryRun);
    const long = text.length > 2_800 || text.split('\n').length > 40;
    const card = await services.responder.post(
      { channel: c.channel },
      approvalCard(ready, { diffAsFile: long }),
    );
    await store.setCard(c.id, card.ts);
    if (long) {
      await services.responder.upload({ channel: c.channel, threadTs: card.ts }, [
        {
          filename: `${c.id}-dry-run.diff`,
          content: text,
          title: `${c.id} dry run`,
          initialComment: 'The dry-run diff',
        },
      ]);
    }
    await services.enqueue(
      'change.expire',
      { id: c.id },
      { jobId: `expire-${c.id}`, delayMs: services.config.changes.approvalTtl },
    );
    return { summary: `change ${c.id}: dry run done, awaiting approval` };
  },
});
