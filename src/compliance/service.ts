import type { Pool } from 'pg';
import type { Message, Responder } from '../chat/index.js';
import type { Config, Device } from '../config.js';
import { type ConfigsSettings, noticeChannel, resolveSettings } from '../configs/settings.js';
import { type ConfigVersion, createConfigStore } from '../configs/store.js';
import { getVendor } from '../devices/vendors/index.js';
import { type DeviceInfo, evaluateDevice, prepareConfig, type RuleResult, showResult } from './engine.js';
import type { ComplianceConfig } from './schema.js';
import {
  type ComplianceStore,
  createComplianceStore,
  type EvaluatedVersion,
  added,
  type Worsened,
} from './store.js';

export interface ComplianceDeps {
  pool: Pool;
  rules: ComplianceConfig;
  secretMarker: string;
  clock: () => Date;
  store?: ComplianceStore;
}

export const deviceInfo = (d: Device): DeviceInfo => ({
  name: d.name,
  vendor: d.vendor,
  site: d.site,
  role: d.role,
  tags: d.tags,
  host: d.host,
});

/** Evaluates one stored version of a device and records it; returns every result and those it made worse. */
export async function evaluateVersion(
  deps: ComplianceDeps,
  device: Device,
  version: EvaluatedVersion,
  body: string,
): Promise<{ results: RuleResult[]; broken: Worsened[] }> {
  const results = evaluateDevice(deps.rules, deviceInfo(device), body, { secretMarker: deps.secretMarker });
  const store = deps.store ?? createComplianceStore(deps.pool);
  const broken = await store.record(device.name, version, results, deps.clock());
  return { results, broken };
}

/**
 * Evaluates each device's latest stored config (on demand: after a rule change, or to fill the table).
 * Devices never backed up are returned by name.
 */
export async function evaluateLatest(
  deps: ComplianceDeps,
  devices: readonly Device[],
): Promise<{ results: RuleResult[]; neverBackedUp: string[] }> {
  const byName = new Map(devices.map((d) => [d.name, d]));
  const { rows } = await deps.pool.query<{
    device: string;
    body: string;
    version_id: string;
    n: number;
    collected_at: Date;
    author: string | null;
  }>(
    `SELECT l.device, l.body, l.version_id, v.n, v.collected_at, v.author
       FROM config_latest l JOIN config_versions v ON v.id = l.version_id
      WHERE l.device = ANY($1)`,
    [[...byName.keys()]],
  );
  const store = deps.store ?? createComplianceStore(deps.pool);
  const results: RuleResult[] = [];
  const seen = new Set<string>();
  for (const r of rows) {
    const device = byName.get(r.device)!;
    seen.add(r.device);
    const res = evaluateDevice(deps.rules, deviceInfo(device), prepareConfig(device.vendor, r.body), {
      secretMarker: deps.secretMarker,
    });
    await store.record(
      r.device,
      { id: Number(r.version_id), n: Number(r.n), collectedAt: r.collected_at, author: r.author },
      res,
      deps.clock(),
    );
    results.push(...res);
  }
  return { results, neverBackedUp: [...byName.keys()].filter((n) => !seen.has(n)).sort() };
}

export const REMEDIATE_ACTION_ID = 'compliance.remediate';
/** The fleet summary's Remediate all button: value `{scope?, rule?}`. */
export const REMEDIATE_ALL_ACTION_ID = 'compliance.remediate_all';

/**
 * The post telling a device's channel that a new version broke rules, or made a rule it already
 * broke worse (only the new lines are shown for those): which, which lines, and who.
 */
export function driftNotice(
  device: Device,
  version: EvaluatedVersion,
  broken: readonly Worsened[],
  options: { remediate?: boolean } = {},
): Message {
  const who = version.author ? ` by *${version.author}*` : ' (author unknown)';
  const newly = broken.filter((r) => !r.worse);
  const worse = broken.filter((r) => r.worse);
  const names = (rs: readonly Worsened[]) => rs.map((r) => `\`${r.rule}\``).join(', ');
  const what = [
    newly.length
      ? `breaks ${newly.length} compliance rule${newly.length === 1 ? '' : 's'}: ${names(newly)}`
      : '',
    worse.length
      ? `${newly.length ? 'and ' : ''}makes ${worse.length} already failing rule${worse.length === 1 ? '' : 's'} worse: ${names(worse)}`
      : '',
  ]
    .filter(Boolean)
    .join('; ');
  const head = `:warning: *${device.name}* v${version.n}${who} ${what}`;
  const body = broken
    .map((r) => {
      const lines = showResult(r.worse ?? r, device.vendor);
      const shown = lines.slice(0, 15);
      const more = lines.length > shown.length ? `\n… ${lines.length - shown.length} more` : '';
      const before = r.worse
        ? ` (new in this version; ${r.missing.length + r.extra.length} line(s) wrong in all)`
        : '';
      return `*${r.rule}*${before}\n\`\`\`\n${shown.join('\n')}${more}\n\`\`\``;
    })
    .join('\n');
  const text = `${head}\n${body}`;
  const blocks: unknown[] = [{ type: 'section', text: { type: 'mrkdwn', text: text.slice(0, 2900) } }];
  // Only where the bot can change the device at all.
  if (options.remediate && getVendor(device.vendor).change)
    blocks.push({
      type: 'actions',
      elements: [
        {
          type: 'button',
          action_id: REMEDIATE_ACTION_ID,
          text: { type: 'plain_text', text: 'Remediate' },
          value: JSON.stringify({ device: device.name, rules: broken.map((r) => r.rule) }).slice(0, 2000),
        },
      ],
    });
  return { text, blocks };
}

export interface DriftHookDeps extends ComplianceDeps {
  responder?: Responder;
  channelFor(device: Device): string | undefined;
  /** Offer the Remediate button (the bot handles `compliance.remediate`). */
  remediate?: boolean;
  onError?(err: unknown, device: Device): void;
}

/**
 * What of `broken` this version itself did. The stored results were computed with the rules of
 * their day: after a rule edit (before anything re-evaluated the fleet), a backup would otherwise
 * be blamed for what the new rule finds in a config nobody touched. So the version before is
 * evaluated with today's rules too, and only what got worse between the two is the version's:
 * newly failing rules, and for rules failing already only their new lines. If the version before
 * cannot be read, `broken` stands as the store computed it.
 */
async function causedBy(
  deps: ComplianceDeps,
  device: Device,
  prevSha: string,
  broken: readonly Worsened[],
): Promise<Worsened[]> {
  let prevBody: string;
  try {
    prevBody = await createConfigStore(deps.pool).body(prevSha);
  } catch {
    return [...broken];
  }
  const before = new Map(
    evaluateDevice(deps.rules, deviceInfo(device), prevBody, { secretMarker: deps.secretMarker }).map((r) => [
      r.rule,
      r,
    ]),
  );
  const out: Worsened[] = [];
  for (const r of broken) {
    const p = before.get(r.rule);
    if (p?.status !== 'noncompliant') {
      // compliant (or not applicable) before under today's rules: this version broke it
      const { worse: _stale, ...whole } = r;
      out.push(whole);
      continue;
    }
    const worse = { missing: added(p.missing, r.missing), extra: added(p.extra, r.extra) };
    if (worse.missing.length || worse.extra.length) out.push({ ...r, worse });
  }
  return out;
}

/**
 * The hook a backup calls for each new version: evaluate, store, and post a drift notice when the
 * version broke a rule. A failure here is reported, never fails the backup that stored the version.
 */
export function complianceHook(deps: DriftHookDeps) {
  return async (device: Device, version: ConfigVersion, body: string): Promise<void> => {
    // A hand-built Config (tests, older callers) may have no compliance section at all.
    if (!deps.rules?.rules.length) return;
    try {
      const ev = { id: version.id, n: version.n, collectedAt: version.collectedAt, author: version.author };
      const { broken: worse } = await evaluateVersion(deps, device, ev, body);
      const broken =
        worse.length && version.prevSha ? await causedBy(deps, device, version.prevSha, worse) : worse;
      const channel = deps.channelFor(device);
      if (broken.length && channel && deps.responder)
        await deps.responder.post(
          { channel },
          driftNotice(device, ev, broken, deps.remediate ? { remediate: true } : {}),
        );
    } catch (err) {
      deps.onError?.(err, device);
    }
  };
}

/** The hook as every job that stores versions builds it (backup, change dry run, apply, rollback). */
export function jobComplianceHook(
  services: {
    pool: Pool;
    config: Pick<Config, 'compliance' | 'channels'>;
    configs: ConfigsSettings;
    clock: () => Date;
    responder: Responder;
  },
  log: { warn(obj: object, msg: string): void },
) {
  return complianceHook({
    pool: services.pool,
    rules: services.config.compliance,
    secretMarker: resolveSettings(services.configs).secretMarker,
    clock: services.clock,
    responder: services.responder,
    channelFor: (d) => noticeChannel(services.config, d),
    remediate: true,
    onError: (err, d) => log.warn({ err, device: d.name }, 'compliance evaluation failed'),
  });
}
