import type { Enqueue } from '../queue/index.js';
import type { ActionHandler } from '../slack/index.js';
import { ACTIONS, parseFeedbackValue } from './message.js';

/**
 * The feedback buttons on anomaly messages. The bot only validates and enqueues (it never writes
 * analysis state itself); the `anomaly.feedback` job records and applies the verdict.
 */
export function createAnomalyActions(enqueue: Enqueue): ActionHandler[] {
  const ids = [
    `${ACTIONS.expected}.mute4h`,
    `${ACTIONS.expected}.mute7d`,
    `${ACTIONS.expected}.widen`,
    ACTIONS.real,
  ];
  return ids.map((actionId) => ({
    actionId,
    // Muting or widening an alert is on-call work, like acknowledging an incident; the value names
    // only the group, so the decision is on who clicked and where (devices: none known here).
    action: 'incident.ack' as const,
    async handle({ userId, channel, threadTs, value, responder }) {
      const req = parseFeedbackValue(value ?? '');
      if (!req) {
        if (channel)
          await responder.ephemeral({ channel, ...(threadTs ? { threadTs } : {}) }, userId, {
            text: 'This button is damaged or stale.',
          });
        return;
      }
      await enqueue('anomaly.feedback', { ...req, userId });
      if (channel) {
        await responder.ephemeral({ channel, ...(threadTs ? { threadTs } : {}) }, userId, {
          text:
            req.verdict === 'real'
              ? 'Recorded: a real problem.'
              : 'Recorded: expected. The message will show it.',
        });
      }
    },
  }));
}
