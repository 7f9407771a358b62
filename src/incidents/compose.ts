import type { RedisClient } from '../redis.js';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { CredentialResolver } from '../credentials/index.js';
import type { Inventory } from '../inventory/index.js';
import type { Enqueue } from '../queue/types.js';
import type { Responder } from '../chat/index.js';
import type { KnownDevice } from './grouping.js';
import { createPacer } from './pacer.js';
import type { AlertSource } from './payloads.js';
import { createIncidentStore } from './store.js';
import { queueSync } from './sync.js';
import { type AlertRoute, createAlertRoutes, type SourceAuth } from './webhook.js';

/** Where an incident goes when no route and no device channel says otherwise. */
export function defaultAlertChannel(config: Config): string | undefined {
  return config.channels.alerts ?? config.channels.ops ?? config.channels.changes;
}

export function deviceFinder(inventory: Inventory): (nameOrHost: string) => KnownDevice | undefined {
  return (key) => {
    const d = inventory.get(key) ?? inventory.list().find((x) => x.host === key);
    return d && { name: d.name, host: d.host, site: d.site, channel: d.channel };
  };
}

/** The bot's alert webhooks; a source whose secret is not configured is refused with a log line. */
export function alertRoutes(options: {
  config: Config;
  /** Resolves each source's `secret:` name (env NETOPS_SECRET_<NAME>, or the credentials file). */
  credentials: CredentialResolver;
  pool: Pool;
  inventory: Inventory;
  enqueue: Enqueue;
  log: Logger;
}): AlertRoute[] {
  const { config, log } = options;
  const sources: Partial<Record<AlertSource, SourceAuth>> = {};
  for (const [source, s] of Object.entries(config.incidents.sources) as [
    AlertSource,
    NonNullable<(typeof config.incidents.sources)['alertmanager']>,
  ][]) {
    const secret = options.credentials.secret(s.secret);
    if (!secret) {
      log.error(
        { source, env: options.credentials.secretVariable(s.secret) },
        'alert source has no secret (environment or credentials file); its webhook refuses everything',
      );
      continue;
    }
    sources[source] = {
      auth: s.auth,
      secret,
      ...(s.header ? { header: s.header } : {}),
      ...(s.timestampHeader ? { timestampHeader: s.timestampHeader } : {}),
    };
  }
  const channel = defaultAlertChannel(config);
  return createAlertRoutes({
    sources: channel ? sources : {},
    store: createIncidentStore(options.pool),
    rules: config.incidents.routes,
    defaultChannel: channel ?? '',
    findDevice: deviceFinder(options.inventory),
    sync: (id) => queueSync(options.enqueue, id),
    log,
  });
}

/**
 * Posts into alert channels wait for the channel's slot (Slack allows about one message per second
 * per channel): a storm's parents and diagnostics queue up instead of being rate-limited. Only
 * channels incidents go to are paced, and only when an alert source is configured.
 */
export function pacedResponder(
  inner: Responder,
  config: Config,
  redis: RedisClient,
  prefix: string,
): Responder {
  const fallback = defaultAlertChannel(config);
  const channels = new Set<string>([
    ...config.incidents.routes.map((r) => r.channel),
    ...config.devices.flatMap((d) => (d.channel ? [d.channel] : [])),
    ...(fallback ? [fallback] : []),
  ]);
  if (Object.keys(config.incidents.sources).length === 0 || channels.size === 0) return inner;
  const pacer = createPacer(redis, prefix, config.incidents.pace);
  const paced: Responder = {
    async post(dest, message, options) {
      if (channels.has(dest.channel)) await pacer.wait(dest.channel);
      return inner.post(dest, message, options);
    },
    update: (dest, message) => inner.update(dest, message),
    ephemeral: (dest, user, message) => inner.ephemeral(dest, user, message),
    async upload(dest, files, options) {
      if (channels.has(dest.channel)) await pacer.wait(dest.channel);
      return inner.upload(dest, files, options);
    },
  };
  return paced;
}
