import type { Enqueue } from '../queue/types.js';

/** Parent edits are batched per second: a storm makes one edit per incident per second, not one per alert. */
export const SYNC_BUCKET_MS = 1_000;

export function syncJobId(incidentId: string, now = Date.now(), suffix = ''): string {
  return `incsync-${incidentId}-${Math.floor(now / SYNC_BUCKET_MS)}${suffix}`;
}

/** Queues the parent-message sync of an incident; the same second's requests collapse into one job. */
export async function queueSync(
  enqueue: Enqueue,
  incidentId: string,
  now = Date.now(),
  /** A sync that found the incident changed under it queues a follow-up: a distinct id, never swallowed. */
  suffix = '',
): Promise<void> {
  const bucketEnd = (Math.floor(now / SYNC_BUCKET_MS) + 1) * SYNC_BUCKET_MS;
  await enqueue(
    'incident.sync',
    { id: incidentId },
    { jobId: syncJobId(incidentId, now, suffix), delayMs: Math.max(1, bucketEnd - now) },
  );
}
