import { createHash } from 'node:crypto';
import { z } from 'zod';

/** The three alert sources the bot takes, each at its own path: /alerts/<source>. */
export const ALERT_SOURCES = ['alertmanager', 'grafana', 'generic'] as const;
export type AlertSource = (typeof ALERT_SOURCES)[number];

/** One alert, whatever sent it. */
export interface AlertEvent {
  source: AlertSource;
  fingerprint: string;
  status: 'firing' | 'resolved';
  alertname: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: Date;
  /** Null while firing (Alertmanager sends 0001-01-01 for "not ended"). */
  endsAt: Date | null;
  groupKey?: string;
}

export interface AlertBatch {
  source: AlertSource;
  alerts: AlertEvent[];
  /** Alerts the sender left out (Alertmanager's max_alerts); reported in the thread, never guessed. */
  truncated: number;
}

const MAX_ALERTS = 1_000;
const labelMap = z
  .record(z.string().max(256), z.string().max(4_096))
  .refine((r) => Object.keys(r).length <= 64, 'at most 64 labels');
const time = z
  .string()
  .max(64)
  .refine((s) => !Number.isNaN(Date.parse(s)), 'an RFC 3339 time');

/** Prometheus Alertmanager webhook, payload version 4 (also what Grafana's unified alerting sends). */
const amAlert = z.object({
  status: z.enum(['firing', 'resolved']),
  labels: labelMap,
  annotations: labelMap.default({}),
  startsAt: time,
  endsAt: time.optional(),
  generatorURL: z.string().max(4_096).optional(),
  fingerprint: z.string().max(128).optional(),
});

const alertmanagerSchema = z.object({
  version: z.string().max(8).optional(),
  groupKey: z.string().max(4_096).optional(),
  truncatedAlerts: z.number().int().min(0).optional(),
  status: z.enum(['firing', 'resolved']),
  receiver: z.string().max(256).optional(),
  groupLabels: labelMap.optional(),
  commonLabels: labelMap.optional(),
  commonAnnotations: labelMap.optional(),
  externalURL: z.string().max(4_096).optional(),
  alerts: z.array(amAlert).min(1).max(MAX_ALERTS),
});

/** Grafana alerting adds orgId, title, state, message; alerts carry values, silenceURL, … */
const grafanaSchema = alertmanagerSchema.extend({
  orgId: z.number().optional(),
  title: z.string().max(4_096).optional(),
  state: z.string().max(32).optional(),
  message: z.string().max(65_536).optional(),
  alerts: z
    .array(amAlert.extend({ values: z.record(z.string(), z.unknown()).nullish() }).loose())
    .min(1)
    .max(MAX_ALERTS),
});

/**
 * The documented generic format for anything else (a script, another monitoring system):
 * `{ "alerts": [{ "name": "LinkDown", "status": "firing", "device": "core1-ams",
 *    "interface": "Gi1/0/1", "severity": "critical", "summary": "…", "id": "…" }] }`.
 */
const genericAlert = z
  .object({
    name: z.string().min(1).max(256),
    status: z.enum(['firing', 'resolved']).default('firing'),
    id: z.string().max(128).optional(),
    device: z.string().max(256).optional(),
    interface: z.string().max(256).optional(),
    site: z.string().max(256).optional(),
    severity: z.string().max(64).optional(),
    summary: z.string().max(4_096).optional(),
    description: z.string().max(65_536).optional(),
    labels: labelMap.optional(),
    startsAt: time.optional(),
    endsAt: time.optional(),
  })
  .strict();
const genericSchema = z.object({ alerts: z.array(genericAlert).min(1).max(MAX_ALERTS) }).strict();

export class PayloadError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('; '));
    this.name = 'PayloadError';
  }
}

function problemsOf(err: z.ZodError): string[] {
  return err.issues.slice(0, 10).map((i) => `${i.path.map(String).join('.') || '(body)'}: ${i.message}`);
}

/** Alertmanager writes 0001-01-01T00:00:00Z for "has not ended". */
function endTime(text: string | undefined): Date | null {
  if (!text) return null;
  const t = Date.parse(text);
  return Number.isNaN(t) || t <= 0 ? null : new Date(t);
}

/** Same alert identity as Alertmanager's when the sender gives none: a hash of the sorted labels. */
export function labelFingerprint(labels: Record<string, string>): string {
  const canonical = Object.keys(labels)
    .sort()
    .map((k) => `${k}\u0000${labels[k]}`)
    .join('\u0001');
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}

/** Parses and validates a webhook body; throws PayloadError with every problem found. */
export function parseAlertPayload(source: AlertSource, body: string): AlertBatch {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new PayloadError(['body is not JSON']);
  }
  if (source === 'generic') {
    const r = genericSchema.safeParse(json);
    if (!r.success) throw new PayloadError(problemsOf(r.error));
    return {
      source,
      truncated: 0,
      alerts: r.data.alerts.map((a) => {
        const labels: Record<string, string> = {
          ...(a.labels ?? {}),
          alertname: a.name,
          ...(a.device ? { device: a.device } : {}),
          ...(a.interface ? { interface: a.interface } : {}),
          ...(a.site ? { site: a.site } : {}),
          ...(a.severity ? { severity: a.severity } : {}),
        };
        return {
          source,
          fingerprint: a.id ?? labelFingerprint(labels),
          status: a.status,
          alertname: a.name,
          labels,
          annotations: {
            ...(a.summary ? { summary: a.summary } : {}),
            ...(a.description ? { description: a.description } : {}),
          },
          startsAt: a.startsAt ? new Date(a.startsAt) : new Date(),
          endsAt: a.status === 'resolved' ? (endTime(a.endsAt) ?? new Date()) : null,
        };
      }),
    };
  }
  const r = (source === 'grafana' ? grafanaSchema : alertmanagerSchema).safeParse(json);
  if (!r.success) throw new PayloadError(problemsOf(r.error));
  const p = r.data;
  return {
    source,
    truncated: p.truncatedAlerts ?? 0,
    alerts: p.alerts.map((a) => {
      const labels = a.labels;
      const endsAt = endTime(a.endsAt);
      return {
        source,
        fingerprint: a.fingerprint || labelFingerprint(labels),
        status: a.status,
        alertname: labels.alertname ?? ('title' in p && typeof p.title === 'string' ? p.title : 'alert'),
        labels,
        annotations: a.annotations ?? {},
        startsAt: new Date(a.startsAt),
        endsAt: a.status === 'resolved' ? (endsAt ?? new Date()) : endsAt,
        ...(p.groupKey ? { groupKey: p.groupKey } : {}),
      };
    }),
  };
}
