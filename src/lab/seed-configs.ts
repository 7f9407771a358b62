import type { Device } from '../config.js';
import { createConfigStore, DEFAULT_SECRET_MARKER, normalise, rulesFor } from '../configs/index.js';
import type { Pool } from '../storage/index.js';

/**
 * A short configuration history for a simulated site, as `backfill` gives it traffic history: two
 * versions of each device's config (a week ago, and today's two days ago), so `config history`,
 * `config diff` and `config show --version` have something to show on the first start. Devices
 * that already have versions (a second start) are left alone. The week-old version differs from
 * today's in one description line: seeded, and labelled so (author `seed`).
 */
export async function seedConfigHistory(
  pool: Pool,
  devices: ReadonlyArray<{ device: Device; runningConfig(): string }>,
  options: { now?: Date; secretMarker?: string } = {},
): Promise<string[]> {
  const store = createConfigStore(pool);
  const now = options.now ?? new Date();
  const seeded: string[] = [];
  for (const { device, runningConfig } of devices) {
    if (await store.latest(device.name)) continue;
    const today = normalise(runningConfig(), rulesFor(device.vendor), {
      secretMarker: options.secretMarker ?? DEFAULT_SECRET_MARKER,
    });
    // Some simulators have no config text of their own (linux); their first real backup is v1.
    if (!today.trim()) continue;
    const lines = today.split('\n');
    const at = lines.findIndex((l) => /^\s+description\s/.test(l) || /^\s*description\s/.test(l));
    const older = (text: string) =>
      at < 0 ? `${today}! ${text}\n` : lines.map((l, i) => (i === at ? `${l} (${text})` : l)).join('\n');
    // A week ago one description read differently; two days ago it became today's config (so the
    // first real backup finds no change and posts nothing).
    for (const [daysAgo, body] of [
      [7, older('before the move to the new rack')],
      [2, today],
    ] as const) {
      await store.record({
        device: device.name,
        body,
        collectedAt: new Date(now.getTime() - daysAgo * 86_400_000),
        trigger: 'manual',
        author: 'seed',
      });
    }
    seeded.push(device.name);
  }
  return seeded;
}
