import type { Pool } from 'pg';
import { withTransaction } from '../storage/tx.js';
import type { RuleResult, Status } from './engine.js';

export interface StoredResult {
  device: string;
  rule: string;
  status: Status;
  since: Date;
  versionId: number | null;
  versionN: number | null;
  evaluatedAt: Date;
  missing: string[][];
  extra: string[][];
  error: string | null;
}

export interface HistoryRow {
  device: string;
  rule: string;
  status: Status;
  versionN: number | null;
  author: string | null;
  at: Date;
  missing: string[][];
  extra: string[][];
}

export interface EvaluatedVersion {
  id: number;
  n: number;
  collectedAt: Date;
  author?: string | null;
}

/** A result that got worse with a version; `worse` holds the new lines when it was failing already. */
export type Worsened = RuleResult & { worse?: { missing: string[][]; extra: string[][] } };

const pathKey = (p: readonly string[]) => JSON.stringify(p);

/** Lines of `now` that `before` did not have. */
export function added(before: readonly string[][] | null | undefined, now: readonly string[][]): string[][] {
  const had = new Set((before ?? []).map(pathKey));
  return now.filter((p) => !had.has(pathKey(p)));
}

export interface ComplianceStore {
  /**
   * Stores one device's results for a version. Rules no longer applying to the device are
   * dropped. Returns the results this version made worse: compliant before and not now, or failing
   * before and now with lines missing or extra that were not (those carry `worse`). An unchanged
   * or improving violation is not returned, so it is noticed once.
   */
  record(
    device: string,
    version: EvaluatedVersion,
    results: readonly RuleResult[],
    at: Date,
  ): Promise<Worsened[]>;
  latest(filter?: { devices?: readonly string[]; rule?: string }): Promise<StoredResult[]>;
  history(filter: { device?: string; rule?: string; limit?: number }): Promise<HistoryRow[]>;
}

interface LatestRow {
  device: string;
  rule: string;
  status: Status;
  since: Date;
  version_id: string | null;
  version_n: number | null;
  evaluated_at: Date;
  missing: string[][];
  extra: string[][];
  error: string | null;
}

const toStored = (r: LatestRow): StoredResult => ({
  device: r.device,
  rule: r.rule,
  status: r.status,
  since: r.since,
  versionId: r.version_id === null ? null : Number(r.version_id),
  versionN: r.version_n,
  evaluatedAt: r.evaluated_at,
  missing: r.missing,
  extra: r.extra,
  error: r.error,
});

const same = (a: { status: string; missing: unknown; extra: unknown }, b: RuleResult) =>
  a.status === b.status &&
  JSON.stringify(a.missing) === JSON.stringify(b.missing) &&
  JSON.stringify(a.extra) === JSON.stringify(b.extra);

export function createComplianceStore(pool: Pool): ComplianceStore {
  return {
    async record(device, version, results, at) {
      return withTransaction(pool, async (c) => {
        // One device's evaluations serialise: two backups racing compare against each other's result.
        await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`netops-compliance:${device}`]);
        const { rows } = await c.query<LatestRow>(
          'SELECT * FROM compliance_latest WHERE device = $1 FOR UPDATE',
          [device],
        );
        const before = new Map(rows.map((r) => [r.rule, r]));
        const broken: Worsened[] = [];
        for (const r of results) {
          const prev = before.get(r.rule);
          before.delete(r.rule);
          const statusChanged = !prev || prev.status !== r.status;
          if (prev?.status === 'compliant' && r.status === 'noncompliant') broken.push(r);
          else if (prev?.status === 'noncompliant' && r.status === 'noncompliant') {
            const worse = { missing: added(prev.missing, r.missing), extra: added(prev.extra, r.extra) };
            if (worse.missing.length || worse.extra.length) broken.push({ ...r, worse });
          }
          await c.query(
            `INSERT INTO compliance_latest (device, rule, status, since, version_id, version_n, evaluated_at, missing, extra, error)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
             ON CONFLICT (device, rule) DO UPDATE SET status = EXCLUDED.status,
               since = CASE WHEN compliance_latest.status = EXCLUDED.status THEN compliance_latest.since ELSE EXCLUDED.since END,
               version_id = EXCLUDED.version_id, version_n = EXCLUDED.version_n, evaluated_at = EXCLUDED.evaluated_at,
               missing = EXCLUDED.missing, extra = EXCLUDED.extra, error = EXCLUDED.error`,
            [
              device,
              r.rule,
              r.status,
              statusChanged ? version.collectedAt : prev.since,
              version.id,
              version.n,
              at,
              JSON.stringify(r.missing),
              JSON.stringify(r.extra),
              r.error ?? null,
            ],
          );
          if (!prev || !same(prev, r))
            await c.query(
              `INSERT INTO compliance_history (device, rule, status, version_id, version_n, author, at, missing, extra, error)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
              [
                device,
                r.rule,
                r.status,
                version.id,
                version.n,
                version.author ?? null,
                version.collectedAt,
                JSON.stringify(r.missing),
                JSON.stringify(r.extra),
                r.error ?? null,
              ],
            );
        }
        if (before.size)
          await c.query('DELETE FROM compliance_latest WHERE device = $1 AND rule = ANY($2)', [
            device,
            [...before.keys()],
          ]);
        return broken;
      });
    },
    async latest(filter = {}) {
      const { rows } = await pool.query<LatestRow>(
        `SELECT * FROM compliance_latest
          WHERE ($1::text[] IS NULL OR device = ANY($1)) AND ($2::text IS NULL OR rule = $2)
          ORDER BY device, rule`,
        [filter.devices ? [...filter.devices] : null, filter.rule ?? null],
      );
      return rows.map(toStored);
    },
    async history(filter) {
      const { rows } = await pool.query<{
        device: string;
        rule: string;
        status: Status;
        version_n: number | null;
        author: string | null;
        at: Date;
        missing: string[][];
        extra: string[][];
      }>(
        `SELECT device, rule, status, version_n, author, at, missing, extra FROM compliance_history
          WHERE ($1::text IS NULL OR device = $1) AND ($2::text IS NULL OR rule = $2)
          ORDER BY at DESC, id DESC LIMIT $3`,
        [filter.device ?? null, filter.rule ?? null, filter.limit ?? 50],
      );
      return rows.map((r) => ({
        device: r.device,
        rule: r.rule,
        status: r.status,
        versionN: r.version_n,
        author: r.author,
        at: r.at,
        missing: r.missing,
        extra: r.extra,
      }));
    },
  };
}
