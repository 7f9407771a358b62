import type { Device } from '../config.js';
import type { DeviceService } from '../devices/types.js';
import { ErrorCode, NetopsError } from '../errors.js';
import type { Responder } from '../chat/index.js';
import { changeNotice, diffVersions } from './notice.js';
import { DEFAULT_SECRET_MARKER, normalise } from './normalise.js';
import { rulesFor } from './rules.js';
import type { ConfigStore, ConfigVersion, Trigger } from './store.js';

/** A stored-but-unannounced version older than this is history, not news: no late notice. */
export const NOTICE_RETRY_WINDOW_MS = 6 * 3_600_000;

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
  // A new version is announced; so is the latest one when an earlier attempt stored it but could
  // not post (Slack down, job retried), as long as it is recent enough to still be news.
  const pendingNotice =
    !rec.changed &&
    rec.version.prevSha !== null &&
    rec.version.notifiedAt === null &&
    deps.clock().getTime() - rec.version.collectedAt.getTime() < NOTICE_RETRY_WINDOW_MS;
  const previous = rec.changed
    ? rec.previous
    : pendingNotice
      ? await deps.store.previous(rec.version)
      : undefined;
  if (rec.previous) out.previous = rec.previous;
  if (!previous) return out;
  const [prevBody, curBody] = await Promise.all([
    deps.store.body(previous.sha256),
    rec.changed ? Promise.resolve(body) : deps.store.body(rec.version.sha256),
  ]);
  const diff = diffVersions(previous, prevBody, rec.version, curBody);
  Object.assign(out, { previous, added: diff.added, removed: diff.removed });
  const channel = deps.channelFor(device);
  if (channel && deps.responder && diff.text) {
    const notice = changeNotice(previous, rec.version, diff);
    if (notice.message) await deps.responder.post({ channel }, notice.message);
    if (notice.file) await deps.responder.upload({ channel }, [notice.file]);
    out.notified = channel;
  }
  // Marked after the post: a failed post leaves it unmarked, so the retry announces it.
  await deps.store.markNotified(rec.version.id, deps.clock());
  return out;
}
