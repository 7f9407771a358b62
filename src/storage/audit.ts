import type pg from 'pg';

export type AuditStatus = 'rejected' | 'denied' | 'answered' | 'queued' | 'running' | 'done' | 'failed';

export interface AuditRecord {
  id: bigint;
  createdAt: Date;
  source: string;
  userId: string | null;
  userName: string | null;
  channelId: string | null;
  threadTs: string | null;
  messageTs: string | null;
  text: string;
  command: string | null;
  jobId: string | null;
  jobName: string | null;
  status: AuditStatus;
  startedAt: Date | null;
  finishedAt: Date | null;
  attempts: number;
  resultSummary: string | null;
  errorCode: string | null;
  resultPostedAt: Date | null;
  action: string | null;
  devices: string[];
  rule: string | null;
}

export interface NewAudit {
  source: string;
  userId?: string;
  userName?: string;
  teamId?: string;
  channelId?: string;
  threadTs?: string;
  text: string;
  command?: string;
  status: AuditStatus;
  jobId?: string;
  jobName?: string;
  resultSummary?: string;
  errorCode?: string;
  /** The policy action the request needed, the devices it named, and the rule that allowed it. */
  action?: string;
  devices?: readonly string[];
  rule?: string;
}

export interface AuditQuery {
  userId?: string;
  device?: string;
  since: Date;
  limit: number;
}

/**
 * The audit trail. Writes about a job are keyed by its job id and commute: each one merges into
 * the row (creating it if it is not there yet) and never moves a status backwards, so writes held
 * back while the database was away (see audit-spool.ts) land right whatever order they arrive in.
 * `at` is when the thing happened, which is not when a held-back write reaches the database.
 */
export interface AuditLog {
  /** The row's id, or undefined when the write was held back to be made later. */
  record(entry: NewAudit, at?: Date): Promise<bigint | undefined>;
  attachJob(id: bigint, jobId: string, jobName: string, messageTs?: string): Promise<void>;
  jobStarted(jobId: string, attempt: number, at?: Date): Promise<void>;
  /** `resultPosted`: the result reached Slack (set in the same write). The first final status stays. */
  jobFinished(
    jobId: string,
    status: 'done' | 'failed',
    summary: string,
    errorCode?: string,
    resultPosted?: boolean,
    at?: Date,
  ): Promise<void>;
  recent(options: { userId?: string; limit?: number }): Promise<AuditRecord[]>;
  byJob(jobId: string): Promise<AuditRecord | undefined>;
  /** Everything (commands, clicks, denials, jobs) by a user or about a device since a time, newest first. */
  search(query: AuditQuery): Promise<AuditRecord[]>;
}

const COLUMNS = `id, created_at, source, user_id, user_name, channel_id, thread_ts, message_ts, text, command,
  job_id, job_name, status, started_at, finished_at, attempts, result_summary, error_code, result_posted_at,
  action, devices, rule`;

function toRecord(r: Record<string, unknown>): AuditRecord {
  return {
    id: r.id as bigint,
    createdAt: r.created_at as Date,
    source: r.source as string,
    userId: r.user_id as string | null,
    userName: r.user_name as string | null,
    channelId: r.channel_id as string | null,
    threadTs: r.thread_ts as string | null,
    messageTs: r.message_ts as string | null,
    text: r.text as string,
    command: r.command as string | null,
    jobId: r.job_id as string | null,
    jobName: r.job_name as string | null,
    status: r.status as AuditStatus,
    startedAt: r.started_at as Date | null,
    finishedAt: r.finished_at as Date | null,
    attempts: r.attempts as number,
    resultSummary: r.result_summary as string | null,
    errorCode: r.error_code as string | null,
    resultPostedAt: r.result_posted_at as Date | null,
    action: (r.action as string | null) ?? null,
    devices: (r.devices as string[] | null) ?? [],
    rule: (r.rule as string | null) ?? null,
  };
}

/**
 * Text as the audit table stores it: control and line-separator characters become visible escapes
 * (`\x00`, `\u2028`). Postgres refuses NUL in text, so without this a request containing one lost
 * its audit row; the others would let a crafted request forge extra lines in an exported log.
 */
export function auditSafe(text: string): string {
  return text.replace(/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]/g, (c) => {
    const n = c.charCodeAt(0);
    return n < 0x100 ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u${n.toString(16)}`;
  });
}

const safe = (text: string | undefined) => (text === undefined ? null : auditSafe(text));

/** Status order: a write never moves a row back (a late "running" after "done" changes nothing). */
const RANK = (col: string) =>
  `(CASE ${col} WHEN 'queued' THEN 1 WHEN 'running' THEN 2 WHEN 'done' THEN 3 WHEN 'failed' THEN 3 ELSE 0 END)`;
/** A row made by a job's own write before the request's row arrived; the request's row fills it in. */
const PLACEHOLDER_SOURCE = 'unknown';

export function createAuditLog(pool: pg.Pool): AuditLog {
  return {
    async record(e, at = new Date()) {
      const { rows } = await pool.query<{ id: bigint }>(
        `INSERT INTO audit (source, user_id, user_name, team_id, channel_id, thread_ts, text, command, status,
           job_id, job_name, result_summary, error_code, created_at, finished_at, action, devices, rule)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,
           CASE WHEN $9 IN ('rejected','denied','answered') THEN $14::timestamptz END, $15, $16, $17)
         ON CONFLICT (job_id) WHERE job_id IS NOT NULL DO UPDATE SET
           source = EXCLUDED.source, user_id = EXCLUDED.user_id, user_name = EXCLUDED.user_name,
           team_id = EXCLUDED.team_id, channel_id = EXCLUDED.channel_id, thread_ts = EXCLUDED.thread_ts,
           text = EXCLUDED.text, command = EXCLUDED.command, job_name = EXCLUDED.job_name,
           created_at = LEAST(audit.created_at, EXCLUDED.created_at),
           status = CASE WHEN ${RANK('EXCLUDED.status')} > ${RANK('audit.status')} THEN EXCLUDED.status ELSE audit.status END,
           result_summary = COALESCE(audit.result_summary, EXCLUDED.result_summary),
           error_code = COALESCE(audit.error_code, EXCLUDED.error_code),
           action = COALESCE(EXCLUDED.action, audit.action),
           devices = CASE WHEN cardinality(EXCLUDED.devices) > 0 THEN EXCLUDED.devices ELSE audit.devices END,
           rule = COALESCE(EXCLUDED.rule, audit.rule)
         RETURNING id`,
        [
          e.source,
          safe(e.userId),
          safe(e.userName),
          safe(e.teamId),
          safe(e.channelId),
          safe(e.threadTs),
          auditSafe(e.text),
          safe(e.command),
          e.status,
          e.jobId ?? null,
          e.jobName ?? null,
          safe(e.resultSummary),
          e.errorCode ?? null,
          at,
          e.action ?? null,
          [...(e.devices ?? [])],
          e.rule ?? null,
        ],
      );
      return rows[0]!.id;
    },
    async attachJob(id, jobId, jobName, messageTs) {
      await pool.query(
        'UPDATE audit SET job_id = $2, job_name = $3, message_ts = COALESCE($4, message_ts) WHERE id = $1',
        [id, jobId, jobName, messageTs ?? null],
      );
    },
    async jobStarted(jobId, attempt, at = new Date()) {
      await pool.query(
        `INSERT INTO audit (source, text, job_id, status, created_at, started_at, attempts)
         VALUES ('${PLACEHOLDER_SOURCE}', '', $1, 'running', $3, $3, $2)
         ON CONFLICT (job_id) WHERE job_id IS NOT NULL DO UPDATE SET
           status = CASE WHEN audit.status = 'queued' THEN 'running' ELSE audit.status END,
           started_at = LEAST(COALESCE(audit.started_at, EXCLUDED.started_at), EXCLUDED.started_at),
           attempts = GREATEST(audit.attempts, EXCLUDED.attempts)`,
        [jobId, attempt, at],
      );
    },
    async jobFinished(jobId, status, summary, errorCode, resultPosted = false, at = new Date()) {
      await pool.query(
        `INSERT INTO audit (source, text, job_id, status, created_at, finished_at, result_summary, error_code,
           result_posted_at)
         VALUES ('${PLACEHOLDER_SOURCE}', '', $1, $2, $6, $6, $3, $4, CASE WHEN $5 THEN $6::timestamptz END)
         ON CONFLICT (job_id) WHERE job_id IS NOT NULL DO UPDATE SET
           status = CASE WHEN ${RANK('audit.status')} < 3 THEN EXCLUDED.status ELSE audit.status END,
           finished_at = CASE WHEN ${RANK('audit.status')} < 3 THEN EXCLUDED.finished_at ELSE audit.finished_at END,
           result_summary = CASE WHEN ${RANK('audit.status')} < 3 THEN EXCLUDED.result_summary ELSE audit.result_summary END,
           error_code = CASE WHEN ${RANK('audit.status')} < 3 THEN EXCLUDED.error_code ELSE audit.error_code END,
           result_posted_at = COALESCE(audit.result_posted_at, EXCLUDED.result_posted_at)`,
        [jobId, status, auditSafe(summary.slice(0, 500)), errorCode ?? null, resultPosted, at],
      );
    },
    async recent({ userId, limit = 15 }) {
      const { rows } = await pool.query(
        `SELECT ${COLUMNS} FROM audit WHERE job_id IS NOT NULL AND ($1::text IS NULL OR user_id = $1)
         ORDER BY created_at DESC, id DESC LIMIT $2`,
        [userId ?? null, limit],
      );
      return rows.map(toRecord);
    },
    async search({ userId, device, since, limit }) {
      const { rows } = await pool.query(
        `SELECT ${COLUMNS} FROM audit
         WHERE created_at >= $1 AND ($2::text IS NULL OR user_id = $2) AND ($3::text IS NULL OR devices @> ARRAY[$3::text])
         ORDER BY created_at DESC, id DESC LIMIT $4`,
        [since, userId ?? null, device ?? null, limit],
      );
      return rows.map(toRecord);
    },
    async byJob(jobId) {
      const { rows } = await pool.query(`SELECT ${COLUMNS} FROM audit WHERE job_id = $1`, [jobId]);
      return rows[0] ? toRecord(rows[0]) : undefined;
    },
  };
}
