import type { Pool } from 'pg';
import type { Vendor } from '../config.js';
import { createConfigStore, DEFAULT_SECRET_MARKER, normalise, rulesFor } from '../configs/index.js';
import type { LabAlertmanager } from './alertmanager.js';
import type { SimSite } from './sim-site.js';
import { backfill, simInterfaces } from './snmp/index.js';

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
   * 'background' (default): the worker's maintenance rolls the history up over the next minutes
   * (weeks-long charts read rollups). 'skip': never, for a one-shot run that reads at most two days
   * (raw) and must not spend minutes rolling up.
   */
  rollups?: 'background' | 'skip';
  /** What the scenario did, for the terminal (a demo follows along). */
  say?(text: string): void;
}

const DAY = 86_400_000;
const HOUR = 3_600_000;
const HISTORY_DAYS = 14;
/**
 * History as dense as a chart of that age needs: the poller's minute for the last hours (a 6-hour
 * chart calls a gap of three minutes an outage), 5 minutes up to the two days charts read raw,
 * half-hours before that (rollups carry it). About a million samples instead of sixteen.
 */
const TIERS = [
  { fromAgoMs: HISTORY_DAYS * DAY, toAgoMs: 2 * DAY, stepSec: 1800 },
  { fromAgoMs: 2 * DAY, toAgoMs: 12 * HOUR, stepSec: 300 },
  { fromAgoMs: 12 * HOUR, toAgoMs: 0, stepSec: 60 },
];
const COLLEAGUES = ['dave', 'erin', 'frank'];
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
  trafficRows: number;
  configVersions: number;
  ms: number;
}

/**
 * Backfills what each device is missing (per device, from its newest sample, so a second start adds
 * only the gap and never doubles a sample), injects the anomaly and seeds config history.
 */
export async function seedHistory(options: LabScenarioOptions): Promise<HistoryResult> {
  const started = Date.now();
  const now = (options.now ?? (() => new Date()))();
  const { pool, site } = options;
  let trafficRows = 0;
  for (const spec of site.snmpSpecs) {
    // From the device's newest sample each attempt, so a retry never writes a sample twice.
    trafficRows += await retryOnConflict(async () => {
      // Polls since the start are not history: look only before `now`.
      const newest = await pool.query<{ t: Date | null }>(
        'SELECT max(ts) AS t FROM samples WHERE device = $1 AND ts < $2',
        [spec.name, now],
      );
      const from = Math.max(newest.rows[0]?.t?.getTime() ?? 0, now.getTime() - HISTORY_DAYS * DAY);
      let rows = 0;
      for (const tier of TIERS) {
        const a = Math.max(from, now.getTime() - tier.fromAgoMs);
        const b = now.getTime() - tier.toAgoMs;
        if (b - a < tier.stepSec * 1000) continue;
        const r = await backfill(pool, [spec], {
          days: (b - a) / DAY,
          stepSec: tier.stepSec,
          end: new Date(b),
          sampled: true,
        });
        rows += r.rows;
      }
      return rows;
    });
  }
  await retryOnConflict(() => injectAnomaly(pool, site, now));
  if (options.rollups === 'skip') {
    await pool.query(
      `INSERT INTO rollup_watermarks (resolution, done_until) VALUES ('5m', $1), ('1h', $1)
       ON CONFLICT (resolution) DO UPDATE SET done_until = GREATEST(rollup_watermarks.done_until, EXCLUDED.done_until)`,
      [now],
    );
  } else {
    // The anomaly's window at least, the whole history when it was just written.
    await rewindRollups(pool, new Date(now.getTime() - (trafficRows > 0 ? HISTORY_DAYS * DAY : 2 * HOUR)));
  }
  const configVersions = await seedConfigHistory(pool, site, now);
  return { trafficRows, configVersions, ms: Date.now() - started };
}

/**
 * The worker polls, upserts interfaces and rolls up while the history is written: the same rows
 * from two sides can deadlock, and Postgres then aborts one of them. Every step here can simply
 * run again.
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
 * The worker's maintenance rolls up from its watermark onwards, and on an empty database its first
 * run may have set that watermark to "now" before the backfill wrote anything: weeks-long charts
 * (which read rollups) would stay empty. Moving the watermark back makes the next maintenance run
 * (every 5 minutes) roll the history up, in the background, as it would any late data.
 */
async function rewindRollups(pool: Pool, from: Date): Promise<void> {
  await pool.query('UPDATE rollup_watermarks SET done_until = LEAST(done_until, $1)', [from]);
}

/**
 * A saturated uplink on the first IOS-XE core from 100 to 40 minutes ago, with discards: the
 * kind of event the analysis work flags and the graph command marks. Raw charts show it at once,
 * rollups after the next maintenance run (see rewindRollups).
 */
export async function injectAnomaly(pool: Pool, site: SimSite, now: Date): Promise<string | undefined> {
  const device = site.fleet.devices.find((d) => d.vendor === 'cisco_iosxe') ?? site.fleet.devices[0];
  if (!device) return undefined;
  const from = new Date(now.getTime() - 100 * 60_000);
  const to = new Date(now.getTime() - 40 * 60_000);
  await pool.query(
    `UPDATE samples SET in_bps = speed_bps * 0.96, in_pps = speed_bps * 0.96 / 8 / 800,
       in_discards = 350, in_errors = 4
     WHERE device = $1 AND ifindex = 1 AND ts >= $2 AND ts < $3`,
    [device.name, from, to],
  );
  return `${device.name} ${simInterfaces(device.vendor, 1)[0]}`;
}

/**
 * Five versions per device over two weeks, ending with today's config: older versions carry
 * descriptions that were later corrected, and lack lines added since. Marked as already announced,
 * so the bot does not post two weeks of diffs when it starts.
 */
async function seedConfigHistory(pool: Pool, site: SimSite, now: Date): Promise<number> {
  const store = createConfigStore(pool);
  let written = 0;
  for (const d of site.fleet.devices) {
    if ((await store.list(d.name, { limit: 1 })).versions.length > 0) continue;
    const current = normalise(d.runningConfig(), rulesFor(d.vendor), { secretMarker: DEFAULT_SECRET_MARKER });
    const versions = pastVersions(current, 4);
    const ages = [13, 10, 6.5, 3, 1.2];
    for (const [i, body] of versions.entries()) {
      const author = i === 0 ? null : COLLEAGUES[(i + d.name.length) % COLLEAGUES.length]!;
      const rec = await store.record({
        device: d.name,
        body,
        collectedAt: new Date(now.getTime() - ages[i]! * DAY),
        trigger: author ? 'syslog' : 'schedule',
        author,
      });
      await store.markNotified(rec.version.id, rec.version.collectedAt);
      if (rec.changed) written++;
    }
  }
  return written;
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

/**
 * Someone else at work: changes an interface description on a simulated device through its config
 * mode. The device sends its config-change syslog, the worker backs it up and posts the diff, with
 * the colleague as author: the same path a real change takes.
 */
export function colleagueChange(
  site: SimSite,
  pick: () => number = Math.random,
): ColleagueChange | undefined {
  const candidates = site.fleet.devices.filter((d) => CONFIGURABLE.includes(d.vendor));
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
  const colleague = setInterval(() => {
    try {
      const c = colleagueChange(options.site);
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
