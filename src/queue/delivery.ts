import type { RedisClient, ReplicaConfirm } from '../redis.js';
import { whenReady } from './producer.js';
import type { DeliveryLedger, FileUpload, PartRecord } from '../chat/index.js';
import { ErrorCode, NetopsError } from '../errors.js';
import type { JobResult } from './types.js';

/** How long a job's delivery record outlives it: longer than any retry, shorter than forever. */
const TTL_S = 7 * 86_400;
/** Results bigger than this are not kept; a retry after a crash then runs the job again. */
const MAX_STORED_BYTES = 32 * 1024 * 1024;

type StoredFile = Omit<FileUpload, 'content'> & { text?: string; base64?: string };

function encode(result: JobResult): string {
  const files: StoredFile[] | undefined = result.files?.map(({ content, ...rest }) =>
    typeof content === 'string'
      ? { ...rest, text: content }
      : { ...rest, base64: content.toString('base64') },
  );
  return JSON.stringify({ ...result, ...(files ? { files } : {}) });
}

function decode(text: string): JobResult {
  const raw = JSON.parse(text) as Omit<JobResult, 'files'> & { files?: StoredFile[] };
  const { files, ...rest } = raw;
  if (!files) return rest;
  return {
    ...rest,
    files: files.map(({ text, base64, ...f }) => ({
      ...f,
      content: base64 !== undefined ? Buffer.from(base64, 'base64') : (text ?? ''),
    })),
  };
}

/**
 * What one job has got to, kept in Redis beside the queue (one hash per job): the result once
 * the work is done, and which parts of its delivery reached Slack. A retry in another process
 * after a crash reads it to deliver the same result once, instead of running the job again or
 * guessing whether the post happened.
 */
export interface DeliveryStore {
  readonly ledger: DeliveryLedger;
  /** The result an earlier attempt finished with, if any. */
  result(): Promise<JobResult | undefined>;
  saveResult(result: JobResult): Promise<void>;
}

export function deliveryKey(prefix: string, jobId: string): string {
  return `${prefix}:netops:delivery:${jobId}`;
}

/**
 * Records that a part is about to be posted, only while this attempt still holds the job's lock,
 * and extends the lock: a worker that stalled (its lock lapsed, another worker took the job) must
 * not post beside the one that took over.
 */
const CLAIM = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('HSET', KEYS[2], ARGV[3], ARGV[4])
redis.call('EXPIRE', KEYS[2], ARGV[5])
return 1`;

/** How long a claim waits for a replica before it is trusted without one. */
const CONFIRM_MS = 5_000;

/** This attempt's hold on the job: BullMQ's lock key and token, and how long a lock lasts. */
export interface JobLock {
  key: string;
  token: string;
  durationMs: number;
  /**
   * A replica must have a claim before the part is posted (Sentinel; see ReplicaConfirm). A claim the master took
   * but never passed on is lost in a failover, and the job's rerun on the new master would post
   * beside this one: so an unreplicated claim is made again on the master the connection now
   * reaches, where it holds only if this attempt still holds the job there.
   */
  replicas?: ReplicaConfirm;
}

export function createDeliveryStore(
  redis: RedisClient,
  prefix: string,
  jobId: string,
  lock?: JobLock,
): DeliveryStore {
  const key = deliveryKey(prefix, jobId);
  const write = async (field: string, value: string) => {
    await redis.multi().hset(key, field, value).expire(key, TTL_S).exec();
  };
  const claimOnce = async (field: string, value: string) =>
    lock && (await redis.eval(CLAIM, 2, lock.key, key, lock.token, lock.durationMs, field, value, TTL_S));
  const claim = async (field: string, value: string) => {
    if (!lock) return write(field, value);
    let ok = await claimOnce(field, value);
    const until = Date.now() + CONFIRM_MS;
    while (ok === 1 && lock.replicas && !(await lock.replicas.confirm(0))) {
      // Past the deadline the replica is taken to be gone for good, not failing over: post.
      if (Date.now() > until) break;
      await new Promise((r) => setTimeout(r, 100));
      try {
        await whenReady(redis, 1_000);
        ok = await claimOnce(field, value);
      } catch {
        // still moving to the new master
      }
    }
    if (ok !== 1) {
      throw new NetopsError(
        ErrorCode.JOB_LOCK_LOST,
        `job ${jobId}: lock lost to another worker; not posting`,
        {
          context: { jobId },
        },
      );
    }
  };
  return {
    ledger: {
      key: (part) => `${jobId}:${part}`,
      async get(part) {
        const v = await redis.hget(key, `part:${part}`);
        return v ? (JSON.parse(v) as PartRecord) : undefined;
      },
      set: (part, record) =>
        (record.state === 'started' ? claim : write)(`part:${part}`, JSON.stringify(record)),
    },
    async result() {
      const v = await redis.hget(key, 'result');
      return v ? decode(v) : undefined;
    },
    async saveResult(result) {
      const text = encode(result);
      if (text.length <= MAX_STORED_BYTES) await write('result', text);
    },
  };
}
