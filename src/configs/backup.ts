import type { Device } from '../config.js';
import type { DeviceService } from '../devices/types.js';
import { ErrorCode, NetopsError } from '../errors.js';
import type { Responder } from '../slack/types.js';
import { changeNotice, diffVersions } from './notice.js';
import { DEFAULT_SECRET_MARKER, normalise } from './normalise.js';
import { rulesFor } from './rules.js';
import type { ConfigStore, ConfigVersion, Trigger } from './store.js';

export interface BackupDeps {
  devices: DeviceService;
  store: ConfigStore;
  responder?: Responder;
  clock: () => Date;
  /** Where change notices go for a device (its own channel, else the changes channel); none: no post. */
  channelFor(device: Device): string | undefined;
  secretMarker?: string;
}

export interface BackupRequest {
  trigger: Trigger;
  author?: string | null;
  signal?: AbortSignal;
}

export interface BackupOutcome {
  device: string;
  changed: boolean;
  version: ConfigVersion;
  previous?: ConfigVersion;
  added?: number;
  removed?: number;
  /** Channel a change notice went to. */
  notified?: string;
}

/**
 * One device: fetch the running config, normalise and scrub it, store it (a new version only when
 * it differs), and announce a new version with its diff. The raw config never leaves this function.
 */
export async function backupDevice(
  deps: BackupDeps,
  device: Device,
  req: BackupRequest,
): Promise<BackupOutcome> {
  const raw = await deps.devices.runningConfig(device, req.signal ? { signal: req.signal } : {});
  const body = normalise(raw, rulesFor(device.vendor), {
    secretMarker: deps.secretMarker ?? DEFAULT_SECRET_MARKER,
  });
  if (!body.trim()) {
    throw new NetopsError(ErrorCode.DEVICE_COMMAND_FAILED, `empty running config from ${device.name}`, {
      context: { device: device.name },
      userMessage: `\`${device.name}\` returned an empty configuration, so nothing was stored.`,
      hint: 'Check that the credential has rights to read the running config.',
    });
  }
  const rec = await deps.store.record({
    device: device.name,
    body,
    collectedAt: deps.clock(),
    trigger: req.trigger,
    author: req.author ?? null,
  });
  const out: BackupOutcome = { device: device.name, changed: rec.changed, version: rec.version };
  if (!rec.changed || !rec.previous) return rec.previous ? { ...out, previous: rec.previous } : out;
  const prevBody = await deps.store.body(rec.previous.sha256);
  const diff = diffVersions(rec.previous, prevBody, rec.version, body);
  Object.assign(out, { previous: rec.previous, added: diff.added, removed: diff.removed });
  const channel = deps.channelFor(device);
  if (channel && deps.responder && diff.text) {
    const notice = changeNotice(rec.previous, rec.version, diff);
    if (notice.message) await deps.responder.post({ channel }, notice.message);
    if (notice.file) await deps.responder.upload({ channel }, [notice.file]);
    out.notified = channel;
  }
  return out;
}
