import pg, { type Pool, type PoolClient } from 'pg';
import {
  type KnownDevice,
  type Placement,
  place,
  routeChannel,
  type RouteRule,
  worseSeverity,
} from './grouping.js';
import type { AlertEvent } from './payloads.js';

export type IncidentState = 'firing' | 'acknowledged' | 'resolved';

export interface Incident {
  id: string;
  key: string;
  state: IncidentState;
  title: string;
  severity: string | null;
  site: string | null;
  devices: string[];
  channel: string;
  threadTs: string | null;
  openedAt: Date;
  ackedAt: Date | null;
  ackedBy: string | null;
  resolvedAt: Date | null;
  resolvedBy: string | null;
  summaryPosted: boolean;
  diagnosticsAt: Date | null;
  updatedAt: Date;
  firing: number;
  resolved: number;
}

export interface IncidentAlert {
  fingerprint: string;
  status: 'firing' | 'resolved';
  alertname: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  device: string | null;
  interface: string | null;
  startsAt: Date;
  endsAt: Date | null;
}

export interface IngestOptions {
  rules: readonly RouteRule[];
  defaultChannel: string;
  findDevice(nameOrHost: string): KnownDevice | undefined;
}

export interface IngestResult {
  /** Incidents whose state or alerts changed: their parent message needs an edit (or a first post). */
  touched: string[];
  /** Alerts that changed nothing (redelivery, or a firing older than its known resolution). */
  unchanged: number;
  /** Incidents named by unchanged alerts whose parent message is behind (a redelivery after a failed queueing). */
  behind: string[];
}

const INCIDENT_COLUMNS = `i.id::text, i.key, i.state, i.title, i.severity, i.site, i.devices, i.channel, i.thread_ts,
  i.opened_at, i.acked_at, i.acked_by, i.resolved_at, i.resolved_by, i.summary_posted, i.diagnostics_at, i.updated_at,
  (SELECT count(*) FILTER (WHERE a.status = 'firing') FROM incident_alerts a WHERE a.incident_id = i.id)::int AS firing,
  (SELECT count(*) FILTER (WHERE a.status = 'resolved') FROM incident_alerts a WHERE a.incident_id = i.id)::int AS resolved`;

function toIncident(r: Record<string, unknown>): Incident {
  return {
    id: r.id as string,
    key: r.key as string,
    state: r.state as IncidentState,
    title: r.title as string,
    severity: (r.severity as string | null) ?? null,
    site: (r.site as string | null) ?? null,
    devices: (r.devices as string[]) ?? [],
    channel: r.channel as string,
    threadTs: (r.thread_ts as string | null) ?? null,
    openedAt: r.opened_at as Date,
    ackedAt: (r.acked_at as Date | null) ?? null,
    ackedBy: (r.acked_by as string | null) ?? null,
    resolvedAt: (r.resolved_at as Date | null) ?? null,
    resolvedBy: (r.resolved_by as string | null) ?? null,
    summaryPosted: r.summary_posted as boolean,
    diagnosticsAt: (r.diagnostics_at as Date | null) ?? null,
    updatedAt: r.updated_at as Date,
    firing: r.firing as number,
    resolved: r.resolved as number,
  };
}

async function tx<T>(pool: Pool, fn: (c: PoolClient) => Promise<T>): Promise<T> {
  const c = await pool.connect();
  try {
    await c.query('BEGIN');
    const out = await fn(c);
    await c.query('COMMIT');
    return out;
  } catch (err) {
    await c.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    c.release();
  }
}

/** Every alert of an incident resolved → the incident is resolved (by the alerts, not a person). */
async function settle(c: PoolClient, id: string): Promise<void> {
  await c.query(
    `UPDATE incidents SET state = 'resolved', resolved_at = now(), resolved_by = 'alert', updated_at = now()
      WHERE id = $1 AND state <> 'resolved'
        AND NOT EXISTS (SELECT 1 FROM incident_alerts WHERE incident_id = $1 AND status = 'firing')`,
    [id],
  );
}

export interface IncidentStore {
  ingest(alerts: readonly AlertEvent[], options: IngestOptions): Promise<IngestResult>;
  get(id: string): Promise<Incident | undefined>;
  alerts(id: string): Promise<IncidentAlert[]>;
  /** Records the parent message; false when another worker already did. */
  setThread(id: string, ts: string): Promise<boolean>;
  /** Claims the one-time diagnostics run; false when it was already claimed. */
  claimDiagnostics(id: string): Promise<boolean>;
  claimSummary(id: string): Promise<boolean>;
  /** The parent message now shows the incident as of `updatedAt`. */
  markSynced(id: string, updatedAt: Date): Promise<{ behind: boolean }>;
  /** Serialises the parent-message work of one incident across workers. */
  withLock<T>(id: string, fn: () => Promise<T>): Promise<T>;
  acknowledge(id: string, user: string): Promise<{ ok: boolean; incident?: Incident }>;
  resolve(id: string, user: string): Promise<{ ok: boolean; incident?: Incident }>;
  list(options: { open?: boolean; sinceMs?: number; limit?: number }): Promise<Incident[]>;
  recordLink(device: string, iface: string, neighbor: string, neighborIface?: string): Promise<void>;
  /** Config versions of these devices since a time: "what changed" first. */
  configChanges(
    devices: readonly string[],
    since: Date,
  ): Promise<
    Array<{ device: string; id: string; collectedAt: Date; trigger: string; author: string | null }>
  >;
}

export function createIncidentStore(pool: Pool): IncidentStore {
  /** A link-down on a neighbour of a device that is down joins the down device's incident. */
  async function downNeighbourKey(c: PoolClient, device: string): Promise<string | undefined> {
    const { rows } = await c.query<{ key: string }>(
      `SELECT i.key FROM device_links l
         JOIN incidents i ON i.key = 'device:' || CASE WHEN l.device = $1 THEN l.neighbor ELSE l.device END
        WHERE (l.device = $1 OR l.neighbor = $1) AND i.state <> 'resolved'
          AND EXISTS (SELECT 1 FROM incident_alerts a
                       WHERE a.incident_id = i.id AND a.status = 'firing' AND a.device_down)
        ORDER BY i.opened_at LIMIT 1`,
      [device],
    );
    return rows[0]?.key;
  }

  async function openIncident(
    c: PoolClient,
    key: string,
    p: Placement,
    alert: AlertEvent,
    options: IngestOptions,
  ): Promise<string> {
    const device = p.device ? options.findDevice(p.device) : undefined;
    const channel = routeChannel(alert.labels, options.rules, { device, channel: options.defaultChannel });
    for (let attempt = 0; attempt < 3; attempt++) {
      const ins = await c.query<{ id: string }>(
        `INSERT INTO incidents (key, state, title, severity, site, devices, channel)
         VALUES ($1, 'firing', $2, $3, $4, $5, $6)
         ON CONFLICT (key) WHERE state <> 'resolved' DO NOTHING RETURNING id::text`,
        [key, p.title, p.severity ?? null, p.site ?? null, p.device ? [p.device] : [], channel],
      );
      if (ins.rows[0]) return ins.rows[0].id;
      const found = await c.query<{ id: string }>(
        `SELECT id::text FROM incidents WHERE key = $1 AND state <> 'resolved'`,
        [key],
      );
      if (found.rows[0]) return found.rows[0].id;
    }
    throw new Error(`could not open or find the incident for ${key}`);
  }

  /** The incident an alert changed; undefined when it changed nothing. `seen`: where it already is. */
  async function ingestOne(
    alert: AlertEvent,
    options: IngestOptions,
    seen: Set<string>,
  ): Promise<string | undefined> {
    const p = place({ alert, findDevice: options.findDevice });
    return tx(pool, async (c) => {
      // One writer per fingerprint at a time: two bots taking the same delivery agree on the outcome.
      await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`alert:${alert.fingerprint}`]);
      const prev = await c.query<{
        incident_id: string;
        status: string;
        starts_at: Date;
        ends_at: Date | null;
        state: string;
      }>(
        `SELECT a.incident_id::text, a.status, a.starts_at, a.ends_at, i.state
           FROM incident_alerts a JOIN incidents i ON i.id = a.incident_id
          WHERE a.fingerprint = $1 ORDER BY a.starts_at DESC, a.received_at DESC LIMIT 1`,
        [alert.fingerprint],
      );
      const e = prev.rows[0];
      if (e) seen.add(e.incident_id);
      if (e) {
        if (alert.status === 'resolved') {
          if (e.status === 'resolved') return undefined; // redelivery
          if (alert.endsAt && alert.endsAt < e.starts_at) return undefined; // resolves an older occurrence
          await c.query(
            `UPDATE incident_alerts SET status = 'resolved', ends_at = $3, received_at = now()
              WHERE incident_id = $1 AND fingerprint = $2`,
            [e.incident_id, alert.fingerprint, alert.endsAt ?? new Date()],
          );
          await c.query('UPDATE incidents SET updated_at = now() WHERE id = $1', [e.incident_id]);
          await settle(c, e.incident_id);
          return e.incident_id;
        }
        // firing
        if (e.status === 'firing') return undefined; // redelivery of an alert we already hold
        // A firing that started before the known resolution is the late half of the same occurrence.
        if (e.ends_at && alert.startsAt <= e.ends_at) return undefined;
        if (e.state !== 'resolved') {
          await c.query(
            `UPDATE incident_alerts SET status = 'firing', starts_at = $3, ends_at = NULL, received_at = now()
              WHERE incident_id = $1 AND fingerprint = $2`,
            [e.incident_id, alert.fingerprint, alert.startsAt],
          );
          await c.query('UPDATE incidents SET updated_at = now() WHERE id = $1', [e.incident_id]);
          return e.incident_id;
        }
        // a new occurrence after its incident closed: placed afresh below
      }
      let key = p.key;
      if (p.device && p.interface) {
        await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', ['incident-topology']);
        key = (await downNeighbourKey(c, p.device)) ?? key;
      }
      await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`incident:${key}`]);
      const id = await openIncident(c, key, p, alert, options);
      await c.query(
        `INSERT INTO incident_alerts (incident_id, fingerprint, source, status, alertname, labels, annotations,
                                      starts_at, ends_at, device_down, device, interface)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
         ON CONFLICT (incident_id, fingerprint) DO UPDATE
           SET status = EXCLUDED.status, starts_at = EXCLUDED.starts_at, ends_at = EXCLUDED.ends_at,
               annotations = EXCLUDED.annotations, received_at = now()`,
        [
          id,
          alert.fingerprint,
          alert.source,
          alert.status,
          alert.alertname,
          JSON.stringify(alert.labels),
          JSON.stringify(alert.annotations),
          alert.startsAt,
          alert.endsAt,
          p.deviceDown,
          p.device ?? null,
          p.interface ?? null,
        ],
      );
      const cur = await c.query<{ severity: string | null; devices: string[] }>(
        'SELECT severity, devices FROM incidents WHERE id = $1',
        [id],
      );
      const row = cur.rows[0]!;
      const devices = p.device && !row.devices.includes(p.device) ? [...row.devices, p.device] : row.devices;
      await c.query('UPDATE incidents SET severity = $2, devices = $3, updated_at = now() WHERE id = $1', [
        id,
        worseSeverity(row.severity, p.severity) ?? null,
        devices,
      ]);
      if (alert.status === 'resolved') await settle(c, id);
      return id;
    });
  }

  const get = async (id: string) => {
    if (!/^\d{1,18}$/.test(id)) return undefined;
    const { rows } = await pool.query(`SELECT ${INCIDENT_COLUMNS} FROM incidents i WHERE i.id = $1`, [id]);
    return rows[0] ? toIncident(rows[0]) : undefined;
  };

  return {
    async ingest(alerts, options) {
      const touched = new Set<string>();
      const seen = new Set<string>();
      let unchanged = 0;
      for (const alert of alerts) {
        const id = await ingestOne(alert, options, seen);
        if (id) touched.add(id);
        else unchanged++;
      }
      const others = [...seen].filter((id) => !touched.has(id));
      const behind = others.length
        ? (
            await pool.query<{ id: string }>(
              `SELECT id::text FROM incidents WHERE id = ANY($1::bigint[])
                 AND (thread_ts IS NULL OR synced_at IS NULL OR synced_at < updated_at)`,
              [others],
            )
          ).rows.map((r) => r.id)
        : [];
      return { touched: [...touched], unchanged, behind };
    },
    get,
    async alerts(id) {
      const { rows } = await pool.query(
        `SELECT fingerprint, status, alertname, labels, annotations, device, interface, starts_at, ends_at
           FROM incident_alerts WHERE incident_id = $1 ORDER BY starts_at, fingerprint`,
        [id],
      );
      return rows.map((r) => ({
        fingerprint: r.fingerprint,
        status: r.status,
        alertname: r.alertname,
        labels: r.labels,
        annotations: r.annotations,
        device: r.device,
        interface: r.interface,
        startsAt: r.starts_at,
        endsAt: r.ends_at,
      }));
    },
    async setThread(id, ts) {
      const r = await pool.query('UPDATE incidents SET thread_ts = $2 WHERE id = $1 AND thread_ts IS NULL', [
        id,
        ts,
      ]);
      return r.rowCount === 1;
    },
    async claimDiagnostics(id) {
      const r = await pool.query(
        'UPDATE incidents SET diagnostics_at = now() WHERE id = $1 AND diagnostics_at IS NULL',
        [id],
      );
      return r.rowCount === 1;
    },
    async claimSummary(id) {
      const r = await pool.query(
        `UPDATE incidents SET summary_posted = true WHERE id = $1 AND state = 'resolved' AND NOT summary_posted`,
        [id],
      );
      return r.rowCount === 1;
    },
    async markSynced(id, updatedAt) {
      const { rows } = await pool.query<{ behind: boolean }>(
        `UPDATE incidents SET synced_at = GREATEST(COALESCE(synced_at, $2), $2) WHERE id = $1
         RETURNING updated_at > synced_at AS behind`,
        [id, updatedAt],
      );
      return { behind: rows[0]?.behind ?? false };
    },
    async withLock(id, fn) {
      // Its own connection, not one of the pool's: the work inside uses the pool, and lock holders
      // waiting for a pool connection that other lock holders keep would deadlock under a storm.
      const c = new pg.Client((pool as unknown as { options: pg.ClientConfig }).options);
      await c.connect();
      try {
        await c.query('SELECT pg_advisory_lock(hashtext($1))', [`incident-sync:${id}`]);
        try {
          return await fn();
        } finally {
          await c.query('SELECT pg_advisory_unlock(hashtext($1))', [`incident-sync:${id}`]).catch(() => {});
        }
      } finally {
        await c.end().catch(() => {});
      }
    },
    async acknowledge(id, user) {
      const r = await pool.query(
        `UPDATE incidents SET state = 'acknowledged', acked_at = now(), acked_by = $2, updated_at = now()
          WHERE id = $1 AND state = 'firing'`,
        [id, user],
      );
      return { ok: r.rowCount === 1, ...(await get(id).then((incident) => (incident ? { incident } : {}))) };
    },
    async resolve(id, user) {
      const r = await pool.query(
        `UPDATE incidents SET state = 'resolved', resolved_at = now(), resolved_by = $2,
                acked_at = COALESCE(acked_at, now()), acked_by = COALESCE(acked_by, $2), updated_at = now()
          WHERE id = $1 AND state <> 'resolved'`,
        [id, user],
      );
      return { ok: r.rowCount === 1, ...(await get(id).then((incident) => (incident ? { incident } : {}))) };
    },
    async list({ open, sinceMs, limit = 200 }) {
      const where: string[] = [];
      const params: unknown[] = [];
      if (open) where.push(`i.state <> 'resolved'`);
      if (sinceMs) {
        params.push(new Date(Date.now() - sinceMs));
        where.push(`i.opened_at >= $${params.length}`);
      }
      params.push(limit);
      const { rows } = await pool.query(
        `SELECT ${INCIDENT_COLUMNS} FROM incidents i ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
          ORDER BY i.opened_at DESC LIMIT $${params.length}`,
        params,
      );
      return rows.map(toIncident);
    },
    async recordLink(device, iface, neighbor, neighborIface = '') {
      await pool.query(
        `INSERT INTO device_links (device, interface, neighbor, neighbor_interface) VALUES ($1, $2, $3, $4)
         ON CONFLICT (device, interface, neighbor) DO UPDATE
           SET neighbor_interface = EXCLUDED.neighbor_interface, seen_at = now()`,
        [device, iface, neighbor, neighborIface],
      );
    },
    async configChanges(devices, since) {
      if (devices.length === 0) return [];
      const { rows } = await pool.query(
        `SELECT device, id::text, collected_at, trigger, author FROM config_versions
          WHERE device = ANY($1) AND collected_at >= $2 AND prev_sha IS NOT NULL
          ORDER BY collected_at DESC LIMIT 50`,
        [devices, since],
      );
      return rows.map((r) => ({
        device: r.device,
        id: r.id,
        collectedAt: r.collected_at,
        trigger: r.trigger,
        author: r.author,
      }));
    },
  };
}
