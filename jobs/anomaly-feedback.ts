import { z } from 'zod';
import {
  feedbackLine,
  getGroup,
  groupAnomalies,
  groupFeedback,
  groupMessage,
  recordFeedback,
} from '../src/anomalies/index.js';
import { defineJob } from '../src/services/index.js';

/** "expected" / "real problem" on an anomaly message: recorded, applied, and shown on the message. */
export default defineJob({
  name: 'anomaly.feedback',
  needs: ['config', 'pool', 'responder', 'clock'],
  queue: 'analysis',
  schema: z
    .object({
      groupId: z.number().int().positive(),
      verdict: z.enum(['expected', 'real']),
      action: z.enum(['mute', 'widen']).nullable(),
      durationMs: z
        .number()
        .int()
        .positive()
        .max(90 * 86_400_000)
        .nullable(),
      userId: z.string().min(1),
    })
    .strict(),
  attempts: 3,
  describe: (d) => `anomaly feedback (${d.verdict}) on group ${d.groupId}`,
  async process(data, { services }) {
    const group = await getGroup(services.pool, data.groupId);
    if (!group) return { summary: `no anomaly group ${data.groupId}` };
    const until = data.durationMs ? new Date(services.clock().getTime() + data.durationMs) : null;
    await recordFeedback(services.pool, { ...data, until });
    const tz = services.config.timezone ?? 'UTC';
    const anomalies = await groupAnomalies(services.pool, group.id);
    const feedback = await groupFeedback(services.pool, [group.id]);
    if (group.ts && group.channel) {
      await services.responder.update(
        { channel: group.channel, ts: group.ts },
        groupMessage(
          { groupId: group.id, device: group.device, anomalies, feedback, closedAt: group.closedAt },
          tz,
        ),
      );
    }
    return { summary: feedbackLine(feedback.at(-1)!, tz).replace(/<@([^>]+)>/, '$1') };
  },
});
