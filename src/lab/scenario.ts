import type { Pool } from 'pg';
import type { Vendor } from '../config.js';
import type { LabAlertmanager } from './alertmanager.js';
import type { SimSite } from './sim-site.js';
import { type HistoryOverride, writeLabHistory } from './snmp/history.js';
import { simInterfaces } from './snmp/index.js';

/**
 * The lab's story, so a first look at the console finds something to look at: two weeks of traffic,
 * a config history with authors, an anomaly an hour ago, a colleague who changes things now and
 * then (over the simulated device's own config mode, so syslog and the backup follow for real), and
 * monitoring alerts in Alertmanager's webhook format.
 */
export interface LabScenarioOptions {
  pool: Pool;
  site: SimSite;
  /** When the lab started: history ends here, whatever the poller has written since. */
  now?: () => Date;
  /**
   * 'background' (default): the history's rollups are written after its samples (`rollups()`).
   * 'skip': none, for a one-shot run that reads at most two days (raw).
   */
  rollups?: 'background' | 'skip';
  /** What the scenario did, for the terminal (a demo follows along). */
  say?(text: string): void;
}

const HISTORY_DAYS = 14;
/** The simulated colleagues who change configs (and authored the seeded config history). */
export const COLLEAGUES = ['dave', 'erin', 'frank'];
/** Vendors whose simulated config mode the colleague knows how to drive. */
const CONFIGURABLE: Vendor[] = ['cisco_iosxe', 'arista_eos', 'cisco_nxos', 'juniper_junos'];
const DESCRIPTIONS = [
  'to dc2-spine1 Eth1/49 via CID-4471',
  'reserved: Nordic transit (CHG-2231)',
  'temp patch for maintenance window',
  'uplink to fw-cluster-b',
  'peering: AS64512 private interconnect',
  'free (decommissioned 2026-11)',
];

export interface HistoryResult {
  /** Samples written (as packed interface-hours). */
  trafficRows: number;
  ms: number;
  /** The history's rollups, written after the samples: resolves when they are. */
  rollups(): Promise<{ rows: number; ms: number }>;
}

/**
 * Writes what each device is missing (see writeLabHistory: packed samples and their rollups,
 * never a sample twice), with the anomaly in it. The config history is seed-configs.ts's.
 */
export async function seedHistory(options: LabScenarioOptions): Promise<HistoryResult> {
  const started = Date.now();
  const now = (options.now ?? (() => new Date()))();
  const { pool, site } = options;
  const h = await retryOnConflict(() =>
    writeLabHistory(pool, site.snmpSpecs, {
      end: now,
      days: HISTORY_DAYS,
      override: anomaly(site, now),
      rollups: options.rollups === 'skip' ? 'none' : 'after',
    }),
  );
  return {
    trafficRows: h.samples,
    ms: Date.now() - started,
    rollups: () => retryOnConflict(() => h.rollups()),
  };
}

/**
 * The worker polls and upserts interfaces while the history is written: the same rows from two
 * sides can deadlock, and Postgres then aborts one of them. Every step here can simply run again
 * (a device written whole is not written again).
 */
async function retryOnConflict<T>(fn: () => Promise<T>, tries = 4): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (attempt >= tries || (code !== '40P01' && code !== '40001')) throw err;
      await new Promise((r) => setTimeout(r, 200 * attempt));
    }
  }
}

/**
 * A saturated uplink on the first IOS-XE core from 100 to 40 minutes ago, with discards: the kind
 * of event the analysis work flags and the graph command marks. Part of the history as written,
 * so raw samples and rollups agree on it.
 */
export function anomaly(site: SimSite, now: Date): HistoryOverride | undefined {
  const device = site.fleet.devices.find((d) => d.vendor === 'cisco_iosxe') ?? site.fleet.devices[0];
  if (!device) return undefined;
  const from = now.getTime() - 100 * 60_000;
  const to = now.getTime() - 40 * 60_000;
  return (name, ifIndex, t, row, speedBps) => {
    if (name !== device.name || ifIndex !== 1 || t < from || t >= to) return;
    row.in_bps = speedBps * 0.96;
    row.in_pps = (speedBps * 0.96) / 8 / 800;
    row.in_discards = 350;
    row.in_errors = 4;
  };
}

/**
 * `count` earlier versions of `current`, oldest first, then `current` itself. Each step back undoes
 * one edit: a description that read differently, or a logging/NTP/SNMP line not there yet.
 */
export function pastVersions(current: string, count: number): string[] {
  const lines = current.split('\n');
  const descs = lines.flatMap((l, i) => (/\bdescription\b/.test(l) ? [i] : []));
  const additions = lines.flatMap((l, i) =>
    /\b(logging|ntp|snmp)/.test(l) && !/^\s*[!#]/.test(l) ? [i] : [],
  );
  const edits: Array<(ls: (string | null)[]) => void> = [];
  // Distinct lines per edit, or two edits could cancel out and leave two identical versions.
  const rewrite = (k: number) => {
    const i = descs[Math.floor((k / count) * descs.length)];
    return i === undefined
      ? undefined
      : (ls: (string | null)[]) => {
          ls[i] = ls[i]!.replace(/(\bdescription\s+"?)[^";]*/, `$1${DESCRIPTIONS[k % DESCRIPTIONS.length]}`);
        };
  };
  const drop = (k: number) => {
    const i = additions[k];
    return i === undefined
      ? undefined
      : (ls: (string | null)[]) => {
          ls[i] = null;
        };
  };
  for (let k = 0; k < count; k++) {
    const e = k % 2 === 0 ? (rewrite(k) ?? drop(k)) : (drop(k) ?? rewrite(k));
    if (e) edits.push(e);
  }
  const out: string[] = [];
  for (let v = 0; v < edits.length; v++) {
    const ls: (string | null)[] = [...lines];
    // Version v still has edits v.. undone; later versions have fewer.
    for (const e of edits.slice(v)) e(ls);
    out.push(ls.filter((l): l is string => l !== null).join('\n'));
  }
  out.push(current);
  return out;
}

export interface ColleagueChange {
  device: string;
  user: string;
  interface: string;
  description: string;
}

/** Change requests that may still touch their devices (from the form to the end of the apply). */
const OPEN_CHANGE_STATES = ['requested', 'dry_run', 'awaiting_approval', 'approved', 'applying'];

/**
 * Devices with a change request open on them. The simulated colleague leaves those alone, as one who
 * reads #net-changes would: an edit between a request's dry run and its apply voids the request
 * (the apply refuses a configuration that changed since the dry run), so a demo user's change
 * failed whenever the colleague happened to pick the same device.
 */
export async function devicesUnderChange(pool: Pool): Promise<Set<string>> {
  const { rows } = await pool.query<{ device: string }>(
    'SELECT DISTINCT unnest(devices) AS device FROM change_requests WHERE state = ANY($1::text[])',
    [OPEN_CHANGE_STATES],
  );
  return new Set(rows.map((r) => r.device));
}

/**
 * Someone else at work: changes an interface description on a simulated device through its config
 * mode. The device sends its config-change syslog, the worker backs it up and posts the diff, with
 * the colleague as author: the same path a real change takes. Devices in `avoid` are not picked.
 */
export function colleagueChange(
  site: SimSite,
  pick: () => number = Math.random,
  avoid: ReadonlySet<string> = new Set(),
): ColleagueChange | undefined {
  const candidates = site.fleet.devices.filter((d) => CONFIGURABLE.includes(d.vendor) && !avoid.has(d.name));
  const device = candidates[Math.floor(pick() * candidates.length)];
  if (!device) return undefined;
  const user = COLLEAGUES[Math.floor(pick() * COLLEAGUES.length)]!;
  const ifname = simInterfaces(device.vendor, 8)[2 + Math.floor(pick() * 6)]!;
  const description = DESCRIPTIONS[Math.floor(pick() * DESCRIPTIONS.length)]!;
  const lines =
    device.vendor === 'juniper_junos'
      ? [`set interfaces ${ifname} description "${description}"`]
      : [`interface ${ifname}`, ` description ${description}`];
  device.configure(lines, user);
  return { device: device.name, user, interface: ifname, description };
}

/** One alert as Alertmanager's webhook sends it (version 4). */
export function alertmanagerPayload(
  alert: { name: string; device: string; interface?: string; severity: string; summary: string },
  status: 'firing' | 'resolved',
  at: Date,
): Record<string, unknown> {
  const labels = {
    alertname: alert.name,
    device: alert.device,
    ...(alert.interface ? { interface: alert.interface } : {}),
    severity: alert.severity,
  };
  const fingerprint = Buffer.from(JSON.stringify(labels)).toString('hex').slice(0, 16);
  return {
    version: '4',
    groupKey: `{}:{alertname="${alert.name}"}`,
    truncatedAlerts: 0,
    status,
    receiver: 'netops-bot',
    groupLabels: { alertname: alert.name },
    commonLabels: labels,
    commonAnnotations: { summary: alert.summary },
    externalURL: 'http://127.0.0.1:9093',
    alerts: [
      {
        status,
        labels,
        annotations: { summary: alert.summary },
        startsAt: at.toISOString(),
        endsAt: status === 'resolved' ? at.toISOString() : '0001-01-01T00:00:00Z',
        generatorURL: 'http://127.0.0.1:9090/graph',
        fingerprint,
      },
    ],
  };
}

/** The alerts the lab fires in turn: the anomaly's interface, a BGP session, a hot CPU. */
export function labAlerts(site: SimSite): Array<Parameters<typeof alertmanagerPayload>[0]> {
  const ios = site.fleet.devices.find((d) => d.vendor === 'cisco_iosxe') ?? site.fleet.devices[0];
  const junos = site.fleet.devices.find((d) => d.vendor === 'juniper_junos') ?? ios;
  const eos = site.fleet.devices.find((d) => d.vendor === 'arista_eos') ?? ios;
  if (!ios || !junos || !eos) return [];
  return [
    {
      name: 'InterfaceSaturated',
      device: ios.name,
      interface: simInterfaces(ios.vendor, 1)[0]!,
      severity: 'critical',
      summary: `${ios.name} ${simInterfaces(ios.vendor, 1)[0]} inbound above 95% for 10 minutes`,
    },
    {
      name: 'BGPSessionDown',
      device: junos.name,
      severity: 'warning',
      summary: `${junos.name}: BGP session to 192.0.2.9 (AS64512) is down`,
    },
    {
      name: 'HighCPU',
      device: eos.name,
      severity: 'warning',
      summary: `${eos.name}: CPU above 85% for 15 minutes`,
    },
  ];
}

export interface ScenarioLoopOptions {
  site: SimSite;
  say?(text: string): void;
  /** The bot's alert webhook (Alertmanager format). */
  alertUrl: string;
  /** A real Alertmanager to fire alerts through (it calls alertUrl); else they are posted directly. */
  alertmanager?: LabAlertmanager;
  /** The intake's bearer secret, sent on the lab's own posts (Alertmanager has it in its config). */
  alertToken?: string;
  colleagueEveryMs: number;
  alertEveryMs: number;
  /** Devices the colleague must not touch now (see devicesUnderChange). */
  busy?(): Promise<ReadonlySet<string>>;
}

/**
 * Runs the colleague and the alerts on timers until stop(). A missing alert intake (404) is said
 * once, not on every tick.
 */
export function startScenarioLoop(options: ScenarioLoopOptions): { stop(): void } {
  const say = options.say ?? (() => {});
  const alerts = labAlerts(options.site);
  let alertIdx = 0;
  let toldNoIntake = false;
  const headers = {
    'content-type': 'application/json',
    ...(options.alertToken ? { authorization: `Bearer ${options.alertToken}` } : {}),
  };
  const noIntake = (status: number) => {
    if (status !== 404 || toldNoIntake) return status === 404;
    toldNoIntake = true;
    say(`lab: the bot has no alert intake at ${options.alertUrl} yet (HTTP 404): alerts go nowhere`);
    return true;
  };
  const colleague = setInterval(async () => {
    try {
      const c = colleagueChange(options.site, Math.random, (await options.busy?.()) ?? new Set());
      if (c) say(`lab: ${c.user} set the description of ${c.interface} on ${c.device} to "${c.description}"`);
    } catch (err) {
      say(`lab: the colleague's change failed: ${(err as Error).message}`);
    }
  }, options.colleagueEveryMs);
  const am = options.alertmanager;
  if (am) {
    // Alertmanager swallows the bot's 404 into its own log; ask the intake once, with nothing in it.
    void fetch(options.alertUrl, {
      method: 'POST',
      headers,
      body: JSON.stringify({ version: '4', status: 'firing', alerts: [] }),
    })
      .then((r) => noIntake(r.status))
      .catch(() => {});
  }
  const alerting = setInterval(async () => {
    const alert = alerts[alertIdx++ % alerts.length];
    if (!alert) return;
    const now = new Date();
    try {
      if (am) {
        const p = alertmanagerPayload(alert, 'firing', now) as { alerts: Array<Record<string, unknown>> };
        const a = p.alerts[0]!;
        await am.push([
          {
            labels: a.labels as Record<string, string>,
            annotations: a.annotations as Record<string, string>,
            startsAt: now.toISOString(),
            // Resolved by Alertmanager itself two periods later, so threads see both states.
            endsAt: new Date(now.getTime() + 2 * options.alertEveryMs).toISOString(),
            generatorURL: String(a.generatorURL),
          },
        ]);
        say(`lab: alert ${alert.name} on ${alert.device} fired through Alertmanager (${am.url})`);
        return;
      }
      const res = await fetch(options.alertUrl, {
        method: 'POST',
        headers,
        body: JSON.stringify(alertmanagerPayload(alert, 'firing', now)),
      });
      if (!noIntake(res.status)) say(`lab: alert ${alert.name} on ${alert.device} sent (HTTP ${res.status})`);
    } catch (err) {
      say(`lab: alert not sent: ${(err as Error).message}`);
    }
  }, options.alertEveryMs);
  colleague.unref();
  alerting.unref();
  return {
    stop() {
      clearInterval(colleague);
      clearInterval(alerting);
    },
  };
}
