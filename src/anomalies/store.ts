import type { Pool } from 'pg';
import type { Baseline } from '../analysis/index.js';
import { type StoredInterface, storedInterface } from '../metrics/store.js';

/**
 * Postgres side of analysis: cached baselines, daily p95s, anomalies grouped per device, feedback
 * and the tuning it leaves behind. Metrics themselves are read through src/metrics, never here.
 */

export interface AnomalyRow {
  id: number;
  groupId: number | null;
  device: string;
  ifindex: number;
  ifname: string;
  metric: string;
  kind: string;
  side: string;
  since: Date;
  detectedAt: Date;
  clearedAt: Date | null;
  observed: number | null;
  expected: number | null;
  low: number | null;
  high: number | null;
  peak: number | null;
  explanation: string;
}

export interface GroupRow {
  id: number;
  device: string;
  channel: string;
  ts: string | null;
  openedAt: Date;
  closedAt: Date | null;
}

export interface FeedbackRow {
  groupId: number;
  userId: string;
  verdict: 'expected' | 'real';
  action: string | null;
  until: Date | null;
  createdAt: Date;
}

const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

function toAnomaly(r: Record<string, unknown>): AnomalyRow {
  return {
    id: Number(r.id),
    groupId: num(r.group_id),
    device: String(r.device),
    ifindex: Number(r.ifindex),
    ifname: String(r.ifname),
    metric: String(r.metric),
    kind: String(r.kind),
    side: String(r.side),
    since: r.since as Date,
    detectedAt: r.detected_at as Date,
    clearedAt: (r.cleared_at as Date | null) ?? null,
    observed: num(r.observed),
    expected: num(r.expected),
    low: num(r.low),
    high: num(r.high),
    peak: num(r.peak),
    explanation: String(r.explanation),
  };
}

function toGroup(r: Record<string, unknown>): GroupRow {
  return {
    id: Number(r.id),
    device: String(r.device),
    channel: String(r.channel),
    ts: (r.ts as string | null) ?? null,
    openedAt: r.opened_at as Date,
    closedAt: (r.closed_at as Date | null) ?? null,
  };
}

export async function loadBaselines(
  pool: Pool,
  device: string,
): Promise<Map<string, { computedAt: Date; baseline: Baseline | null }>> {
  const { rows } = await pool.query(
    'SELECT ifindex, metric, computed_at, baseline FROM analysis_baselines WHERE device = $1',
    [device],
  );
  return new Map(
    rows.map((r) => [`${r.ifindex}/${r.metric}`, { computedAt: r.computed_at, baseline: r.baseline }]),
  );
}

export async function saveBaseline(
  pool: Pool,
  device: string,
  ifindex: number,
  metric: string,
  at: Date,
  baseline: Baseline | undefined,
): Promise<void> {
  await pool.query(
    `INSERT INTO analysis_baselines (device, ifindex, metric, computed_at, baseline) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (device, ifindex, metric) DO UPDATE SET computed_at = EXCLUDED.computed_at, baseline = EXCLUDED.baseline`,
    [device, ifindex, metric, at, baseline ? JSON.stringify(baseline) : null],
  );
}

export async function saveDaily(
  pool: Pool,
  device: string,
  ifindex: number,
  metric: string,
  days: readonly { day: number; p95: number; n: number }[],
): Promise<void> {
  if (!days.length) return;
  await pool.query(
    `INSERT INTO analysis_daily (device, ifindex, metric, day, p95, n)
     SELECT $1, $2, $3, (to_timestamp(d / 1000) AT TIME ZONE 'UTC')::date, p, n
       FROM unnest($4::float8[], $5::float8[], $6::int[]) AS u(d, p, n)
     ON CONFLICT (device, ifindex, metric, day) DO UPDATE SET p95 = EXCLUDED.p95, n = EXCLUDED.n`,
    [device, ifindex, metric, days.map((d) => d.day), days.map((d) => d.p95), days.map((d) => d.n)],
  );
}

export async function loadDaily(
  pool: Pool,
  device: string,
  ifindex: number,
  metric: string,
  since: Date,
): Promise<{ day: number; p95: number; n: number }[]> {
  const { rows } = await pool.query(
    `SELECT (extract(epoch FROM day::timestamp AT TIME ZONE 'UTC') * 1000)::float8 AS day, p95, n
       FROM analysis_daily WHERE device = $1 AND ifindex = $2 AND metric = $3 AND day >= $4::date ORDER BY day`,
    [device, ifindex, metric, since.toISOString().slice(0, 10)],
  );
  return rows.map((r) => ({ day: Number(r.day), p95: Number(r.p95), n: Number(r.n) }));
}

/** An interface as the analysis sees it: what the poller last stored of it (no samples). */
export type AnalysedInterface = StoredInterface;

/**
 * The interfaces of several devices in one query, in ifindex order: the list both metrics
 * backends' latestInterfaces give, without the latest sample of each, which the analysis never
 * read (a lateral look-up per interface was a third of a round's reads).
 */
export async function interfacesOf(
  pool: Pool,
  devices: readonly string[],
): Promise<Map<string, AnalysedInterface[]>> {
  const out = new Map<string, AnalysedInterface[]>(devices.map((d) => [d, []]));
  if (!devices.length) return out;
  const { rows } = await pool.query(
    `SELECT device, ifindex, name, alias, speed_bps, oper_status, admin_status FROM interfaces
      WHERE device = ANY($1::text[]) ORDER BY device, ifindex`,
    [[...devices]],
  );
  for (const r of rows) out.get(r.device)?.push(storedInterface(r));
  return out;
}

export interface Tuning {
  bandFactor: number;
  mutedUntil: Date | null;
}

export async function loadTuning(pool: Pool, device: string): Promise<Map<string, Tuning>> {
  return (await loadTuningOf(pool, [device])).get(device)!;
}

/** loadTuning of several devices in one query. */
export async function loadTuningOf(
  pool: Pool,
  devices: readonly string[],
): Promise<Map<string, Map<string, Tuning>>> {
  const out = new Map<string, Map<string, Tuning>>(devices.map((d) => [d, new Map()]));
  const { rows } = await pool.query(
    'SELECT device, ifindex, metric, band_factor, muted_until FROM analysis_tuning WHERE device = ANY($1::text[])',
    [[...devices]],
  );
  for (const r of rows)
    out.get(r.device)?.set(`${r.ifindex}/${r.metric}`, {
      bandFactor: Number(r.band_factor),
      mutedUntil: r.muted_until ?? null,
    });
  return out;
}

export async function openAnomalies(pool: Pool, device: string): Promise<AnomalyRow[]> {
  return (await openAnomaliesOf(pool, [device])).get(device)!;
}

/** openAnomalies of several devices in one query. */
export async function openAnomaliesOf(
  pool: Pool,
  devices: readonly string[],
): Promise<Map<string, AnomalyRow[]>> {
  const out = new Map<string, AnomalyRow[]>(devices.map((d) => [d, []]));
  const { rows } = await pool.query(
    'SELECT * FROM anomalies WHERE device = ANY($1::text[]) AND cleared_at IS NULL ORDER BY id',
    [[...devices]],
  );
  for (const r of rows) out.get(r.device)?.push(toAnomaly(r));
  return out;
}

export type NewAnomaly = Omit<AnomalyRow, 'id' | 'groupId' | 'clearedAt'>;

/** Inserts unless the same series already has an open anomaly (two workers, one poll). */
export async function insertAnomaly(pool: Pool, a: NewAnomaly, groupId: number): Promise<AnomalyRow | null> {
  const { rows } = await pool.query(
    `INSERT INTO anomalies (group_id, device, ifindex, ifname, metric, kind, side, since, detected_at,
                            observed, expected, low, high, peak, explanation)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
     ON CONFLICT (device, ifindex, metric) WHERE cleared_at IS NULL DO NOTHING
     RETURNING *`,
    [
      groupId,
      a.device,
      a.ifindex,
      a.ifname,
      a.metric,
      a.kind,
      a.side,
      a.since,
      a.detectedAt,
      a.observed,
      a.expected,
      a.low,
      a.high,
      a.peak,
      a.explanation,
    ],
  );
  return rows[0] ? toAnomaly(rows[0]) : null;
}

export async function clearAnomaly(pool: Pool, id: number, at: Date): Promise<void> {
  await pool.query('UPDATE anomalies SET cleared_at = $2 WHERE id = $1 AND cleared_at IS NULL', [id, at]);
}

export async function openGroup(
  pool: Pool,
  device: string,
  channel: string,
): Promise<{ group: GroupRow; created: boolean }> {
  const ins = await pool.query(
    `INSERT INTO anomaly_groups (device, channel) VALUES ($1, $2)
     ON CONFLICT (device) WHERE closed_at IS NULL DO NOTHING RETURNING *`,
    [device, channel],
  );
  if (ins.rows[0]) return { group: toGroup(ins.rows[0]), created: true };
  const { rows } = await pool.query('SELECT * FROM anomaly_groups WHERE device = $1 AND closed_at IS NULL', [
    device,
  ]);
  return { group: toGroup(rows[0]), created: false };
}

export async function setGroupTs(pool: Pool, id: number, ts: string): Promise<void> {
  await pool.query('UPDATE anomaly_groups SET ts = $2 WHERE id = $1', [id, ts]);
}

export async function closeGroup(pool: Pool, id: number, at: Date): Promise<void> {
  await pool.query('UPDATE anomaly_groups SET closed_at = $2 WHERE id = $1 AND closed_at IS NULL', [id, at]);
}

export async function getGroup(pool: Pool, id: number): Promise<GroupRow | undefined> {
  const { rows } = await pool.query('SELECT * FROM anomaly_groups WHERE id = $1', [id]);
  return rows[0] ? toGroup(rows[0]) : undefined;
}

export async function groupAnomalies(pool: Pool, groupId: number): Promise<AnomalyRow[]> {
  const { rows } = await pool.query('SELECT * FROM anomalies WHERE group_id = $1 ORDER BY id', [groupId]);
  return rows.map(toAnomaly);
}

export async function groupFeedback(pool: Pool, groupIds: readonly number[]): Promise<FeedbackRow[]> {
  if (!groupIds.length) return [];
  const { rows } = await pool.query(
    `SELECT group_id, user_id, verdict, action, until, created_at FROM anomaly_feedback
      WHERE group_id = ANY($1::bigint[]) ORDER BY created_at`,
    [[...groupIds]],
  );
  return rows.map((r) => ({
    groupId: Number(r.group_id),
    userId: String(r.user_id),
    verdict: r.verdict,
    action: r.action ?? null,
    until: r.until ?? null,
    createdAt: r.created_at,
  }));
}

/**
 * Records a verdict on a group and applies it to every series in it: "expected" either mutes the
 * series until a time or widens its band by half (capped at 4×); "real problem" only records.
 */
export async function recordFeedback(
  pool: Pool,
  f: {
    groupId: number;
    userId: string;
    verdict: 'expected' | 'real';
    action: 'mute' | 'widen' | null;
    until: Date | null;
  },
): Promise<AnomalyRow[]> {
  await pool.query(
    'INSERT INTO anomaly_feedback (group_id, user_id, verdict, action, until) VALUES ($1, $2, $3, $4, $5)',
    [f.groupId, f.userId, f.verdict, f.action, f.until],
  );
  const list = await groupAnomalies(pool, f.groupId);
  if (f.verdict !== 'expected') return list;
  for (const a of list) {
    if (f.action === 'mute') {
      await pool.query(
        `INSERT INTO analysis_tuning (device, ifindex, metric, muted_until) VALUES ($1, $2, $3, $4)
         ON CONFLICT (device, ifindex, metric) DO UPDATE SET muted_until = EXCLUDED.muted_until`,
        [a.device, a.ifindex, a.metric, f.until],
      );
    } else if (f.action === 'widen') {
      await pool.query(
        `INSERT INTO analysis_tuning (device, ifindex, metric, band_factor) VALUES ($1, $2, $3, 1.5)
         ON CONFLICT (device, ifindex, metric) DO UPDATE SET band_factor = least(4, analysis_tuning.band_factor * 1.5)`,
        [a.device, a.ifindex, a.metric],
      );
    }
  }
  return list;
}

/** Anomalies of some devices (all when omitted) detected in [from, to), newest first. */
export async function listAnomalies(
  pool: Pool,
  q: { from: Date; to: Date; devices?: readonly string[]; limit?: number },
): Promise<AnomalyRow[]> {
  const params: unknown[] = [q.from, q.to, Math.min(q.limit ?? 200, 1000)];
  let filter = '';
  if (q.devices) {
    params.push([...q.devices]);
    filter = 'AND device = ANY($4::text[])';
  }
  const { rows } = await pool.query(
    `SELECT * FROM anomalies WHERE (detected_at >= $1 OR cleared_at IS NULL) AND detected_at < $2 ${filter}
      ORDER BY (cleared_at IS NULL) DESC, detected_at DESC LIMIT $3`,
    params,
  );
  return rows.map(toAnomaly);
}

export interface IfaceState {
  statuses: { t: number; status: string }[];
  speedIssue: string | null;
}

export async function loadIfaceStates(pool: Pool, device: string): Promise<Map<number, IfaceState>> {
  return (await loadIfaceStatesOf(pool, [device])).get(device)!;
}

/** loadIfaceStates of several devices in one query. */
export async function loadIfaceStatesOf(
  pool: Pool,
  devices: readonly string[],
): Promise<Map<string, Map<number, IfaceState>>> {
  const out = new Map<string, Map<number, IfaceState>>(devices.map((d) => [d, new Map()]));
  const { rows } = await pool.query(
    'SELECT device, ifindex, statuses, speed_issue FROM analysis_iface_state WHERE device = ANY($1::text[])',
    [[...devices]],
  );
  for (const r of rows)
    out.get(r.device)?.set(Number(r.ifindex), { statuses: r.statuses, speedIssue: r.speed_issue });
  return out;
}

export async function saveIfaceState(
  pool: Pool,
  device: string,
  ifindex: number,
  s: IfaceState,
): Promise<void> {
  await saveIfaceStates(pool, device, new Map([[ifindex, s]]));
}

/** Every interface's state of one device in one statement (the job writes them all each poll). */
export async function saveIfaceStates(
  pool: Pool,
  device: string,
  states: ReadonlyMap<number, IfaceState>,
): Promise<void> {
  await saveIfaceStatesOf(pool, new Map([[device, states]]));
}

/**
 * The interface states of several devices in one statement, as one JSON parameter (V8's stringify
 * once, instead of a text[] that node-postgres quotes and escapes element by element in JS).
 */
export async function saveIfaceStatesOf(
  pool: Pool,
  byDevice: ReadonlyMap<string, ReadonlyMap<number, IfaceState>>,
): Promise<void> {
  const rows: [string, number, IfaceState['statuses'], string | null][] = [];
  for (const [device, states] of byDevice)
    for (const [ifindex, s] of states) rows.push([device, ifindex, s.statuses, s.speedIssue]);
  if (!rows.length) return;
  await pool.query(
    `INSERT INTO analysis_iface_state (device, ifindex, statuses, speed_issue)
     SELECT x->>0, (x->>1)::int, x->2, x->>3 FROM jsonb_array_elements($1::jsonb) x
     ON CONFLICT (device, ifindex) DO UPDATE SET statuses = EXCLUDED.statuses, speed_issue = EXCLUDED.speed_issue`,
    [JSON.stringify(rows)],
  );
}

/**
 * Baselines of one device through a per-pool cache: their computed_at is read every run, the
 * profiles themselves (a few kB of JSON each) only when one was rebuilt since the cache saw it.
 * Reading and parsing 300 profiles per device after every poll was most of a round's time.
 */
const baselineCache = new WeakMap<
  Pool,
  Map<string, Map<string, { computedAt: Date; baseline: Baseline | null }>>
>();

export async function loadBaselinesCached(
  pool: Pool,
  device: string,
): Promise<Map<string, { computedAt: Date; baseline: Baseline | null }>> {
  return (await loadBaselinesCachedOf(pool, [device])).get(device)!;
}

/** loadBaselinesCached of several devices: one query for their computed_at, one for changed profiles. */
export async function loadBaselinesCachedOf(
  pool: Pool,
  devices: readonly string[],
): Promise<Map<string, Map<string, { computedAt: Date; baseline: Baseline | null }>>> {
  let perPool = baselineCache.get(pool);
  if (!perPool) {
    perPool = new Map();
    baselineCache.set(pool, perPool);
  }
  const out = new Map<string, Map<string, { computedAt: Date; baseline: Baseline | null }>>(
    devices.map((d) => [d, new Map()]),
  );
  // computed_at as epoch ms (whole, as a Date holds it): a number to compare, not a date to parse
  const { rows } = await pool.query(
    `SELECT device, ifindex, metric, floor(extract(epoch FROM computed_at) * 1000)::float8 AS at
       FROM analysis_baselines WHERE device = ANY($1::text[])`,
    [[...devices]],
  );
  const missing: { device: string; ifindex: number; metric: string }[] = [];
  for (const r of rows) {
    const mine = out.get(r.device);
    if (!mine) continue;
    const key = `${r.ifindex}/${r.metric}`;
    const c = perPool.get(r.device)?.get(key);
    if (c && c.computedAt.getTime() === Number(r.at)) mine.set(key, c);
    else missing.push({ device: r.device, ifindex: r.ifindex, metric: r.metric });
  }
  if (missing.length) {
    const fetched = await pool.query(
      `SELECT b.device, b.ifindex, b.metric, b.computed_at, b.baseline FROM analysis_baselines b
         JOIN unnest($1::text[], $2::int[], $3::text[]) AS u(d, i, m) ON b.device = u.d AND b.ifindex = u.i AND b.metric = u.m`,
      [missing.map((m) => m.device), missing.map((m) => m.ifindex), missing.map((m) => m.metric)],
    );
    for (const r of fetched.rows)
      out.get(r.device)?.set(`${r.ifindex}/${r.metric}`, { computedAt: r.computed_at, baseline: r.baseline });
  }
  for (const [d, m] of out) perPool.set(d, m);
  return out;
}

/**
 * For incidents: the anomalies of one device detected in the last `hours` hours, plus any still
 * open (what an incident thread shows next to an alert for that device).
 */
export function recentAnomalies(
  pool: Pool,
  device: string,
  hours: number,
  now = new Date(),
): Promise<AnomalyRow[]> {
  return listAnomalies(pool, {
    from: new Date(now.getTime() - hours * 3_600_000),
    to: now,
    devices: [device],
  });
}

/**
 * LLDP neighbours of one port, both ways round, from the links discovery keeps (`device_links`,
 * owned by incidents/discovery): who is on the other end of the cable, when it is known.
 */
export async function neighboursOf(
  pool: Pool,
  device: string,
  ifname: string,
): Promise<{ device: string; ifname: string }[]> {
  const { rows } = await pool.query(
    `SELECT neighbor AS device, neighbor_interface AS ifname FROM device_links
      WHERE device = $1 AND interface = $2 AND neighbor_interface <> ''
     UNION
     SELECT device, interface FROM device_links WHERE neighbor = $1 AND neighbor_interface = $2 AND interface <> ''
     LIMIT 4`,
    [device, ifname],
  );
  return rows.map((r) => ({ device: String(r.device), ifname: String(r.ifname) }));
}
