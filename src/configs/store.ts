import { createHash } from 'node:crypto';
import { withTransaction } from '../storage/tx.js';
import type { Pool, PoolClient } from 'pg';
import { ErrorCode, NetopsError } from '../errors.js';

export const TRIGGERS = ['schedule', 'syslog', 'manual', 'change'] as const;
export type Trigger = (typeof TRIGGERS)[number];

export interface ConfigVersion {
  id: number;
  /** This device's version number (v1, v2, …): what users see and type. */
  n: number;
  device: string;
  sha256: string;
  collectedAt: Date;
  trigger: Trigger;
  author: string | null;
  prevSha: string | null;
  bytes: number;
  notifiedAt: Date | null;
}

export interface RecordInput {
  device: string;
  /** Already normalised and scrubbed: the store never sees a raw config. */
  body: string;
  collectedAt: Date;
  trigger: Trigger;
  author?: string | null;
}

export interface RecordResult {
  changed: boolean;
  version: ConfigVersion;
  /** The version before this one (absent for a device's first backup). */
  previous?: ConfigVersion;
}

/** Opaque keyset cursor: the (collected_at, id) of the last row of the previous page. */
export interface VersionCursor {
  collectedAt: Date;
  id: number;
}

export interface VersionPage {
  versions: ConfigVersion[];
  next?: VersionCursor;
}

export interface ConfigStore {
  /** Stores a new version when the body differs from the device's latest; else only marks it checked. */
  record(input: RecordInput): Promise<RecordResult>;
  latest(device: string): Promise<ConfigVersion | undefined>;
  /** Newest first; pass `next` from the previous page to continue. */
  list(device: string, options?: { limit?: number; before?: VersionCursor }): Promise<VersionPage>;
  /** A version by reference: the device's version number (`v3`), `~N` (N versions before the latest), or a sha256 prefix. */
  resolve(device: string, ref: string): Promise<ConfigVersion | undefined>;
  /** The newest version collected at or before `at` (the config as it was then). */
  at(device: string, at: Date): Promise<ConfigVersion | undefined>;
  body(sha256: string): Promise<string>;
  checkedAt(device: string): Promise<Date | undefined>;
  /** The version just before this one (by time), if any. */
  previous(version: ConfigVersion): Promise<ConfigVersion | undefined>;
  markNotified(id: number, at: Date): Promise<void>;
}

export function sha256Hex(body: string): string {
  return createHash('sha256').update(body).digest('hex');
}

/** Backups share this lock; blob GC takes it exclusively so it never deletes a blob being referenced. */
export const GC_LOCK_KEY = 'netops-config-gc';

interface VersionRow {
  id: string | bigint | number;
  n: number;
  device: string;
  sha256: string;
  collected_at: Date;
  trigger: Trigger;
  author: string | null;
  prev_sha: string | null;
  bytes: number;
  notified_at: Date | null;
}

const VERSION_COLS = `v.id, v.n, v.device, v.sha256, v.collected_at, v.trigger, v.author, v.prev_sha, b.bytes, v.notified_at`;

function toVersion(r: VersionRow): ConfigVersion {
  return {
    id: Number(r.id),
    n: Number(r.n),
    device: r.device,
    sha256: r.sha256,
    collectedAt: r.collected_at,
    trigger: r.trigger,
    author: r.author,
    prevSha: r.prev_sha,
    bytes: r.bytes,
    notifiedAt: r.notified_at,
  };
}

function inTx<T>(pool: Pool, fn: (c: PoolClient) => Promise<T>): Promise<T> {
  return withTransaction(pool, fn);
}

export function createConfigStore(pool: Pool): ConfigStore {
  const one = async (sql: string, params: unknown[]) => {
    const { rows } = await pool.query<VersionRow>(sql, params);
    return rows[0] ? toVersion(rows[0]) : undefined;
  };

  const store: ConfigStore = {
    async record(input) {
      const sha = sha256Hex(input.body);
      return inTx(pool, async (c) => {
        await c.query('SELECT pg_advisory_xact_lock_shared(hashtext($1))', [GC_LOCK_KEY]);
        // Two backups of one device (schedule + syslog) serialise here, so each compares against
        // the other's result and the second one finds no change.
        await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`netops-config:${input.device}`]);
        const prevRows = await c.query<VersionRow>(
          `SELECT ${VERSION_COLS} FROM config_latest l
             JOIN config_versions v ON v.id = l.version_id
             JOIN config_blobs b ON b.sha256 = v.sha256
            WHERE l.device = $1`,
          [input.device],
        );
        const previous = prevRows.rows[0] ? toVersion(prevRows.rows[0]) : undefined;
        if (previous && previous.sha256 === sha) {
          await c.query('UPDATE config_latest SET checked_at = greatest(checked_at, $2) WHERE device = $1', [
            input.device,
            input.collectedAt,
          ]);
          return { changed: false, version: previous };
        }
        await c.query(
          'INSERT INTO config_blobs (sha256, body, bytes) VALUES ($1, $2, $3) ON CONFLICT (sha256) DO NOTHING',
          [sha, input.body, Buffer.byteLength(input.body)],
        );
        // `n` (this device's version number) comes from a trigger, under the per-device lock above.
        const { rows } = await c.query<{ id: string; n: number }>(
          `INSERT INTO config_versions (device, sha256, collected_at, trigger, author, prev_sha)
           VALUES ($1, $2, $3, $4, $5, $6) RETURNING id::text, n`,
          [
            input.device,
            sha,
            input.collectedAt,
            input.trigger,
            input.author ?? null,
            previous?.sha256 ?? null,
          ],
        );
        const id = Number(rows[0]!.id);
        await c.query(
          `INSERT INTO config_latest (device, sha256, version_id, collected_at, checked_at, body)
           VALUES ($1, $2, $3, $4, $4, $5)
           ON CONFLICT (device) DO UPDATE SET sha256 = EXCLUDED.sha256, version_id = EXCLUDED.version_id,
             collected_at = EXCLUDED.collected_at, checked_at = EXCLUDED.checked_at, body = EXCLUDED.body`,
          [input.device, sha, id, input.collectedAt, input.body],
        );
        const version: ConfigVersion = {
          id,
          n: rows[0]!.n,
          device: input.device,
          sha256: sha,
          collectedAt: input.collectedAt,
          trigger: input.trigger,
          author: input.author ?? null,
          prevSha: previous?.sha256 ?? null,
          bytes: Buffer.byteLength(input.body),
          notifiedAt: null,
        };
        return previous ? { changed: true, version, previous } : { changed: true, version };
      });
    },

    latest: (device) =>
      one(
        `SELECT ${VERSION_COLS} FROM config_latest l
           JOIN config_versions v ON v.id = l.version_id
           JOIN config_blobs b ON b.sha256 = v.sha256
          WHERE l.device = $1`,
        [device],
      ),

    async list(device, options = {}) {
      const limit = Math.min(Math.max(options.limit ?? 20, 1), 1000);
      const params: unknown[] = [device, limit + 1];
      let where = 'v.device = $1';
      if (options.before) {
        params.push(options.before.collectedAt, options.before.id);
        where += ' AND (v.collected_at, v.id) < ($3, $4)';
      }
      const { rows } = await pool.query<VersionRow>(
        `SELECT ${VERSION_COLS} FROM config_versions v JOIN config_blobs b ON b.sha256 = v.sha256
          WHERE ${where} ORDER BY v.collected_at DESC, v.id DESC LIMIT $2`,
        params,
      );
      const versions = rows.slice(0, limit).map(toVersion);
      const last = versions[versions.length - 1];
      return rows.length > limit && last
        ? { versions, next: { collectedAt: last.collectedAt, id: last.id } }
        : { versions };
    },

    async resolve(device, ref) {
      const r = ref.trim();
      const back = /^(?:~|-|HEAD~)(\d+)$/i.exec(r) ?? (/^(?:latest|HEAD)$/i.test(r) ? ['', '0'] : null);
      if (back) {
        return one(
          `SELECT ${VERSION_COLS} FROM config_versions v JOIN config_blobs b ON b.sha256 = v.sha256
            WHERE v.device = $1 ORDER BY v.collected_at DESC, v.id DESC OFFSET $2 LIMIT 1`,
          [device, Number(back[1])],
        );
      }
      if (/^v?\d{1,15}$/i.test(r)) {
        const byId = await one(
          `SELECT ${VERSION_COLS} FROM config_versions v JOIN config_blobs b ON b.sha256 = v.sha256
            WHERE v.device = $1 AND v.n = $2`,
          [device, Number(r.replace(/^v/i, ''))],
        );
        if (byId || /^v/i.test(r) || r.length < 6) return byId;
      }
      if (/^[0-9a-f]{6,64}$/i.test(r)) {
        return one(
          `SELECT ${VERSION_COLS} FROM config_versions v JOIN config_blobs b ON b.sha256 = v.sha256
            WHERE v.device = $1 AND v.sha256 LIKE $2 ORDER BY v.collected_at DESC, v.id DESC LIMIT 1`,
          [device, `${r.toLowerCase()}%`],
        );
      }
      throw new NetopsError(ErrorCode.BAD_ARGS, `bad version reference ${ref}`, {
        userMessage: `\`${ref}\` is not a version reference.`,
        hint: 'Use a version number from `config history` (e.g. v3 or 3), `~1` for the one before the latest, or a sha prefix.',
      });
    },

    at: (device, at) =>
      one(
        `SELECT ${VERSION_COLS} FROM config_versions v JOIN config_blobs b ON b.sha256 = v.sha256
          WHERE v.device = $1 AND v.collected_at <= $2 ORDER BY v.collected_at DESC, v.id DESC LIMIT 1`,
        [device, at],
      ),

    async body(sha) {
      const { rows } = await pool.query<{ body: string }>('SELECT body FROM config_blobs WHERE sha256 = $1', [
        sha,
      ]);
      if (!rows[0]) throw new NetopsError(ErrorCode.NOT_FOUND, `config blob ${sha} not found`);
      return rows[0].body;
    },

    previous: (v) =>
      one(
        `SELECT ${VERSION_COLS} FROM config_versions v JOIN config_blobs b ON b.sha256 = v.sha256
          WHERE v.device = $1 AND (v.collected_at, v.id) < ($2, $3) ORDER BY v.collected_at DESC, v.id DESC LIMIT 1`,
        [v.device, v.collectedAt, v.id],
      ),

    async markNotified(id, at) {
      await pool.query('UPDATE config_versions SET notified_at = $2 WHERE id = $1', [id, at]);
    },

    async checkedAt(device) {
      const { rows } = await pool.query<{ checked_at: Date }>(
        'SELECT checked_at FROM config_latest WHERE device = $1',
        [device],
      );
      return rows[0]?.checked_at;
    },
  };
  return store;
}
