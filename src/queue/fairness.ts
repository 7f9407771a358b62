/**
 * How a big request shares the workers with everyone else's.
 *
 * A request that touches many devices (`config backup all`, a fleet-wide job) is split into one
 * child job per device, and the children are queued with a BullMQ priority equal to their place in
 * their own request: the first device of every fan-out has priority 1, the second 2, and so on.
 * BullMQ hands out jobs without a priority (a person's `show`, a scheduled poll) before any
 * prioritised one, and prioritised ones lowest number first, in the order they came. So:
 *
 * - a single command from anyone waits at most for one device-job slot to free up, however many
 *   children are queued ahead of it;
 * - two fan-outs running at once take turns device by device (round robin), instead of the second
 *   waiting for all of the first.
 */
export const MAX_PRIORITY = 2_097_152; // BullMQ's limit (2^21)

/** The priority of the `index`-th (from 0) child job of one fan-out. */
export function fanOutPriority(index: number): number {
  return Math.min(Math.max(1, Math.floor(index) + 1), MAX_PRIORITY);
}
