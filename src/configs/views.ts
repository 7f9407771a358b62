import type { Device } from '../config.js';
import { ErrorCode, NetopsError } from '../errors.js';
import type { ConfigStore, ConfigVersion } from './store.js';

/** The newest version or a clear "nothing stored yet" error naming what to do. */
export async function requireLatest(store: ConfigStore, device: Device): Promise<ConfigVersion> {
  const v = await store.latest(device.name);
  if (!v) throw noVersions(device.name);
  return v;
}

export function noVersions(device: string): NetopsError {
  return new NetopsError(ErrorCode.NOT_FOUND, `no config versions for ${device}`, {
    context: { device },
    userMessage: `No configuration of \`${device}\` has been backed up yet.`,
    hint: `Run \`config backup ${device}\` to take the first one.`,
  });
}

export async function requireVersion(
  store: ConfigStore,
  device: string,
  ref: string,
): Promise<ConfigVersion> {
  const v = await store.resolve(device, ref);
  if (!v) {
    throw new NetopsError(ErrorCode.NOT_FOUND, `no version ${ref} of ${device}`, {
      context: { device },
      userMessage: `\`${device}\` has no version \`${ref}\`.`,
      hint: `\`config history ${device}\` lists its versions.`,
    });
  }
  return v;
}

export function shortTime(d: Date): string {
  return d
    .toISOString()
    .replace('T', ' ')
    .replace(/:\d{2}\.\d{3}Z$/, 'Z');
}

/** "3 h ago" style ages for history lines. */
export function age(from: Date, now: Date): string {
  const s = Math.max(0, Math.round((now.getTime() - from.getTime()) / 1000));
  if (s < 90) return `${s} s ago`;
  if (s < 5400) return `${Math.round(s / 60)} min ago`;
  if (s < 129_600) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86_400)} d ago`;
}
