/** What a new incident's thread gets, in order: what changed, device commands, a chart. Pure. */

export interface DiagnosticsVendor {
  commands: { interfaces: string; bgpNeighbors: string; lldpNeighbors?: string };
  diagnostics?: { device: string[]; interface: string[] };
}

export interface DiagnosticsTarget {
  device: string;
  vendor: DiagnosticsVendor;
  interfaces: string[];
}

export type DiagnosticStep =
  | { kind: 'changes'; devices: string[]; sinceMs: number }
  | { kind: 'show'; device: string; command: string }
  | { kind: 'graph'; device: string; iface?: string; rangeMs: number }
  | { kind: 'anomalies'; devices: string[]; rangeMs: number };

export interface PlanOptions {
  /** Devices diagnosed per incident: a storm's incident can name dozens. */
  maxDevices?: number;
  maxInterfacesPerDevice?: number;
  changesWindowMs?: number;
  chartRangeMs?: number;
}

/** Interface names go into CLI commands: nothing but what names are made of. */
const SAFE_IFACE = /^[A-Za-z][\w./:-]{0,63}$/;

export function planDiagnostics(
  targets: readonly DiagnosticsTarget[],
  options: PlanOptions = {},
): DiagnosticStep[] {
  const maxDevices = options.maxDevices ?? 5;
  const maxIfs = options.maxInterfacesPerDevice ?? 3;
  const chosen = targets.slice(0, maxDevices);
  const steps: DiagnosticStep[] = [];
  if (chosen.length)
    steps.push({
      kind: 'changes',
      devices: chosen.map((t) => t.device),
      sinceMs: options.changesWindowMs ?? 86_400_000,
    });
  if (chosen.length)
    steps.push({
      kind: 'anomalies',
      devices: chosen.map((t) => t.device),
      rangeMs: options.chartRangeMs ?? 6 * 3_600_000,
    });
  for (const t of chosen) {
    const ifaces = [...new Set(t.interfaces)].filter((i) => SAFE_IFACE.test(i)).slice(0, maxIfs);
    const cmds: string[] = [];
    for (const i of ifaces)
      for (const c of t.vendor.diagnostics?.interface ?? []) cmds.push(c.replaceAll('{interface}', i));
    cmds.push(t.vendor.commands.interfaces);
    cmds.push(...(t.vendor.diagnostics?.device ?? []));
    cmds.push(t.vendor.commands.bgpNeighbors);
    if (t.vendor.commands.lldpNeighbors) cmds.push(t.vendor.commands.lldpNeighbors);
    for (const command of [...new Set(cmds)]) steps.push({ kind: 'show', device: t.device, command });
    const rangeMs = options.chartRangeMs ?? 6 * 3_600_000;
    if (ifaces.length)
      for (const iface of ifaces) steps.push({ kind: 'graph', device: t.device, iface, rangeMs });
    else steps.push({ kind: 'graph', device: t.device, rangeMs });
  }
  return steps;
}
