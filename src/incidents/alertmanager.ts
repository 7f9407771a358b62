import type { IncidentAlert } from './store.js';

export interface SilenceResult {
  ids: string[];
  alerts: number;
}

/** At most this many silences per click: one per firing alert, exact label matchers. */
const MAX_SILENCES = 50;

/**
 * Creates silences in Alertmanager (API v2) for the firing alerts of an incident: one per alert,
 * matching every label exactly, so nothing beyond this incident goes quiet.
 */
export async function createSilences(
  baseUrl: string,
  alerts: readonly IncidentAlert[],
  options: { hours: number; createdBy: string; comment: string; now?: Date; signal?: AbortSignal },
): Promise<SilenceResult> {
  const now = options.now ?? new Date();
  const firing = alerts.filter((a) => a.status === 'firing').slice(0, MAX_SILENCES);
  const ids: string[] = [];
  for (const a of firing) {
    const res = await fetch(new URL('api/v2/silences', baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        matchers: Object.entries(a.labels).map(([name, value]) => ({
          name,
          value,
          isRegex: false,
          isEqual: true,
        })),
        startsAt: now.toISOString(),
        endsAt: new Date(now.getTime() + options.hours * 3_600_000).toISOString(),
        createdBy: options.createdBy,
        comment: options.comment,
      }),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    if (!res.ok) throw new Error(`Alertmanager answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
    const body = (await res.json()) as { silenceID?: string };
    if (body.silenceID) ids.push(body.silenceID);
  }
  return { ids, alerts: firing.length };
}
