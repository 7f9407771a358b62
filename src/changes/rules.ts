import { createHash } from 'node:crypto';
import type { DeviceDryRun } from './store.js';

/**
 * Pure rules of a change: the hash an approval is bound to, the risk summary, waves, freeze windows.
 */

/** The hash an approval is bound to: devices, lines, each device's dry-run diff and config version. */
export function changeHash(
  devices: readonly string[],
  lines: string,
  dryRun: readonly DeviceDryRun[],
): string {
  const per = [...dryRun]
    .sort((a, b) => a.device.localeCompare(b.device))
    .map((d) => ({ device: d.device, diff: d.diff, version: d.versionId }));
  return createHash('sha256')
    .update(JSON.stringify({ devices: [...devices].sort(), lines, per }))
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
