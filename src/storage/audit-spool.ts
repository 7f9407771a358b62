import { randomBytes } from 'node:crypto';
import type { RedisClient } from '../redis.js';
import type { Logger } from 'pino';
import { ErrorCode, isNetopsError } from '../errors.js';
import type { AuditLog, NewAudit } from './audit.js';
import { isConnectionError } from './pool.js';

/** One held-back audit write, as it goes into the spool (JSON in a Redis list). */
type SpooledWrite =
  | { op: 'record'; at: string; entry: NewAudit }
  | { op: 'started'; at: string; jobId: string; attempt: number }
  | {
      op: 'finished';
      at: string;
      jobId: string;
      status: 'done' | 'failed';
      summary: string;
      errorCode?: string;
      resultPosted?: boolean;
    };

export interface AuditSpoolOptions {
  /** The audit log the writes go to (createAuditLog over the pool). */
  audit: AuditLog;
  /** A connection that fails fast when Redis is away (no offline queue). */
  redis: RedisClient;
  prefix: string;
  log: Logger;
  /** How often the spool is emptied into the database while it holds writes. Default 1 s. */
  drainEveryMs?: number;
  /** After a write fails, go straight to the spool for this long instead of waiting on the database. */
  downForMs?: number;
}

export interface DurableAudit extends AuditLog {
  /** Writes the spooled writes that the database now takes; returns how many. */
  drain(): Promise<number>;
  /** Writes still waiting: in Redis and in this process. */
  pending(): Promise<number>;
  close(): Promise<void>;
}

const BATCH = 100;
const LOCK_MS = 30_000;

/**
 * An audit log that loses nothing while PostgreSQL is away. A write that cannot reach the
 * database goes into a spool in Redis (shared by every bot and worker process, so a process that
 * dies does not take its held-back writes with it) and is written once the database is back.
 * Writes about a job commute (see AuditLog), so the spool needs no ordering with direct writes.
 * When Redis is away too, writes wait in this process and are logged in full meanwhile.
 */
export function createDurableAudit(options: AuditSpoolOptions): DurableAudit {
  const { audit, redis, log } = options;
  const key = `${options.prefix}:netops:audit-spool`;
  const lockKey = `${key}:lock`;
  const downForMs = options.downForMs ?? 1_000;
  const local: string[] = [];
  let downUntil = 0;
  let draining: Promise<number> | undefined;
  let closed = false;

  const apply = async (w: SpooledWrite): Promise<void> => {
    const at = new Date(w.at);
    if (w.op === 'record') await audit.record(w.entry, at);
    else if (w.op === 'started') await audit.jobStarted(w.jobId, w.attempt, at);
    else await audit.jobFinished(w.jobId, w.status, w.summary, w.errorCode, w.resultPosted, at);
  };

  const unreachable = (err: unknown) =>
    (isNetopsError(err) && err.code === ErrorCode.DB_UNAVAILABLE) || isConnectionError(err);

  const spool = async (w: SpooledWrite) => {
    const text = JSON.stringify(w);
    try {
      await redis.rpush(key, text);
    } catch (err) {
      local.push(text);
      log.error(
        { err: (err as Error).message, audit: w },
        'audit write held in memory: database and Redis away',
      );
    }
  };

  /** Writes now, or spools when the database is (or was just seen) away. Never throws. */
  const write = async <T>(w: SpooledWrite, direct: () => Promise<T>): Promise<T | undefined> => {
    if (Date.now() >= downUntil) {
      try {
        return await direct();
      } catch (err) {
        if (!unreachable(err)) {
          // A bug, not an outage: retrying would fail the same way. The log keeps the whole write.
          log.error({ err, audit: w }, 'audit write failed');
          return undefined;
        }
        downUntil = Date.now() + downForMs;
      }
    }
    await spool(w);
    return undefined;
  };

  async function drainOnce(): Promise<number> {
    // Writes held in memory (Redis was away too) go to the shared spool first.
    while (local.length) {
      try {
        await redis.rpush(key, local[0]!);
        local.shift();
      } catch {
        break;
      }
    }
    const token = randomBytes(8).toString('hex');
    let locked: string | null;
    try {
      locked = await redis.set(lockKey, token, 'PX', LOCK_MS, 'NX');
    } catch {
      return 0;
    }
    if (!locked) return 0;
    let written = 0;
    try {
      for (;;) {
        const batch = await redis.lrange(key, 0, BATCH - 1);
        if (!batch.length) break;
        let done = 0;
        for (const text of batch) {
          let w: SpooledWrite;
          try {
            w = JSON.parse(text) as SpooledWrite;
          } catch {
            log.error({ text }, 'unreadable audit spool entry skipped');
            done++;
            continue;
          }
          try {
            await apply(w);
            done++;
          } catch (err) {
            if (unreachable(err)) break;
            log.error({ err, audit: w }, 'spooled audit write failed; skipped');
            done++;
          }
        }
        // Only this process drains (the lock), so the head of the list is what it just wrote.
        if (done) await redis.ltrim(key, done, -1);
        written += done;
        if (done < batch.length) break;
        await redis.pexpire(lockKey, LOCK_MS);
      }
    } finally {
      // Release only our own lock.
      await redis
        .eval(
          "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end",
          1,
          lockKey,
          token,
        )
        .catch(() => {});
    }
    if (written) log.info({ written }, 'spooled audit writes written');
    return written;
  }

  const drain = () => {
    draining ??= drainOnce()
      .catch((err) => {
        log.warn({ err: (err as Error).message }, 'audit spool drain failed; will retry');
        return 0;
      })
      .finally(() => {
        draining = undefined;
      });
    return draining;
  };

  const timer = setInterval(() => {
    if (!closed) void drain();
  }, options.drainEveryMs ?? 1_000);
  timer.unref();

  return {
    async record(entry, at = new Date()) {
      return write({ op: 'record', at: at.toISOString(), entry }, () => audit.record(entry, at));
    },
    attachJob: (id, jobId, jobName, messageTs) => audit.attachJob(id, jobId, jobName, messageTs),
    // Reads go to the database: a query while it is away fails with a clear error.
    search: (query) => audit.search(query),
    async jobStarted(jobId, attempt, at = new Date()) {
      await write({ op: 'started', at: at.toISOString(), jobId, attempt }, () =>
        audit.jobStarted(jobId, attempt, at),
      );
    },
    async jobFinished(jobId, status, summary, errorCode, resultPosted, at = new Date()) {
      await write(
        {
          op: 'finished',
          at: at.toISOString(),
          jobId,
          status,
          summary,
          ...(errorCode ? { errorCode } : {}),
          ...(resultPosted ? { resultPosted } : {}),
        },
        () => audit.jobFinished(jobId, status, summary, errorCode, resultPosted, at),
      );
    },
    recent: (o) => audit.recent(o),
    byJob: (jobId) => audit.byJob(jobId),
    drain,
    async pending() {
      const inRedis = await redis.llen(key).catch(() => 0);
      return inRedis + local.length;
    },
    async close() {
      closed = true;
      clearInterval(timer);
      await draining;
      // One last try, so a clean shutdown after an outage leaves as little as possible behind.
      await drain();
      if (local.length) {
        log.error({ writes: local }, 'audit writes not written at shutdown (database and Redis away)');
      }
    },
  };
}
