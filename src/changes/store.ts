import type { Pool, PoolClient } from 'pg';
import { ErrorCode, NetopsError } from '../errors.js';
import { withTransaction } from '../storage/tx.js';
import type { WaveStep } from './rules.js';

export const CHANGE_STATES = [
  'requested',
  'dry_run',
  'awaiting_approval',
  'approved',
  'applying',
  'confirmed',
  'rolled_back',
  'failed',
  'expired',
  'cancelled',
  'rejected',
] as const;
export type ChangeState = (typeof CHANGE_STATES)[number];
export const OPEN_STATES: ChangeState[] = [
  'requested',
  'dry_run',
  'awaiting_approval',
  'approved',
  'applying',
];

export type DeviceState =
  | 'pending'
  | 'backed_up'
  | 'committing'
  | 'committed'
  | 'confirmed'
  | 'rolled_back'
  | 'failed'
  | 'skipped';

export interface UserCheck {
  command: string;
  /** A regular expression the output must match. */
  expect: string;
}

export interface DeviceDryRun {
  device: string;
  vendor: string;
  diff: string;
  added: number;
  removed: number;
  /** config_versions.id the diff was computed against. */
  versionId: number;
  /** The device's own syntax check, when it has one. */
  check: string | null;
}

export interface ChangeRequest {
  id: string;
  state: ChangeState;
  devices: string[];
  lines: string;
  /** Lines per device, when they differ (compliance remediation); else every device gets `lines`. */
  deviceLines: Record<string, string> | null;
  /** The change's own wave plan; else a canary, then waves of `changes.waveSize`. */
  waves: WaveStep[] | null;
  reason: string;
  ticket: string | null;
  rollbackMinutes: number;
  checks: UserCheck[];
  requester: string;
  approver: string | null;
  channel: string;
  cardTs: string | null;
  hash: string | null;
  dryRun: DeviceDryRun[] | null;
  risk: unknown;
  detail: string | null;
  createdAt: Date;
  dryRunAt: Date | null;
  expiresAt: Date | null;
  approvedAt: Date | null;
  finishedAt: Date | null;
}

export interface ChangeDevice {
  device: string;
  wave: number;
  state: DeviceState;
  backupSha: string | null;
  backupVersion: number | null;
  confirmBy: Date | null;
  detail: string | null;
  checks: unknown;
}

export interface Lock {
  device: string;
  changeId: string;
  heldBy: string;
  since: Date;
}

export interface NewChange {
  devices: string[];
  lines: string;
  deviceLines?: Record<string, string> | null;
  waves?: WaveStep[] | null;
  reason: string;
  ticket?: string | null;
  rollbackMinutes: number;
  checks?: UserCheck[];
  requester: string;
  channel: string;
}

type Row = Record<string, unknown>;

function toChange(r: Row): ChangeRequest {
  return {
    id: r.id as string,
    state: r.state as ChangeState,
    devices: r.devices as string[],
    lines: r.lines as string,
    deviceLines: (r.device_lines as Record<string, string> | null) ?? null,
    waves: (r.waves as WaveStep[] | null) ?? null,
    reason: r.reason as string,
    ticket: (r.ticket as string | null) ?? null,
    rollbackMinutes: r.rollback_minutes as number,
    checks: (r.checks as UserCheck[]) ?? [],
    requester: r.requester as string,
    approver: (r.approver as string | null) ?? null,
    channel: r.channel as string,
    cardTs: (r.card_ts as string | null) ?? null,
    hash: (r.hash as string | null) ?? null,
    dryRun: (r.dry_run as DeviceDryRun[] | null) ?? null,
    risk: r.risk ?? null,
    detail: (r.detail as string | null) ?? null,
    createdAt: r.created_at as Date,
    dryRunAt: (r.dry_run_at as Date | null) ?? null,
    expiresAt: (r.expires_at as Date | null) ?? null,
    approvedAt: (r.approved_at as Date | null) ?? null,
    finishedAt: (r.finished_at as Date | null) ?? null,
  };
}

function toDevice(r: Row): ChangeDevice {
  return {
    device: r.device as string,
    wave: r.wave as number,
    state: r.state as DeviceState,
    backupSha: (r.backup_sha as string | null) ?? null,
    backupVersion: r.backup_version === null ? null : Number(r.backup_version),
    confirmBy: (r.confirm_by as Date | null) ?? null,
    detail: (r.detail as string | null) ?? null,
    checks: r.checks ?? null,
  };
}

/** Columns a transition may set along with the state. */
export interface ChangePatch {
  approver?: string;
  cardTs?: string;
  hash?: string;
  dryRun?: DeviceDryRun[];
  risk?: unknown;
  detail?: string;
  dryRunAt?: Date;
  expiresAt?: Date;
  approvedAt?: Date;
}

const PATCH_COLUMNS: Record<keyof ChangePatch, string> = {
  approver: 'approver',
  cardTs: 'card_ts',
  hash: 'hash',
  dryRun: 'dry_run',
  risk: 'risk',
  detail: 'detail',
  dryRunAt: 'dry_run_at',
  expiresAt: 'expires_at',
  approvedAt: 'approved_at',
};

export class LockedError extends NetopsError {
  constructor(readonly locks: Lock[]) {
    const text = locks
      .map(
        (l) =>
          `\`${l.device}\` is locked by change ${l.changeId} (<@${l.heldBy}>, since ${l.since.toISOString().slice(11, 16)} UTC)`,
      )
      .join('; ');
    super(ErrorCode.FORBIDDEN, `devices locked: ${locks.map((l) => l.device).join(', ')}`, {
      context: { locks },
      userMessage: text,
      hint: 'Wait for that change to finish, or ask its requester to cancel it.',
    });
  }
}

/** The lines a change applies on one device. */
export function linesFor(c: Pick<ChangeRequest, 'lines' | 'deviceLines'>, device: string): string {
  return c.deviceLines?.[device] ?? c.lines;
}

/** The hash inputs beyond devices, lines and the dry run. */
export const planOf = (c: Pick<ChangeRequest, 'deviceLines' | 'waves'>) => ({
  deviceLines: c.deviceLines,
  waves: c.waves,
});

export interface ChangeStore {
  /** Creates a request and takes every device's lock in one transaction; LockedError names the holders. */
  create(input: NewChange): Promise<ChangeRequest>;
  get(id: string): Promise<ChangeRequest | undefined>;
  /**
   * Moves a change from one of `from` to `to`, setting `patch`, and only if `where` holds (extra SQL
   * over the row, e.g. the bound hash). Returns the new row, or undefined when the change was not in
   * one of `from` (someone else moved it first). The database refuses transitions it does not allow.
   */
  transition(
    id: string,
    from: ChangeState[],
    to: ChangeState,
    patch?: ChangePatch,
    where?: { sql: string; params: unknown[] },
  ): Promise<ChangeRequest | undefined>;
  setCard(id: string, ts: string): Promise<void>;
  devices(id: string): Promise<ChangeDevice[]>;
  planDevices(id: string, waves: string[][]): Promise<void>;
  setDevice(
    id: string,
    device: string,
    state: DeviceState,
    patch?: {
      backupSha?: string;
      backupVersion?: number;
      confirmBy?: Date | null;
      detail?: string;
      checks?: unknown;
    },
  ): Promise<void>;
  recordApproval(a: {
    changeId: string;
    userId: string;
    decision: 'approve' | 'reject';
    hash: string | null;
    accepted: boolean;
    reason?: string;
  }): Promise<void>;
  locks(devices?: string[]): Promise<Lock[]>;
  list(filter: {
    states?: ChangeState[];
    requester?: string;
    since?: Date;
    limit?: number;
  }): Promise<ChangeRequest[]>;
}

export function createChangeStore(pool: Pool): ChangeStore {
  const locksOn = async (c: Pool | PoolClient, devices?: string[]): Promise<Lock[]> => {
    const { rows } = await c.query(
      `SELECT device, change_id, held_by, since FROM change_locks
        WHERE $1::text[] IS NULL OR device = ANY($1) ORDER BY device`,
      [devices ?? null],
    );
    return rows.map((r) => ({ device: r.device, changeId: r.change_id, heldBy: r.held_by, since: r.since }));
  };

  return {
    async create(input) {
      return withTransaction(pool, async (c) => {
        const { rows } = await c.query(
          `INSERT INTO change_requests (id, devices, lines, reason, ticket, rollback_minutes, checks, requester, channel, device_lines, waves)
           VALUES ('CR-' || nextval('change_request_seq'), $1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING *`,
          [
            input.devices,
            input.lines,
            input.reason,
            input.ticket ?? null,
            input.rollbackMinutes,
            JSON.stringify(input.checks ?? []),
            input.requester,
            input.channel,
            input.deviceLines ? JSON.stringify(input.deviceLines) : null,
            input.waves ? JSON.stringify(input.waves) : null,
          ],
        );
        const change = toChange(rows[0]);
        // Sorted, so two requests over overlapping devices never deadlock on each other.
        const sorted = [...input.devices].sort();
        const took = await c.query(
          `INSERT INTO change_locks (device, change_id, held_by)
           SELECT d, $2, $3 FROM unnest($1::text[]) AS d ON CONFLICT (device) DO NOTHING RETURNING device`,
          [sorted, change.id, input.requester],
        );
        if (took.rowCount !== sorted.length) {
          const mine = new Set(took.rows.map((r) => r.device as string));
          const held = (
            await locksOn(
              c,
              sorted.filter((d) => !mine.has(d)),
            )
          ).filter((l) => l.changeId !== change.id);
          throw new LockedError(held);
        }
        return change;
      });
    },
    async get(id) {
      const { rows } = await pool.query('SELECT * FROM change_requests WHERE id = $1', [id.toUpperCase()]);
      return rows[0] ? toChange(rows[0]) : undefined;
    },
    async transition(id, from, to, patch = {}, where) {
      const sets = ['state = $3'];
      const params: unknown[] = [id, from, to];
      for (const [k, v] of Object.entries(patch)) {
        if (v === undefined) continue;
        params.push(k === 'dryRun' || k === 'risk' ? JSON.stringify(v) : v);
        sets.push(`${PATCH_COLUMNS[k as keyof ChangePatch]} = $${params.length}`);
      }
      let extra = '';
      if (where) {
        const offset = params.length;
        extra = ` AND (${where.sql.replace(/\$(\d+)/g, (_, n) => `$${Number(n) + offset}`)})`;
        params.push(...where.params);
      }
      const { rows } = await pool.query(
        `UPDATE change_requests SET ${sets.join(', ')} WHERE id = $1 AND state = ANY($2)${extra} RETURNING *`,
        params,
      );
      return rows[0] ? toChange(rows[0]) : undefined;
    },
    async setCard(id, ts) {
      await pool.query('UPDATE change_requests SET card_ts = $2 WHERE id = $1', [id, ts]);
    },
    async devices(id) {
      const { rows } = await pool.query(
        'SELECT * FROM change_devices WHERE change_id = $1 ORDER BY wave, device',
        [id],
      );
      return rows.map(toDevice);
    },
    async planDevices(id, waves) {
      await pool.query(
        `INSERT INTO change_devices (change_id, device, wave)
         SELECT $1, d.device, d.wave FROM jsonb_to_recordset($2::jsonb) AS d(device text, wave int)
         ON CONFLICT DO NOTHING`,
        [id, JSON.stringify(waves.flatMap((w, i) => w.map((device) => ({ device, wave: i }))))],
      );
    },
    async setDevice(id, device, state, patch = {}) {
      await pool.query(
        `UPDATE change_devices SET state = $3, updated_at = now(),
           backup_sha = coalesce($4, backup_sha), backup_version = coalesce($5, backup_version),
           confirm_by = CASE WHEN $6::boolean THEN $7 ELSE confirm_by END,
           detail = coalesce($8, detail), checks = coalesce($9, checks)
         WHERE change_id = $1 AND device = $2`,
        [
          id,
          device,
          state,
          patch.backupSha ?? null,
          patch.backupVersion ?? null,
          patch.confirmBy !== undefined,
          patch.confirmBy ?? null,
          patch.detail ?? null,
          patch.checks === undefined ? null : JSON.stringify(patch.checks),
        ],
      );
    },
    async recordApproval(a) {
      await pool.query(
        'INSERT INTO approvals (change_id, user_id, decision, hash, accepted, reason) VALUES ($1, $2, $3, $4, $5, $6)',
        [a.changeId, a.userId, a.decision, a.hash, a.accepted, a.reason ?? null],
      );
    },
    locks: (devices) => locksOn(pool, devices),
    async list(f) {
      const { rows } = await pool.query(
        `SELECT * FROM change_requests
          WHERE ($1::text[] IS NULL OR state = ANY($1)) AND ($2::text IS NULL OR requester = $2)
            AND ($3::timestamptz IS NULL OR created_at >= $3)
          ORDER BY created_at DESC, id DESC LIMIT $4`,
        [f.states ?? null, f.requester ?? null, f.since ?? null, f.limit ?? 20],
      );
      return rows.map(toChange);
    },
  };
}
