/**
 * No-op job throughput through the project's job host (zod validation, envelope, audit updates,
 * abort signal, result claim) divided by a bare BullMQ Worker's, same Redis, same run, same
 * concurrency. Prints: host_jobs_per_s, raw_jobs_per_s, ratio_vs_raw_bullmq.
 */
import { Queue, Worker } from 'bullmq';
import { z } from 'zod';
import { createInventory } from '../src/inventory/index.js';
import { silentLogger } from '../src/log.js';
import { createJobHost, defineJob } from '../src/queue/index.js';
import { createJobPoster, type Responder } from '../src/chat/index.js';
import { createAuditLog } from '../src/storage/index.js';
import { freshDb } from '../test/helpers/pg.js';
import { dropPrefix, freshPrefix, redisConnection } from '../test/helpers/redis.js';

const N = Number(process.env.JOBS ?? 5000);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 16);

async function fill(prefix: string, name: string) {
  const connection = redisConnection();
  const q = new Queue('default', { connection, prefix });
  const jobs = Array.from({ length: N }, (_, i) => ({
    name,
    data: { payload: { i }, enqueuedAt: Date.now() },
    opts: { jobId: `j-${i}`, removeOnComplete: true },
  }));
  for (let i = 0; i < jobs.length; i += 1000) await q.addBulk(jobs.slice(i, i + 1000));
  await q.close();
  await connection.quit();
}

async function drain(
  worker: { on(e: 'completed', f: () => void): unknown },
  start: () => void,
): Promise<number> {
  return new Promise((resolve) => {
    let done = 0;
    let t0 = 0;
    worker.on('completed', () => {
      if (++done === N) resolve(N / ((performance.now() - t0) / 1000));
    });
    t0 = performance.now();
    start();
  });
}

async function raw(): Promise<number> {
  const prefix = freshPrefix('bench-raw');
  await fill(prefix, 'noop');
  const connection = redisConnection();
  let w!: Worker;
  const rate = await new Promise<number>((resolve) => {
    w = new Worker('default', async () => 'ok', {
      connection,
      prefix,
      concurrency: CONCURRENCY,
      autorun: false,
    });
    void drain(w, () => void w.run()).then(resolve);
  });
  await w.close();
  await connection.quit();
  await dropPrefix(prefix);
  return rate;
}

async function host(): Promise<number> {
  const prefix = freshPrefix('bench-host');
  const db = await freshDb('bench');
  await fill(prefix, 'bench.noop');
  const noop = defineJob({
    name: 'bench.noop',
    needs: [],
    schema: z.object({ i: z.number() }),
    async process() {
      return { summary: 'ok' };
    },
  });
  const responder: Responder = {
    post: async () => ({ ts: '1' }),
    update: async () => {},
    ephemeral: async () => {},
    upload: async () => {},
  };
  const connection = redisConnection();
  let h!: ReturnType<typeof createJobHost>;
  const services = {
    config: {} as never,
    pool: db.pool,
    inventory: createInventory([]),
    responder,
    enqueue: async () => ({ jobId: 'x' }),
    log: silentLogger,
    clock: () => new Date(),
  };
  const rate = await new Promise<number>((resolve) => {
    h = createJobHost({
      connection,
      prefix,
      jobs: [noop],
      services,
      poster: createJobPoster(responder),
      audit: createAuditLog(db.pool),
      log: silentLogger,
      concurrency: CONCURRENCY,
    });
    // the host's workers start on creation; count completions from now
    let done = 0;
    const t0 = performance.now();
    h.workers[0]!.on('completed', () => {
      if (++done === N) resolve(N / ((performance.now() - t0) / 1000));
    });
  });
  await h.close(5_000);
  await connection.quit();
  await db.drop();
  await dropPrefix(prefix);
  return rate;
}

// alternate to even out warm-up and machine noise; best of two each
const rawRates = [await raw(), 0];
const hostRates = [await host(), 0];
rawRates[1] = await raw();
hostRates[1] = await host();
const r = Math.max(...rawRates);
const h = Math.max(...hostRates);
console.log(
  JSON.stringify({
    jobs: N,
    concurrency: CONCURRENCY,
    raw_jobs_per_s: Math.round(r),
    host_jobs_per_s: Math.round(h),
    ratio_vs_raw_bullmq: Math.round((h / r) * 100) / 100,
  }),
);
process.exit(0);
