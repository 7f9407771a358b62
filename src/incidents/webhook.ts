import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { KnownDevice, RouteRule } from './grouping.js';
import { type AlertSource, PayloadError, parseAlertPayload } from './payloads.js';
import type { IncidentStore } from './store.js';

export interface SourceAuth {
  auth: 'bearer' | 'hmac';
  /** The secret itself, resolved by the composition root from its name; never logged. */
  secret: string;
  /** HMAC: header carrying the hex digest (optionally `sha256=`-prefixed). */
  header?: string;
  /** HMAC: header carrying a Unix timestamp; the digest then covers `timestamp:body` (Grafana's scheme). */
  timestampHeader?: string;
}

export interface AlertIntakeOptions {
  sources: Partial<Record<AlertSource, SourceAuth>>;
  store: IncidentStore;
  rules: readonly RouteRule[];
  defaultChannel: string;
  findDevice(nameOrHost: string): KnownDevice | undefined;
  /** Queue the parent-message sync of an incident (deduplicated by the caller's job id). */
  sync(incidentId: string): Promise<void>;
  log: Logger;
  clock?: () => number;
  /** Called with every outcome (metrics, tests). */
  onOutcome?(source: AlertSource, status: number, alerts: number): void;
}

export interface AlertRoute {
  method: 'POST';
  path: string;
  handler(req: IncomingMessage, res: ServerResponse, body: string): Promise<void>;
}

const MAX_SKEW_S = 300;

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Checks a request against its source's authentication; a sentence saying why on failure. */
export function authenticate(
  req: IncomingMessage,
  body: string,
  auth: SourceAuth,
  now: number,
): string | undefined {
  if (auth.auth === 'bearer') {
    const h = header(req, 'authorization') ?? '';
    const m = /^Bearer\s+(.+)$/i.exec(h);
    if (!m) return 'missing bearer token';
    return sameSecret(m[1]!.trim(), auth.secret) ? undefined : 'wrong bearer token';
  }
  const sig = header(req, auth.header ?? 'x-netops-signature');
  if (!sig) return 'missing signature';
  let message = body;
  if (auth.timestampHeader) {
    const ts = header(req, auth.timestampHeader);
    if (!ts || !/^\d{1,12}$/.test(ts)) return 'missing signature timestamp';
    if (Math.abs(now / 1000 - Number(ts)) > MAX_SKEW_S) return 'stale signature timestamp';
    message = `${ts}:${body}`;
  }
  const want = createHmac('sha256', auth.secret).update(message).digest('hex');
  return sameSecret(sig.replace(/^sha256=/i, '').toLowerCase(), want) ? undefined : 'wrong signature';
}

function reply(res: ServerResponse, status: number, body: Record<string, unknown>) {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/**
 * POST /alerts/<source>: authenticate, validate, store, queue the thread update. A refused request
 * stores nothing; a stored batch answers 200 only once its incidents are queued for Slack, so a
 * sender that sees an error redelivers and nothing is lost (redelivery is idempotent).
 */
export function createAlertRoutes(options: AlertIntakeOptions): AlertRoute[] {
  const sources = Object.keys(options.sources) as AlertSource[];
  return (['alertmanager', 'grafana', 'generic'] as const).map((source) => ({
    method: 'POST' as const,
    path: `/alerts/${source}`,
    async handler(req, res, body) {
      const done = (status: number, payload: Record<string, unknown>, alerts = 0) => {
        options.onOutcome?.(source, status, alerts);
        reply(res, status, payload);
      };
      const auth = options.sources[source];
      if (!auth) {
        return done(404, {
          error: `alert source "${source}" is not enabled`,
          hint: `enable it under incidents.sources in netops.yaml (enabled: ${sources.join(', ') || 'none'})`,
        });
      }
      const why = authenticate(req, body, auth, (options.clock ?? Date.now)());
      if (why) {
        options.log.warn({ source, why }, 'refused alert webhook');
        return done(401, { error: why });
      }
      if (!(header(req, 'content-type') ?? '').includes('json')) {
        return done(415, { error: 'send application/json' });
      }
      let batch: ReturnType<typeof parseAlertPayload>;
      try {
        batch = parseAlertPayload(source, body);
      } catch (err) {
        const problems = err instanceof PayloadError ? err.problems : ['malformed payload'];
        return done(400, { error: 'invalid alert payload', problems });
      }
      try {
        const r = await options.store.ingest(batch.alerts, {
          rules: options.rules,
          defaultChannel: options.defaultChannel,
          findDevice: options.findDevice,
        });
        for (const id of [...r.touched, ...r.behind]) await options.sync(id);
        options.log.info(
          { source, alerts: batch.alerts.length, incidents: r.touched, truncated: batch.truncated },
          'alerts taken',
        );
        return done(
          200,
          { accepted: batch.alerts.length, unchanged: r.unchanged, incidents: r.touched },
          batch.alerts.length,
        );
      } catch (err) {
        options.log.error({ err, source }, 'could not take alerts');
        // 503: Alertmanager and Grafana retry; what was stored stays, and redelivery re-queues it.
        return done(503, { error: 'could not store or queue the alerts now; retry' });
      }
    },
  }));
}
