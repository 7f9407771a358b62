import type { Device } from '../config.js';

export interface BackupSchedule {
  /** Stable per device: the reconciler adds, keeps or removes schedules by id. */
  id: string;
  jobName: 'config.backup';
  data: { device: string; trigger: 'schedule' };
  every: number;
  /** Phase inside each period, so a fleet does not hit the device layer all at once. */
  offsetMs: number;
}

/** FNV-1a: a cheap, stable string hash (same name → same offset on every worker, every restart). */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * One backup schedule per enabled device: every `every` ms, offset by a deterministic jitter in
 * [0, min(jitter, every)) derived from the device name. Pure data for the schedule reconciler.
 */
export function backupSchedules(
  devices: readonly Device[],
  options: { every?: number; jitter?: number } = {},
): BackupSchedule[] {
  const every = options.every ?? 3_600_000;
  const span = Math.max(1, Math.min(options.jitter ?? 600_000, every));
  return devices
    .filter((d) => d.enabled)
    .map((d) => ({
      id: `config.backup:${d.name}`,
      jobName: 'config.backup' as const,
      data: { device: d.name, trigger: 'schedule' as const },
      every,
      offsetMs: fnv1a(d.name) % span,
    }))
    .sort((a, b) => a.id.localeCompare(b.id));
}
