import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { createChartRenderer } from './charts/render.js';
import type { Config } from './config.js';
import { ErrorCode, NetopsError } from './errors.js';
import type { ConfigsSettings } from './configs/settings.js';
import { createSyslogReceiver, type SyslogReceiver } from './configs/syslog/index.js';
import {
  createCredentialResolver,
  createDeviceService,
  type DeviceServiceImpl,
  fileHostKeyStore,
} from './devices/index.js';
import { deviceFromButtonValue } from './inventory/discovery.js';
import type { Inventory } from './inventory/index.js';
import type { JobDefinition } from './queue/index.js';
import type { ActionHandler } from './slack/index.js';
import {
  createMonitoringService,
  createReconciler,
  createScheduler,
  type MonitoringService,
  type Reconciler,
  type Scheduler,
} from './snmp/index.js';
import type { Responder } from './slack/types.js';
import type { Pool } from './storage/index.js';
import type { Enqueue } from './queue/types.js';

/**
 * The domain services jobs use (device layer, monitoring, charts, config tracking), built from
 * config. Kept apart from main.ts so the lab and the tests compose the same way.
 */
export interface Domain {
  services: Record<string, unknown>;
  devices: DeviceServiceImpl;
  monitoring: MonitoringService;
  close(): Promise<void>;
}

export interface DomainOptions {
  config: Config;
  /** Raw environment for credential resolution only (NETOPS_CRED_<NAME>_…). */
  secretsEnv: Record<string, string | undefined>;
  pool: Pool;
  inventory: Inventory;
  log: Logger;
}

export function createDomain(options: DomainOptions): Domain {
  const { config, pool, inventory, log } = options;
  const devices = createDeviceService({
    inventory,
    credentials: createCredentialResolver({
      env: options.secretsEnv,
      ...(config.env.NETOPS_CREDENTIALS_FILE ? { file: config.env.NETOPS_CREDENTIALS_FILE } : {}),
    }),
    // First-use host keys survive restarts; a changed key is refused, not silently re-learnt.
    hostKeys: fileHostKeyStore(config.env.NETOPS_KNOWN_HOSTS),
    log,
    limits: { global: config.limits.sessions, perDevice: config.limits.sessionsPerDevice },
  });
  const monitoring = createMonitoringService({
    pool,
    env: options.secretsEnv,
    retention: {
      rawMs: config.metrics.retention.raw,
      fiveMinuteMs: config.metrics.retention.fiveMinute,
      hourMs: config.metrics.retention.hour,
    },
    discovery: { ...config.discovery },
  });
  const configs: ConfigsSettings = {
    secretMarker: config.configs.secretMarker,
    retention: {
      keepAllDays: config.configs.retention.keepAllDays,
      dailyDays: config.configs.retention.dailyDays,
      weeklyWeeks: config.configs.retention.weeklyWeeks ?? Number.POSITIVE_INFINITY,
    },
    searchTimeoutMs: config.configs.searchTimeout,
  };
  return {
    devices,
    monitoring,
    services: { devices, monitoring, charts: createChartRenderer(), configs },
    async close() {
      await devices.close();
      await monitoring.close();
    },
  };
}

export interface WorkerLoopsOptions {
  config: Config;
  pool: Pool;
  inventory: Inventory;
  responder: Responder;
  enqueue: Enqueue;
  connection: Redis;
  prefix: string;
  jobs: readonly JobDefinition[];
  monitoring: MonitoringService;
  log: Logger;
}

/**
 * What a worker runs besides jobs: the inventory reconciler (schedules, devices table, file_sd,
 * ops summary) and the syslog receiver that turns config-change messages into backups.
 */
export async function startWorkerLoops(options: WorkerLoopsOptions): Promise<{
  reconciler: Reconciler;
  scheduler: Scheduler;
  syslog?: SyslogReceiver;
  stop(): Promise<void>;
}> {
  const { config, log } = options;
  // Partitions must exist before the first poll lands.
  await options.monitoring
    .maintain(new Date())
    .catch((err: unknown) => log.warn({ err }, 'initial metrics maintenance failed'));
  const scheduler = createScheduler({
    connection: options.connection,
    prefix: options.prefix,
    jobs: options.jobs,
  });
  const reconciler = createReconciler({
    path: config.configPath,
    inventory: options.inventory,
    pool: options.pool,
    scheduler,
    responder: options.responder,
    ...(config.channels.ops ? { opsChannel: config.channels.ops } : {}),
    ...(config.metrics.fileSdPath ? { fileSdPath: config.metrics.fileSdPath } : {}),
    intervalMs: config.schedules.reconcile.every,
    log,
  });
  options.monitoring.reconciler = reconciler;
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
  return {
    reconciler,
    scheduler,
    ...(syslog ? { syslog } : {}),
    async stop() {
      await reconciler.stop();
      await syslog?.stop();
      await scheduler.close();
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
