import { createHash } from 'node:crypto';
import type { DeviceDryRun } from './store.js';

/**
 * Pure rules of a change: the hash an approval is bound to, the risk summary, waves, freeze windows.
 */

/** What a change carries beyond one set of lines: per-device lines and its own wave plan. */
export interface ChangePlan {
  deviceLines?: Readonly<Record<string, string>> | null;
  waves?: readonly WaveStep[] | null;
}

/**
 * The hash an approval is bound to: devices, lines, each device's dry-run diff and config version,
 * and (when the change has them) its per-device lines and wave plan.
 */
export function changeHash(
  devices: readonly string[],
  lines: string,
  dryRun: readonly DeviceDryRun[],
  plan: ChangePlan = {},
): string {
  const per = [...dryRun]
    .sort((a, b) => a.device.localeCompare(b.device))
    .map((d) => ({ device: d.device, diff: d.diff, version: d.versionId }));
  const extra: Record<string, unknown> = {};
  if (plan.deviceLines)
    extra.deviceLines = Object.keys(plan.deviceLines)
      .sort()
      .map((d) => [d, plan.deviceLines![d]]);
  if (plan.waves) extra.waves = plan.waves;
  return createHash('sha256')
    .update(JSON.stringify({ devices: [...devices].sort(), lines, per, ...extra }))
    .digest('hex');
}

export interface Risk {
  added: number;
  removed: number;
  /** Areas touched: management interface, routing, ACLs, AAA. */
  touches: string[];
}

const AREAS: Array<{ name: string; pattern: RegExp }> = [
  {
    name: 'management interface',
    pattern: /\b(?:mgmt\d*|Management\d|fxp0|em0|me0|vrf management|management api|line vty)\b/i,
  },
  {
    name: 'routing',
    pattern:
      /\b(?:router (?:bgp|ospf|isis|eigrp)|protocols (?:bgp|ospf|isis)|ip route|routing-options|route-map|neighbor|policy-statement|prefix-list)\b/i,
  },
  {
    name: 'ACLs',
    pattern: /\b(?:access-list|access-group|firewall (?:family|filter)|filter input|filter output)\b/i,
  },
  {
    name: 'AAA',
    pattern: /\b(?:aaa|tacacs|radius|username|system login|authentication-order|enable secret)\b/i,
  },
];

/** Risk from the diffs (what really changes), not only the typed lines. */
export function riskOf(dryRun: readonly DeviceDryRun[]): Risk {
  const touched = new Set<string>();
  let added = 0;
  let removed = 0;
  for (const d of dryRun) {
    added += d.added;
    removed += d.removed;
    // Context lines count too: `description x` under `interface mgmt0` touches the management port.
    let context: string[] = [];
    for (const line of d.diff.split('\n')) {
      const changed = /^[+-](?![+-]{2})/.test(line);
      if (!changed) {
        const depth = /^ ?(\s*)/.exec(line)![1]!.length;
        context = [...context.slice(0, depth), line.trim()];
        continue;
      }
      const text = [...context, line.slice(1).trim()].join(' ');
      for (const a of AREAS) if (a.pattern.test(text)) touched.add(a.name);
    }
  }
  return { added, removed, touches: AREAS.map((a) => a.name).filter((n) => touched.has(n)) };
}

/** A canary of one device, then waves of `size`. */
export function planWaves(devices: readonly string[], size: number): string[][] {
  if (devices.length === 0) return [];
  const [canary, ...rest] = devices;
  const waves: string[][] = [[canary!]];
  for (let i = 0; i < rest.length; i += Math.max(1, size)) waves.push(rest.slice(i, i + Math.max(1, size)));
  return waves;
}

/** One step of a wave plan: a device count, a share of the devices (`10%`), or `rest`. */
export type WaveStep = number | `${number}%` | 'rest';

/**
 * Waves from a plan such as `[1, '10%', 'rest']`: each step takes that many of the devices not yet
 * planned (a share is of all devices, rounded up, at least one); the last step repeats until every
 * device has a wave, so `[1, 5]` is a canary and then waves of five.
 */
export function planWavesBy(devices: readonly string[], steps: readonly WaveStep[]): string[][] {
  const waves: string[][] = [];
  const total = devices.length;
  const size = (s: WaveStep) =>
    s === 'rest'
      ? Number.POSITIVE_INFINITY
      : typeof s === 'number'
        ? Math.max(1, Math.floor(s))
        : Math.max(1, Math.ceil((total * Number.parseFloat(s)) / 100));
  let i = 0;
  for (let k = 0; i < total; k++) {
    const n = size(steps[Math.min(k, steps.length - 1)] ?? 'rest');
    waves.push(devices.slice(i, i + n));
    i += waves[waves.length - 1]!.length;
  }
  return waves;
}

/** Parses `1,10%,rest` into wave steps, or says what is wrong with it. */
export function parseWaves(text: string): { steps: WaveStep[] } | { error: string } {
  const steps: WaveStep[] = [];
  for (const part of text.split(',').map((p) => p.trim().toLowerCase())) {
    if (part === 'rest') steps.push('rest');
    else if (/^\d{1,4}$/.test(part) && Number(part) >= 1) steps.push(Number(part));
    else if (/^\d{1,3}%$/.test(part) && Number(part.slice(0, -1)) >= 1 && Number(part.slice(0, -1)) <= 100)
      steps.push(part as `${number}%`);
    else return { error: `\`${part}\` is not a device count, a percentage (10%) or \`rest\`` };
  }
  if (!steps.length) return { error: 'no waves given' };
  if (steps.slice(0, -1).includes('rest')) return { error: '`rest` can only be the last wave' };
  return { steps };
}

export interface FreezeWindow {
  start: Date;
  end: Date;
  reason?: string;
}

export function activeFreeze(freezes: readonly FreezeWindow[], at: Date): FreezeWindow | undefined {
  return freezes.find((f) => f.start.getTime() <= at.getTime() && at.getTime() < f.end.getTime());
}

/** Parses the modal's post-check field: one `command => regex` per line. */
export function parseChecks(text: string): {
  checks: Array<{ command: string; expect: string }>;
  errors: string[];
} {
  const checks: Array<{ command: string; expect: string }> = [];
  const errors: string[] = [];
  text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .forEach((line, i) => {
      const m = /^(.+?)\s*=>\s*(.+)$/.exec(line);
      if (!m) {
        errors.push(`line ${i + 1}: write \`command => expected pattern\` (got "${line.slice(0, 60)}")`);
        return;
      }
      try {
        new RegExp(m[2]!);
      } catch {
        errors.push(`line ${i + 1}: "${m[2]}" is not a valid regular expression`);
        return;
      }
      checks.push({ command: m[1]!.trim(), expect: m[2]!.trim() });
    });
  return { checks, errors };
}
