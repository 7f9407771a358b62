import type { AlertEvent } from './payloads.js';

/** What grouping needs to know about a device of the inventory. */
export interface KnownDevice {
  name: string;
  host: string;
  site?: string | undefined;
  channel?: string | undefined;
}

export interface RouteRule {
  /** Every label named must match one of the values given. */
  match: Record<string, string | string[]>;
  channel: string;
}

export interface GroupingInput {
  alert: AlertEvent;
  /** Finds a device by name or address (case-insensitive on names). */
  findDevice(nameOrHost: string): KnownDevice | undefined;
}

export interface Placement {
  key: string;
  device?: string;
  interface?: string;
  site?: string;
  severity?: string;
  /** The alert says the whole device is unreachable: neighbours' link alerts join its incident. */
  deviceDown: boolean;
  title: string;
}

const DEVICE_LABELS = ['device', 'hostname', 'host', 'sysName', 'instance', 'target', 'node'];
const INTERFACE_LABELS = ['interface', 'ifName', 'ifDescr', 'port'];
const DOWN = /(device|host|node|instance|target|router|switch)_?(is_?)?(down|unreachable)|^up$|unreachable/i;

/** `10.0.0.1:9116` → `10.0.0.1`; `[2001:db8::1]:161` → `2001:db8::1`. */
function stripPort(value: string): string {
  const v6 = /^\[([^\]]+)\](:\d+)?$/.exec(value);
  if (v6) return v6[1]!;
  return /^[^:]+:\d+$/.test(value) ? value.slice(0, value.lastIndexOf(':')) : value;
}

/** Which device, interface and incident an alert belongs to. Pure. */
export function place(input: GroupingInput): Placement {
  const { alert, findDevice } = input;
  const labels = alert.labels;
  let device: KnownDevice | undefined;
  let deviceLabel: string | undefined;
  for (const name of DEVICE_LABELS) {
    const v = labels[name];
    if (!v) continue;
    deviceLabel ??= v;
    device = findDevice(stripPort(v));
    if (device) break;
  }
  const iface = INTERFACE_LABELS.map((n) => labels[n]).find((v) => v);
  const site = device?.site ?? labels.site ?? labels.location;
  const severity = labels.severity;
  const deviceDown = Boolean(device) && !iface && DOWN.test(alert.alertname);
  const key = device
    ? `device:${device.name}`
    : alert.groupKey
      ? `group:${alert.groupKey}`
      : deviceLabel
        ? `host:${stripPort(deviceLabel)}`
        : site
          ? `site:${site}:${alert.alertname}`
          : `alert:${alert.alertname}`;
  const where = device?.name ?? (deviceLabel ? stripPort(deviceLabel) : site);
  const title = `${alert.alertname}${where ? ` on ${where}` : ''}${iface ? ` ${iface}` : ''}`;
  return {
    key,
    ...(device ? { device: device.name } : {}),
    ...(iface ? { interface: iface } : {}),
    ...(site ? { site } : {}),
    ...(severity ? { severity } : {}),
    deviceDown,
    title,
  };
}

/** First matching rule's channel, else the device's own channel, else the default. */
export function routeChannel(
  labels: Record<string, string>,
  rules: readonly RouteRule[],
  fallback: { device?: KnownDevice | undefined; channel: string },
): string {
  for (const rule of rules) {
    const ok = Object.entries(rule.match).every(([k, want]) => {
      const v = labels[k];
      return v !== undefined && (Array.isArray(want) ? want.includes(v) : want === v);
    });
    if (ok) return rule.channel;
  }
  return fallback.device?.channel ?? fallback.channel;
}

const SEVERITY_ORDER = ['critical', 'major', 'error', 'high', 'warning', 'minor', 'medium', 'info', 'low'];

/** The more severe of two severities (unknown ones rank last). */
export function worseSeverity(
  a: string | undefined | null,
  b: string | undefined | null,
): string | undefined {
  if (!a) return b ?? undefined;
  if (!b) return a;
  const ra = SEVERITY_ORDER.indexOf(a.toLowerCase());
  const rb = SEVERITY_ORDER.indexOf(b.toLowerCase());
  if (ra === -1) return b;
  if (rb === -1) return a;
  return ra <= rb ? a : b;
}
