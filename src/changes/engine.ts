import type { Device } from '../config.js';
import {
  backupDevice,
  type ConfigStore,
  DEFAULT_SECRET_MARKER,
  normalise,
  rulesFor,
} from '../configs/index.js';
import type { DeviceService, InterfaceInfo, NeighborInfo, RunOptions } from '../devices/index.js';
import { getVendor } from '../devices/index.js';
import type { ChangeContext, VendorChange } from '../devices/vendors/define.js';
import { ErrorCode, NetopsError, userText } from '../errors.js';
import { applyLines, commandsToReach, diffTrees, parseConfig } from './hierarchy.js';
import type { DeviceDryRun, UserCheck } from './store.js';

/**
 * What a change does on one device: dry run, backup, commit inside a confirm window, post-checks,
 * confirm, rollback. Vendor-blind: every vendor difference is in the vendor's `change` data.
 */

/** The parsed views of the device layer the post-checks need (DeviceServiceImpl has them). */
export interface ChangeDevices extends DeviceService {
  interfaces?(device: Device, options?: RunOptions): Promise<InterfaceInfo[]>;
  neighbors?(device: Device, options?: RunOptions): Promise<NeighborInfo[]>;
  forget?(deviceName: string): Promise<void>;
}

/** An SNMP poll of a device: reachable or not, and its interfaces' error counters summed. */
export type SnmpProbe = (
  device: Device,
) => Promise<{ ok: true; errors: bigint } | { ok: false; detail: string }>;

/** Error counters may grow by this much between the checks before the post-checks call it a jump. */
export const ERROR_JUMP = 100n;

export interface EngineDeps {
  devices: ChangeDevices;
  /** Present where the worker polls SNMP; devices without an `snmp` section are not probed. */
  snmp?: SnmpProbe;
  configs: ConfigStore;
  clock: () => Date;
  secretMarker?: string;
  signal?: AbortSignal;
}

export function changeOps(device: Device): VendorChange {
  const v = getVendor(device.vendor);
  if (!v.change) {
    throw new NetopsError(ErrorCode.BAD_ARGS, `changes are not supported on ${device.vendor}`, {
      context: { device: device.name },
      userMessage: `Configuration changes are not supported on \`${device.name}\` (${v.displayName}).`,
      hint: 'Change this device by hand, or leave it out of the change.',
    });
  }
  return v.change;
}

/** Change lines as typed in the modal: one per line, blank lines dropped, trailing spaces trimmed. */
export function changeLines(text: string): string[] {
  return text
    .replace(/\r/g, '')
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => l.trim() !== '');
}

const countDiff = (diff: string) => ({
  added: diff.split('\n').filter((l) => /^\+(?![+]{2} )/.test(l)).length,
  removed: diff.split('\n').filter((l) => /^-(?!-{2} )/.test(l)).length,
});

async function runQuiet(deps: EngineDeps, device: Device, commands: string[]): Promise<void> {
  for (const c of commands) {
    await deps.devices.run(device, [c]).catch(() => {});
  }
}

/** Runs change commands; on a refusal, leaves nothing half-typed behind and closes the session. */
async function runChange(
  deps: EngineDeps,
  device: Device,
  ops: VendorChange,
  c: ChangeContext,
  commands: string[],
) {
  try {
    return await deps.devices.run(device, commands, deps.signal ? { signal: deps.signal } : {});
  } catch (err) {
    await runQuiet(deps, device, ops.abandon(c));
    await deps.devices.forget?.(device.name);
    throw err;
  }
}

function normalised(deps: EngineDeps, device: Device, raw: string): string {
  return normalise(raw, rulesFor(device.vendor), {
    secretMarker: deps.secretMarker ?? DEFAULT_SECRET_MARKER,
  });
}

/** Backs the device up now (so the version is current) and returns that version and its body. */
export async function backupNow(deps: EngineDeps, device: Device, author: string | null = null) {
  const out = await backupDevice(
    {
      devices: deps.devices,
      store: deps.configs,
      clock: deps.clock,
      channelFor: () => undefined,
      ...(deps.secretMarker ? { secretMarker: deps.secretMarker } : {}),
    },
    device,
    { trigger: author ? 'change' : 'manual', author, ...(deps.signal ? { signal: deps.signal } : {}) },
  );
  return { version: out.version, body: await deps.configs.body(out.version.sha256) };
}

export async function dryRunDevice(
  deps: EngineDeps,
  device: Device,
  lines: string[],
  c: ChangeContext,
): Promise<DeviceDryRun> {
  const ops = changeOps(device);
  const { version, body } = await backupNow(deps, device);
  let diff: string;
  let check: string | null = null;
  if (ops.dryRun.kind === 'device') {
    const plan = ops.dryRun.commands(lines, c);
    const outs = await runChange(deps, device, ops, c, plan.commands);
    diff = ops.dryRun.clean(outs[plan.diffAt]?.output ?? '');
    // A candidate that took every line has parsed them; a `commit check` says more where there is one.
    check = 'the device accepted every line';
    if (plan.checkAt !== undefined)
      check = (outs[plan.checkAt]?.output ?? '').replace(/\[edit\]/g, '').trim();
    diff = diff
      .split('\n')
      .filter((l) => !/^(?:---|\+\+\+) /.test(l))
      .join('\n')
      .trim();
  } else {
    const before = parseConfig(body);
    diff = diffTrees(before, applyLines(before, lines)).lines.join('\n');
  }
  return {
    device: device.name,
    vendor: device.vendor,
    diff,
    ...countDiff(diff),
    versionId: version.id,
    check,
  };
}

export interface Health {
  ssh: boolean;
  error?: string;
  interfacesUp: string[];
  bgpEstablished: string[];
  /** Absent: the device has no SNMP settings (or the worker does not poll). */
  snmp?: { ok: true; errors: bigint } | { ok: false; detail: string };
}

/** What the post-checks compare: reachable, which interfaces are up, which BGP sessions established. */
export async function health(deps: EngineDeps, device: Device): Promise<Health> {
  const snmp =
    deps.snmp && device.snmp
      ? await deps.snmp(device).catch((err) => ({ ok: false as const, detail: userText(err) }))
      : undefined;
  const h = await sshHealth(deps, device);
  return snmp ? { ...h, snmp } : h;
}

async function sshHealth(deps: EngineDeps, device: Device): Promise<Health> {
  try {
    const [ifs, nbrs] = await Promise.all([
      deps.devices.interfaces ? deps.devices.interfaces(device) : Promise.resolve([]),
      deps.devices.neighbors ? deps.devices.neighbors(device) : Promise.resolve([]),
    ]);
    return {
      ssh: true,
      interfacesUp: ifs.filter((i) => i.operUp).map((i) => i.name),
      bgpEstablished: nbrs
        .filter((n) => n.protocol === 'bgp' && n.state === 'Established')
        .map((n) => n.peer),
    };
  } catch (err) {
    return { ssh: false, error: userText(err), interfacesUp: [], bgpEstablished: [] };
  }
}

export interface CheckResult {
  name: string;
  ok: boolean;
  detail: string;
}

/** The automatic checks (reachable, BGP and interfaces not fewer than before) plus the user's. */
export async function postChecks(
  deps: EngineDeps,
  device: Device,
  before: Health,
  userChecks: readonly UserCheck[],
): Promise<CheckResult[]> {
  const after = await health(deps, device);
  const out: CheckResult[] = [
    { name: 'reachable over SSH', ok: after.ssh, detail: after.ssh ? 'yes' : (after.error ?? 'no') },
  ];
  if (!after.ssh) return out;
  const lostIf = before.interfacesUp.filter((i) => !after.interfacesUp.includes(i));
  out.push({
    name: 'interfaces up',
    ok: after.interfacesUp.length >= before.interfacesUp.length,
    detail: `${before.interfacesUp.length} → ${after.interfacesUp.length}${lostIf.length ? ` (down: ${lostIf.join(', ')})` : ''}`,
  });
  const lostBgp = before.bgpEstablished.filter((p) => !after.bgpEstablished.includes(p));
  out.push({
    name: 'BGP sessions established',
    ok: after.bgpEstablished.length >= before.bgpEstablished.length,
    detail: `${before.bgpEstablished.length} → ${after.bgpEstablished.length}${lostBgp.length ? ` (lost: ${lostBgp.join(', ')})` : ''}`,
  });
  if (before.snmp?.ok) {
    const a = after.snmp;
    out.push({
      name: 'reachable over SNMP',
      ok: a?.ok === true,
      detail: a?.ok ? 'yes' : (a?.detail ?? 'not polled'),
    });
    if (a?.ok) {
      const grew = a.errors - before.snmp.errors;
      out.push({
        name: 'interface error counters',
        ok: grew <= ERROR_JUMP,
        detail: `+${grew} errors since the commit${grew > ERROR_JUMP ? ` (more than ${ERROR_JUMP})` : ''}`,
      });
    }
  }
  for (const uc of userChecks) {
    try {
      const [r] = await deps.devices.run(device, [uc.command]);
      const ok = new RegExp(uc.expect, 'm').test(r!.output.slice(0, 200_000));
      out.push({
        name: `\`${uc.command}\` ~ /${uc.expect}/`,
        ok,
        detail: ok
          ? 'matched'
          : `no match in: ${r!.output.trim().split('\n').slice(-3).join(' | ').slice(0, 200)}`,
      });
    } catch (err) {
      out.push({ name: `\`${uc.command}\``, ok: false, detail: userText(err) });
    }
  }
  return out;
}

/** Backup-side preparation and the commit inside the confirm window. */
export async function commitConfirmed(deps: EngineDeps, device: Device, lines: string[], c: ChangeContext) {
  const ops = changeOps(device);
  await runChange(deps, device, ops, c, [...ops.prepare(c), ...ops.apply(lines, c)]);
}

export async function confirmChange(deps: EngineDeps, device: Device, c: ChangeContext) {
  const ops = changeOps(device);
  if (ops.confirm(c).length) await deps.devices.run(device, ops.confirm(c));
}

/** The device's running config, normalised the way backups are (comparable with a stored body). */
export async function currentBody(deps: EngineDeps, device: Device): Promise<string> {
  return normalised(deps, device, await deps.devices.runningConfig(device));
}

/**
 * Returns the device to the backup: the vendor's own rollback where it has one, else the commands
 * that turn the running config back into the backup. Says whether the running config now equals it.
 */
export async function rollbackDevice(
  deps: EngineDeps,
  device: Device,
  c: ChangeContext,
  backupBody: string,
): Promise<{ restored: boolean; detail: string }> {
  const ops = changeOps(device);
  const marker = deps.secretMarker ?? DEFAULT_SECRET_MARKER;
  if (ops.rollback) {
    await runChange(deps, device, ops, c, ops.rollback(c));
  } else {
    const now = parseConfig(await currentBody(deps, device));
    // A masked secret cannot be typed back; such lines are left for a person and reported.
    const cmds = commandsToReach(now, parseConfig(backupBody));
    const safe = cmds.filter((l) => !l.includes(marker));
    if (safe.length) await runChange(deps, device, ops, c, ['configure terminal', ...safe, 'end']);
  }
  const after = await currentBody(deps, device);
  if (after === backupBody) return { restored: true, detail: 'running config equals the backup' };
  const d = diffTrees(parseConfig(backupBody), parseConfig(after));
  return {
    restored: false,
    detail: `running config still differs from the backup by ${d.added + d.removed} line(s):\n${d.lines.slice(0, 20).join('\n')}`,
  };
}
