import { randomBytes } from 'node:crypto';
import type { RedisClient } from '../redis.js';
import type { Logger } from 'pino';
import type { Pool } from 'pg';
import type { Device } from '../config.js';
import type { MetricsBackend } from '../metrics/backend.js';
import type { Poller } from './poller.js';
import { createPollRounds, type RoundReport } from './rounds.js';

/**
 * Production polling: the worker that holds the poll lease (a Redis key with a token, renewed
 * while it lives) runs poll rounds over the whole inventory; the others stand by and take over
 * within one lease when it dies. One poller at a time is what keeps rounds from overlapping
 * across workers as `createPollRounds` keeps them from overlapping within one.
 */

export interface PollLoopOptions {
  redis: RedisClient;
  /** The queue prefix: one lease per deployment (and per test). */
  prefix: string;
  pool: Pool;
  metrics: MetricsBackend;
  poller: Poller;
  devices: () => readonly Device[];
  intervalMs: number;
  concurrency: number;
  log?: Logger;
  leaseMs?: number;
  onRound?: (r: RoundReport) => void;
  onStored?: (devices: readonly string[]) => void;
}

export interface PollLoop {
  /** Whether this process holds the lease now. */
  leader(): boolean;
  stop(): Promise<void>;
}

const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

export function startPollLoop(options: PollLoopOptions): PollLoop {
  const leaseMs = options.leaseMs ?? 15_000;
  const key = `${options.prefix}:snmp:poll-lease`;
  const token = randomBytes(12).toString('hex');
  const log = options.log;
  let stopped = false;
  let holding = false;
  let rounds: ReturnType<typeof createPollRounds> | undefined;
  let wake: (() => void) | undefined;

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(t);
        resolve();
      };
    });

  async function lead(): Promise<void> {
    holding = true;
    log?.info({ leaseMs }, 'poll lease taken: this worker polls the fleet in rounds');
    const renew = setInterval(() => {
      options.redis.eval(RENEW, 1, key, token, String(leaseMs)).then(
        (ok) => {
          if (ok) return;
          log?.warn('poll lease lost: stopping after this round');
          holding = false;
          rounds?.stop();
        },
        (err: unknown) => log?.warn({ err }, 'poll lease renewal failed'),
      );
    }, leaseMs / 3);
    try {
      rounds = createPollRounds({
        pool: options.pool,
        metrics: options.metrics,
        poller: options.poller,
        devices: options.devices,
        intervalMs: options.intervalMs,
        concurrency: options.concurrency,
        onRound: (r) => {
          const level = r.late || r.missedTicks ? 'warn' : 'info';
          log?.[level](
            {
              round: r.round,
              wallMs: r.wallMs,
              devices: r.devices,
              ok: r.ok,
              failed: r.failed,
              samples: r.samples,
              lateByMs: r.lateByMs,
              missedTicks: r.missedTicks,
            },
            r.late || r.missedTicks ? 'poll round LATE' : 'poll round',
          );
          options.onRound?.(r);
        },
        onError: (device, err) => log?.debug({ device, err: (err as Error).message }, 'poll failed'),
        ...(options.onStored ? { onStored: options.onStored } : {}),
      });
      // A round that fails as a whole (the database away) is logged; the next tick tries again.
      while (!stopped && holding) {
        try {
          await rounds.run();
        } catch (err) {
          log?.error({ err }, 'poll round failed');
          await sleep(Math.min(options.intervalMs, 5_000));
        }
      }
    } finally {
      clearInterval(renew);
      holding = false;
      rounds = undefined;
      await options.redis.eval(RELEASE, 1, key, token).catch(() => {});
    }
  }

  const done = (async () => {
    while (!stopped) {
      let got = false;
      try {
        got = (await options.redis.set(key, token, 'PX', leaseMs, 'NX')) === 'OK';
      } catch (err) {
        log?.debug({ err: (err as Error).message }, 'poll lease: redis unavailable');
      }
      if (got) await lead();
      else await sleep(leaseMs / 2);
    }
  })();

  return {
    leader: () => holding,
    async stop() {
      stopped = true;
      rounds?.stop();
      wake?.();
      await done;
    },
  };
}
