import type { Config, Device } from '../config.js';
import { DEFAULT_SECRET_MARKER } from './normalise.js';
import { DEFAULT_RETENTION, type RetentionPolicy } from './retention.js';

/** Knobs for config tracking (services key `configs`); defaults apply to what is unset. */
export interface ConfigsSettings {
  /** What secrets become in stored and shown configs (default `<removed>`; no whitespace). */
  secretMarker?: string;
  retention?: RetentionPolicy;
  /** Statement timeout for regex search / section matching. */
  searchTimeoutMs?: number;
}

export function resolveSettings(s: ConfigsSettings | undefined): Required<ConfigsSettings> {
  return {
    secretMarker: s?.secretMarker ?? DEFAULT_SECRET_MARKER,
    retention: s?.retention ?? DEFAULT_RETENTION,
    searchTimeoutMs: s?.searchTimeoutMs ?? 10_000,
  };
}

/** A device's change notices go to its own channel, else the team's changes channel. */
export function noticeChannel(config: Pick<Config, 'channels'>, device: Device): string | undefined {
  return device.channel ?? config.channels.changes;
}
