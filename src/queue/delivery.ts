import type { Redis } from 'ioredis';
import type { DeliveryLedger, PartRecord } from '../slack/deliver.js';
import type { FileUpload } from '../slack/types.js';
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

export function createDeliveryStore(redis: Redis, prefix: string, jobId: string): DeliveryStore {
  const key = deliveryKey(prefix, jobId);
  const write = async (field: string, value: string) => {
    await redis.multi().hset(key, field, value).expire(key, TTL_S).exec();
  };
  return {
    ledger: {
      key: (part) => `${jobId}:${part}`,
      async get(part) {
        const v = await redis.hget(key, `part:${part}`);
        return v ? (JSON.parse(v) as PartRecord) : undefined;
      },
      set: (part, record) => write(`part:${part}`, JSON.stringify(record)),
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
