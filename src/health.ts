import type { RedisClient } from './redis.js';
import type { Pool } from './storage/index.js';

export interface ReadinessOptions {
  pool: Pool;
  redis: RedisClient;
  /** Slack auth check (auth.test); omitted when the process does not talk to Slack. */
  slackAuth?: () => Promise<unknown>;
  /** Each check gives up after this long. Default 2 s. */
  timeoutMs?: number;
  /** A good Slack answer is reused this long: probes come every few seconds, Slack rate-limits. */
  slackCacheMs?: number;
}

export interface Readiness {
  ok: boolean;
  postgres: boolean;
  redis: boolean;
  slack?: boolean;
}

function within<T>(p: Promise<T>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.then(
      () => true,
      () => false,
    ),
    new Promise<boolean>((r) => {
      timer = setTimeout(() => r(false), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/**
 * /readyz: whether this process can do its work now (Postgres, Redis, Slack auth reachable), as
 * opposed to /healthz, which only says the process is alive. A load balancer or orchestrator
 * stops sending work to a process that is not ready, and restarts one that is not alive.
 */
export function createReadiness(options: ReadinessOptions): () => Promise<Readiness> {
  const ms = options.timeoutMs ?? 2_000;
  const cacheMs = options.slackCacheMs ?? 30_000;
  let slackOkUntil = 0;
  const slack = async () => {
    if (!options.slackAuth) return undefined;
    if (Date.now() < slackOkUntil) return true;
    const ok = await within(options.slackAuth(), ms);
    if (ok) slackOkUntil = Date.now() + cacheMs;
    return ok;
  };
  return async () => {
    const [postgres, redis, slackOk] = await Promise.all([
      within(options.pool.query('SELECT 1'), ms),
      within(options.redis.ping(), ms),
      slack(),
    ]);
    return {
      ok: postgres && redis && slackOk !== false,
      postgres,
      redis,
      ...(slackOk !== undefined ? { slack: slackOk } : {}),
    };
  };
}
