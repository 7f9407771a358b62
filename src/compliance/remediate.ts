import type { ChangeRequest, CreateChangeInput, WaveStep } from '../changes/index.js';
import type { Device } from '../config.js';
import { getVendor } from '../devices/index.js';
import { remediation, type RuleResult } from './engine.js';

/** A fleet-wide remediation: each device's own vendor-correct lines, and why others were left out. */
export interface FleetRemediation {
  deviceLines: Record<string, string[]>;
  /** The rules the lines fix. */
  rules: string[];
  skipped: Array<{ device: string; why: string }>;
  /** Lines left out because they would carry a secret (set those by hand). */
  withheld: number;
}

type Result = Pick<RuleResult, 'device' | 'rule' | 'status' | 'missing' | 'extra'>;

/**
 * The lines that bring every non-compliant device back to compliance, per device, in its vendor's
 * syntax. Devices the bot cannot change, devices locked by another change and devices whose only
 * fix carries a secret are skipped with the reason. Pure.
 */
export function planFleetRemediation(
  results: readonly Result[],
  devices: readonly Device[],
  options: { secretMarker: string; locked?: ReadonlyMap<string, string> },
): FleetRemediation {
  const out: FleetRemediation = { deviceLines: {}, rules: [], skipped: [], withheld: 0 };
  const rules = new Set<string>();
  for (const device of devices) {
    const mine = results.filter((r) => r.device === device.name);
    const broken = mine.filter((r) => r.status === 'noncompliant');
    const errors = mine.filter((r) => r.status === 'error');
    if (!broken.length) {
      if (errors.length)
        out.skipped.push({
          device: device.name,
          why: `could not be evaluated (${errors.map((r) => r.rule).join(', ')})`,
        });
      continue;
    }
    const v = getVendor(device.vendor);
    if (!v.change) {
      out.skipped.push({ device: device.name, why: `changes are not supported on ${v.displayName}` });
      continue;
    }
    const lock = options.locked?.get(device.name);
    if (lock) {
      out.skipped.push({ device: device.name, why: `locked by change ${lock}` });
      continue;
    }
    const fix = remediation(broken, device.vendor, options.secretMarker);
    out.withheld += fix.withheld.length;
    if (!fix.lines.length) {
      out.skipped.push({ device: device.name, why: 'every fix carries a secret; set it by hand' });
      continue;
    }
    out.deviceLines[device.name] = fix.lines;
    for (const r of broken) rules.add(r.rule);
  }
  out.rules = [...rules].sort();
  return out;
}

/** The text people read for a change with per-device lines: devices with the same fix grouped. */
export function linesSummary(deviceLines: Readonly<Record<string, readonly string[]>>): string[] {
  const groups = new Map<string, string[]>();
  for (const [device, lines] of Object.entries(deviceLines)) {
    const k = lines.join('\n');
    groups.set(k, [...(groups.get(k) ?? []), device]);
  }
  return [...groups].flatMap(([lines, devices]) => [`# ${devices.join(', ')}`, ...lines.split('\n')]);
}

export const wavesText = (w: readonly WaveStep[]) => w.join(', ');

export interface RemediateFleetInput {
  /** The devices in scope (a rule's own scope still decides which rules apply to each). */
  devices: readonly Device[];
  /** Each device's current results (only non-compliant ones are fixed). */
  results: readonly Result[];
  rule?: string;
  waves: WaveStep[];
  requester: string;
  channel?: string;
  secretMarker: string;
  locked?: ReadonlyMap<string, string>;
}

/**
 * One change request for every non-compliant device in scope: per-device lines, one dry run, one
 * approval by a second engineer, applied in waves by the change engine (a canary first).
 */
export async function remediateFleet(
  create: (input: CreateChangeInput) => Promise<ChangeRequest>,
  input: RemediateFleetInput,
): Promise<{ change?: ChangeRequest; plan: FleetRemediation; text: string }> {
  const results = input.rule ? input.results.filter((r) => r.rule === input.rule) : input.results;
  const plan = planFleetRemediation(results, input.devices, {
    secretMarker: input.secretMarker,
    ...(input.locked ? { locked: input.locked } : {}),
  });
  const names = Object.keys(plan.deviceLines);
  const skipped = plan.skipped.map((s) => `\`${s.device}\`: ${s.why}`);
  const withheld = plan.withheld
    ? `${plan.withheld} line(s) carrying a secret were left out; set those by hand.`
    : '';
  const tail = [skipped.length ? `Skipped:\n${skipped.join('\n')}` : '', withheld].filter(Boolean);
  const ruleText = input.rule ? `rule \`${input.rule}\`` : 'every rule';
  if (!names.length) {
    return {
      plan,
      text: [`Nothing to remediate for ${ruleText} in ${input.devices.length} device(s).`, ...tail].join(
        '\n',
      ),
    };
  }
  const change = await create({
    devices: names,
    lines: linesSummary(plan.deviceLines),
    deviceLines: plan.deviceLines,
    waves: input.waves,
    reason: `compliance remediation: ${plan.rules.join(', ')} on ${names.length} device(s)`,
    requester: input.requester,
    ...(input.channel ? { channel: input.channel } : {}),
  });
  return {
    change,
    plan,
    text: [
      `Change ${change.id} created to remediate ${names.length} device(s) for ${ruleText} (${plan.rules.join(', ')}), applied in waves of ${wavesText(input.waves)}: dry run running; the approval card follows in <#${change.channel}>.`,
      ...tail,
    ].join('\n'),
  };
}
