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

export interface AuditLog {
  record(entry: NewAudit): Promise<bigint>;
  attachJob(id: bigint, jobId: string, jobName: string, messageTs?: string): Promise<void>;
  jobStarted(jobId: string, attempt: number): Promise<void>;
  /** `resultPosted`: the result reached Slack (set in the same write). */
  jobFinished(
    jobId: string,
    status: 'done' | 'failed',
    summary: string,
    errorCode?: string,
    resultPosted?: boolean,
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

export function createAuditLog(pool: pg.Pool): AuditLog {
  return {
    async record(e) {
      const { rows } = await pool.query<{ id: bigint }>(
        `INSERT INTO audit (source, user_id, user_name, team_id, channel_id, thread_ts, text, command, status,
           job_id, job_name, result_summary, error_code, finished_at, action, devices, rule)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,
           CASE WHEN $9 IN ('rejected','denied','answered') THEN now() END, $14, $15, $16)
         RETURNING id`,
        [
          e.source,
          e.userId ?? null,
          e.userName ?? null,
          e.teamId ?? null,
          e.channelId ?? null,
          e.threadTs ?? null,
          e.text,
          e.command ?? null,
          e.status,
          e.jobId ?? null,
          e.jobName ?? null,
          e.resultSummary ?? null,
          e.errorCode ?? null,
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
    async jobStarted(jobId, attempt) {
      await pool.query(
        `UPDATE audit SET status = 'running', started_at = COALESCE(started_at, now()), attempts = $2
         WHERE job_id = $1 AND status IN ('queued', 'running')`,
        [jobId, attempt],
      );
    },
    async jobFinished(jobId, status, summary, errorCode, resultPosted = false) {
      await pool.query(
        `UPDATE audit SET status = $2, finished_at = now(), result_summary = $3, error_code = $4,
           result_posted_at = CASE WHEN $5 THEN now() ELSE result_posted_at END
         WHERE job_id = $1`,
        [jobId, status, summary.slice(0, 500), errorCode ?? null, resultPosted],
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
