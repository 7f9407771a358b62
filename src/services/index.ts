import type { Logger } from 'pino';
import { type Authorize, createChangeService } from '../changes/index.js';
import { createChartRenderer } from '../charts/index.js';
import type { Responder } from '../chat/index.js';
import type { Config } from '../config.js';
import type { ConfigsSettings } from '../configs/index.js';
import type { CredentialResolver } from '../credentials/index.js';
import {
  createDeviceService,
  createSessionLeases,
  type DeviceService,
  type DeviceServiceImpl,
  fileHostKeyStore,
  sshCredentials,
} from '../devices/index.js';
import { createDiscoveryService, createReconciler, type Inventory } from '../inventory/index.js';
import { type Enqueue, jobKit, type Scheduler } from '../queue/index.js';
import type { RedisClient } from '../redis.js';
import { createMonitoringService } from '../snmp/index.js';
import type { Pool } from '../storage/index.js';

/** What the composition root has before any domain service exists; every role has these. */
export interface CoreServices {
  config: Config;
  pool: Pool;
  inventory: Inventory;
  /** Posts to chat outside a job's own thread (change notices, reconcile summaries). */
  responder: Responder;
  /** Enqueue follow-up jobs (fan-out, scheduled work). */
  enqueue: Enqueue;
  log: Logger;
  clock: () => Date;
}

/** What a domain factory is given: the core services plus worker-only adapters. */
export interface ServiceDeps extends CoreServices {
  /** Credential name → secrets: the one way secrets reach the device and SNMP layers. */
  credentials: CredentialResolver;
  /** The worker's BullMQ schedulers (polls, backups, maintenance). */
  scheduler: Scheduler;
  /** Who may request and approve changes (the same decision the bot's handlers use). */
  changeAuthorize: Authorize;
  /**
   * Short Redis calls that must fail fast while Redis is away (a producer-purpose connection,
   * src/redis.ts), for state shared by all workers: the per-device SSH session leases.
   */
  redis: RedisClient;
  /** The deployment's queue prefix as used in Redis (hash-tagged on a Cluster). */
  prefix: string;
}

/**
 * The worker's domain services, one line each: `key: (deps) => createX(…)`, built by the
 * module that owns it. To give a new job a new service, add its line here; its type follows
 * from the factory, and a job names the key in `needs` to receive it (typed) in `ctx.services`.
 * A worker whose jobs need a key nobody built refuses to start.
 */
const FACTORIES = {
  // Typed as the port jobs use; the implementation's close() still runs on shutdown.
  devices: (d: ServiceDeps): DeviceService => createWorkerDevices(d),
  monitoring: (d: ServiceDeps) =>
    createMonitoringService({
      pool: d.pool,
      credentials: d.credentials,
      retention: {
        rawMs: d.config.metrics.retention.raw,
        fiveMinuteMs: d.config.metrics.retention.fiveMinute,
        hourMs: d.config.metrics.retention.hour,
      },
    }),
  discovery: (d: ServiceDeps) =>
    createDiscoveryService({
      credentials: d.credentials,
      policy: {
        allowedSubnets: d.config.discovery.allowedSubnets ?? [],
        maxSweep: d.config.discovery.maxSweep ?? 256,
        credential: d.config.discovery.credential ?? 'discovery',
        sshCredential: d.config.discovery.sshCredential ?? 'default',
        version: '2c',
        port: 161,
        timeoutMs: 1_000,
        autoAdd: d.config.discovery.autoAdd ?? false,
      },
    }),
  reconciler: (d: ServiceDeps) =>
    createReconciler({
      path: d.config.configPath,
      inventory: d.inventory,
      pool: d.pool,
      scheduler: d.scheduler,
      responder: d.responder,
      ...(d.config.channels.ops ? { opsChannel: d.config.channels.ops } : {}),
      ...(d.config.metrics.fileSdPath ? { fileSdPath: d.config.metrics.fileSdPath } : {}),
      intervalMs: d.config.schedules.reconcile.every,
      log: d.log,
    }),
  charts: (_d: ServiceDeps) => createChartRenderer(),
  changes: (d: ServiceDeps) =>
    createChangeService({
      pool: d.pool,
      config: d.config,
      inventory: d.inventory,
      enqueue: d.enqueue,
      responder: d.responder,
      authorize: d.changeAuthorize,
      clock: d.clock,
    }),
  configs: (d: ServiceDeps): ConfigsSettings => ({
    secretMarker: d.config.configs.secretMarker,
    retention: {
      keepAllDays: d.config.configs.retention.keepAllDays,
      dailyDays: d.config.configs.retention.dailyDays,
      weeklyWeeks: d.config.configs.retention.weeklyWeeks ?? Number.POSITIVE_INFINITY,
    },
    searchTimeoutMs: d.config.configs.searchTimeout,
  }),
} satisfies Record<string, (deps: ServiceDeps) => unknown>;

export type DomainServices = { [K in keyof typeof FACTORIES]: ReturnType<(typeof FACTORIES)[K]> };

/** Every key a job may name in `needs`, with its type. */
export type Services = CoreServices & DomainServices;

/** What `ctx.services` is for a job that needs the keys `K`. */
export type ServicesOf<K extends keyof Services> = Pick<Services, K>;

/** Define a job: `needs` names service keys, and `process` receives exactly those, typed. */
export const defineJob = jobKit<Services>();

/** The worker's device service as netops.yaml sets it up (its own export so tests build it alike). */
export function createWorkerDevices(
  d: Pick<ServiceDeps, 'credentials' | 'log' | 'redis' | 'prefix'> & {
    config: Pick<Config, 'limits' | 'env'>;
    inventory?: Inventory;
  },
): DeviceServiceImpl {
  const { limits } = d.config;
  return createDeviceService({
    ...(d.inventory ? { inventory: d.inventory } : {}),
    credentials: sshCredentials(d.credentials),
    // First-use host keys survive restarts; a changed key is refused, not silently re-learnt.
    hostKeys: fileHostKeyStore(d.config.env.NETOPS_KNOWN_HOSTS),
    log: d.log,
    limits: { global: limits.sessions, perDevice: limits.sessionsPerDevice },
    // limits.sessionsPerDevice counts every worker's sessions, not each process's.
    leases: createSessionLeases({ redis: d.redis, prefix: d.prefix, ttlMs: limits.sessionLeaseTtl }),
    timeouts: { leaseWaitMs: limits.sessionLeaseWait },
  });
}

/** Builds every domain service for a worker role; `close()` stops the ones that hold resources. */
export function createDomainServices(deps: ServiceDeps): {
  services: DomainServices;
  close(): Promise<void>;
} {
  const services = Object.fromEntries(
    Object.entries(FACTORIES).map(([key, make]) => [key, make(deps)]),
  ) as DomainServices;
  return {
    services,
    async close() {
      for (const service of Object.values(services)) {
        const close = (service as { close?: () => unknown }).close;
        if (typeof close === 'function') await close.call(service);
      }
    },
  };
}
