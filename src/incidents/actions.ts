import type { Pool } from 'pg';
import type { Logger } from 'pino';
import type { Inventory } from '../inventory/index.js';
import {
  type Action,
  compilePolicy,
  type Decision,
  decide,
  deviceFacts,
  type PolicyConfig,
} from '../policy/index.js';
import type { Enqueue } from '../queue/types.js';
import type { ActionHandler } from '../slack/app.js';
import { INCIDENT_ACTIONS } from './render.js';
import { createIncidentStore, type Incident } from './store.js';
import { queueSync } from './sync.js';

export type Authorize = (req: {
  user: string;
  action: Action;
  devices: readonly string[];
  channel: string;
}) => Promise<Decision>;

export interface IncidentActionsOptions {
  pool: Pool;
  enqueue: Enqueue;
  inventory: Inventory;
  log: Logger;
  policy?: PolicyConfig | undefined;
  /** Who may click: defaults to the netops.yaml policy (user groups resolved by the policy module). */
  authorize?: Authorize;
}

/** Buttons on an incident's parent message. Each checks the policy again: a forged click is refused. */
export function createIncidentActions(options: IncidentActionsOptions): ActionHandler[] {
  const store = createIncidentStore(options.pool);
  const policy = compilePolicy(options.policy);
  const authorize: Authorize =
    options.authorize ??
    (async (req) =>
      decide(
        {
          user: req.user,
          groups: [],
          action: req.action,
          devices: deviceFacts(req.devices.map((n) => options.inventory.get(n) ?? { name: n })),
          channel: { id: req.channel },
        },
        policy,
      ));

  const handler = (
    actionId: string,
    action: Action,
    run: (incident: Incident, input: Parameters<ActionHandler['handle']>[0]) => Promise<string | undefined>,
  ): ActionHandler => ({
    actionId,
    // Intake decides the action for who clicked and where before this runs; below, the incident's devices.
    action,
    async handle(input) {
      const channel = input.channel ?? '';
      const where = { channel, ...(input.threadTs ? { threadTs: input.threadTs } : {}) };
      const incident = input.value ? await store.get(input.value) : undefined;
      if (!incident || incident.channel !== channel) {
        // A forged value naming an incident of another channel is treated as unknown.
        await input.responder.ephemeral(where, input.userId, { text: 'That incident does not exist here.' });
        return;
      }
      // The clicking user's access knows their user groups; a test's authorize override replaces it.
      const verdict = options.authorize
        ? await authorize({ user: input.userId, action, devices: incident.devices, channel })
        : input.access.decide(
            action,
            deviceFacts(incident.devices.map((n) => options.inventory.get(n) ?? { name: n })),
          );
      if (!verdict.allow) {
        options.log.warn({ user: input.userId, action, incident: incident.id }, 'incident action denied');
        await input.responder.ephemeral(where, input.userId, {
          text: `⛔ ${verdict.reason} ${verdict.hint}`,
        });
        return;
      }
      const note = await run(incident, input);
      if (note) await input.responder.ephemeral(where, input.userId, { text: note });
    },
  });

  const thread = (i: Incident) => ({ channel: i.channel, ...(i.threadTs ? { threadTs: i.threadTs } : {}) });

  return [
    handler(INCIDENT_ACTIONS.ack, 'incident.ack', async (i, { userId }) => {
      const r = await store.acknowledge(i.id, userId);
      if (!r.ok) return `Incident #${i.id} is already ${i.state}${i.ackedBy ? ` (by <@${i.ackedBy}>)` : ''}.`;
      await queueSync(options.enqueue, i.id);
      return undefined;
    }),
    handler(INCIDENT_ACTIONS.resolve, 'incident.ack', async (i, { userId }) => {
      const r = await store.resolve(i.id, userId);
      if (!r.ok) return `Incident #${i.id} is already resolved.`;
      await queueSync(options.enqueue, i.id);
      return undefined;
    }),
    ...([1, 4] as const).map((hours) =>
      handler(
        hours === 1 ? INCIDENT_ACTIONS.silence1h : INCIDENT_ACTIONS.silence4h,
        'incident.ack',
        async (i, { userId }) => {
          await options.enqueue(
            'incident.silence',
            { id: i.id, hours, user: userId },
            { origin: { ...thread(i), userId } },
          );
          return undefined;
        },
      ),
    ),
    handler(INCIDENT_ACTIONS.rerun, 'incident.ack', async (i, { userId }) => {
      await options.enqueue(
        'incident.diagnose',
        { id: i.id, requestedBy: userId },
        { origin: { ...thread(i), userId } },
      );
      return `Diagnostics for incident #${i.id} are running again; results follow in the thread.`;
    }),
    handler(INCIDENT_ACTIONS.diff, 'read', async (i, { userId }) => {
      if (i.devices.length === 0) return `Incident #${i.id} names no device of the inventory.`;
      for (const device of i.devices.slice(0, 5)) {
        await options.enqueue(
          'config.diff',
          { device, since: '24h', context: 3 },
          { origin: { ...thread(i), userId } },
        );
      }
      return undefined;
    }),
  ];
}
