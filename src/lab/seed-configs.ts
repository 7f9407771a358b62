import type { Device } from '../config.js';
import { createConfigStore, DEFAULT_SECRET_MARKER, normalise, rulesFor } from '../configs/index.js';
import type { Pool } from '../storage/index.js';
import { COLLEAGUES, pastVersions } from './scenario.js';

const DAY = 86_400_000;
/** How long ago each version was collected, oldest first; the last is today's config. */
const AGES_DAYS = [13, 10, 6.5, 3, 1.2];

/**
 * The lab's config history, as `backfill` gives it traffic history: five versions per device over
 * two weeks, ending with today's config, so `config history`, `config diff` and `config show
 * --version` have something to show on the first start. Older versions carry descriptions that
 * were later corrected and lack lines added since (see pastVersions); all but the first are by a
 * simulated colleague. Marked as already announced, so the bot does not post two weeks of diffs
 * when it starts, and the newest is today's config, so the first real backup finds no change.
 * Devices that already have versions (a second start) are left alone; devices are seeded side by
 * side (each its own versions in order).
 */
export async function seedConfigHistory(
  pool: Pool,
  devices: ReadonlyArray<{ device: Device; runningConfig(): string }>,
  options: { now?: Date; secretMarker?: string } = {},
): Promise<{ devices: string[]; versions: number }> {
  const store = createConfigStore(pool);
  const now = options.now ?? new Date();
  const seeded: string[] = [];
  let versions = 0;
  await Promise.all(
    devices.map(async ({ device, runningConfig }) => {
      if (await store.latest(device.name)) return;
      const current = normalise(runningConfig(), rulesFor(device.vendor), {
        secretMarker: options.secretMarker ?? DEFAULT_SECRET_MARKER,
      });
      // Some simulators have no config text of their own (linux); their first real backup is v1.
      if (!current.trim()) return;
      for (const [i, body] of pastVersions(current, AGES_DAYS.length - 1).entries()) {
        const author = i === 0 ? null : COLLEAGUES[(i + device.name.length) % COLLEAGUES.length]!;
        const rec = await store.record({
          device: device.name,
          body,
          collectedAt: new Date(now.getTime() - AGES_DAYS[i]! * DAY),
          trigger: author ? 'syslog' : 'schedule',
          author,
        });
        await store.markNotified(rec.version.id, rec.version.collectedAt);
        if (rec.changed) versions++;
      }
      seeded.push(device.name);
    }),
  );
  return { devices: seeded, versions };
}
