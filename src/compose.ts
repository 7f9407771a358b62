import { analysisBatchId } from './anomalies/index.js';
import type { RedisClient } from './redis.js';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import { createSyslogReceiver, type SyslogReceiver } from './configs/syslog/index.js';
import { ErrorCode, NetopsError } from './errors.js';
import { deviceFromButtonValue, type Inventory } from './inventory/index.js';
import { metricsFor } from './metrics/index.js';
import type { Enqueue } from './queue/index.js';
import { type PollLoop, startPollLoop } from './snmp/round-loop.js';
import type { RoundReport } from './snmp/rounds.js';
import type { DomainServices } from './services/index.js';
import type { ActionHandler } from './slack/index.js';

export interface WorkerLoopsOptions {
  config: Config;
  inventory: Inventory;
  enqueue: Enqueue;
  services: Pick<DomainServices, 'monitoring' | 'reconciler'>;
  log: Logger;
  /** For the poll lease (rounds mode); without it this worker does not poll in rounds. */
  redis?: RedisClient;
  prefix?: string;
  pollLeaseMs?: number;
  onPollRound?: (r: RoundReport) => void;
}

/**
 * What a worker runs besides jobs: the inventory reconciler (schedules, devices table, file_sd,
 * ops summary) and the syslog receiver that turns config-change messages into backups.
 */
export async function startWorkerLoops(options: WorkerLoopsOptions): Promise<{
  syslog?: SyslogReceiver;
  polling?: PollLoop;
  stop(): Promise<void>;
}> {
  const { config, log } = options;
  // Partitions must exist before the first poll lands.
  await options.services.monitoring
    .maintain(new Date())
    .catch((err: unknown) => log.warn({ err }, 'initial metrics maintenance failed'));
  const reconciler = options.services.reconciler;
  await reconciler.start();
  let syslog: SyslogReceiver | undefined;
  if (config.configs.syslog.enabled) {
    syslog = createSyslogReceiver({
      inventory: options.inventory,
      enqueue: options.enqueue,
      host: config.configs.syslog.host,
      port: config.configs.syslog.port,
      debounceMs: config.configs.syslog.debounce,
      log,
    });
    try {
      await syslog.start();
    } catch (err) {
      // Another worker on this machine already listens: one receiver per host is enough.
      log.warn(
        { err: (err as Error).message, port: config.configs.syslog.port },
        'syslog receiver not started',
      );
      syslog = undefined;
    }
  }
  // Polling in rounds: one worker at a time holds the lease and polls the inventory each interval.
  let polling: PollLoop | undefined;
  if (config.schedules.poll.mode === 'rounds' && options.redis) {
    const monitoring = options.services.monitoring;
    polling = startPollLoop({
      redis: options.redis,
      prefix: options.prefix ?? config.env.NETOPS_QUEUE_PREFIX,
      pool: monitoring.pool,
      metrics: metricsFor(monitoring.pool),
      poller: monitoring.poller,
      devices: () => options.inventory.list(),
      intervalMs: config.schedules.poll.every,
      concurrency: config.schedules.poll.concurrency,
      log,
      ...(options.pollLeaseMs ? { leaseMs: options.pollLeaseMs } : {}),
      ...(options.onPollRound ? { onRound: options.onPollRound } : {}),
      // Analysis follows each poll: one run for the devices a batch stored together (their reads
      // shared), once per batch and minute.
      onStored: (devices) => {
        if (!devices.length) return;
        const minute = Math.floor(Date.now() / 60_000);
        options
          .enqueue('analysis.batch', { devices: [...devices] }, { jobId: analysisBatchId(devices, minute) })
          .catch((err: unknown) => log.warn({ err, devices: devices.length }, 'could not enqueue analysis'));
      },
    });
  }
  return {
    ...(syslog ? { syslog } : {}),
    ...(polling ? { polling } : {}),
    async stop() {
      await polling?.stop();
      await reconciler.stop();
      await syslog?.stop();
    },
  };
}

/**
 * Button handlers. Discovery's "Add" is checked here (policy, value, subnets) so the user hears at
 * once, then runs as the `inventory.add` job: the worker writes netops.yaml after deciding again.
 */
export function createActions(options: { config: Config; enqueue: Enqueue }): ActionHandler[] {
  const subnets = () => ({ allowedSubnets: [...options.config.discovery.allowedSubnets] });
  return [
    {
      actionId: 'discover.add',
      action: 'inventory.add',
      devicesOf: (value) => {
        if (!value) return [];
        const d = deviceFromButtonValue(value, subnets());
        return [{ name: d.name, site: d.site, role: d.role, tags: d.tags }];
      },
      async handle({ value, userId, channel, threadTs }) {
        if (!channel) {
          throw new NetopsError(ErrorCode.BAD_ARGS, 'discover.add without a channel', {
            userMessage:
              'This Add button did not come from a channel, so there is nowhere to report the result.',
            hint: 'Use the button on the discovery message in its channel.',
          });
        }
        // Throws the user-facing reason (not JSON, not a device, outside the subnets).
        deviceFromButtonValue(value ?? '', subnets());
        await options.enqueue(
          'inventory.add',
          { device: value },
          { origin: { channel, ...(threadTs ? { threadTs } : {}), userId } },
        );
      },
    },
  ];
}
