import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { commands as allCommands } from '../commands/index.js';
import { jobs as allJobs } from '../jobs/index.js';
import { boundRegExpBacktracking } from './bounded-regexp.js';
import { type Authorize, createChangeHandlers } from './changes/index.js';
import { createRemediateAction, createRemediateAllAction } from './compliance/index.js';
import { exportConfigsCli } from './cli/export-configs.js';
import { createAnomalyActions } from './anomalies/index.js';
import { createJobPoster, type Responder } from './chat/index.js';
import { createActions, startWorkerLoops } from './compose.js';
import { createCredentialResolver } from './credentials/index.js';
import { type Config, loadConfig, type Role } from './config.js';
import { createDashboardRoute } from './dashboard/index.js';
import { ErrorCode, isNetopsError, NetopsError } from './errors.js';
import { alertRoutes, createIncidentActions, pacedResponder } from './incidents/index.js';
import { createInventory, type Inventory } from './inventory/index.js';
import { createReadiness } from './health.js';
import { createRedisConnection, createReplicaConfirm, describeRedis } from './redis.js';
import { createLogger } from './log.js';
import {
  changeAuthorizer,
  changes,
  compilePolicy,
  createGuard,
  type Guard,
  isAction,
  policyDenial,
} from './policy/index.js';
import {
  createJobHost,
  createProducer,
  createUserRateLimit,
  DEFAULT_QUEUE,
  createScheduler,
  type JobDefinition,
  type JobHost,
  type Producer,
} from './queue/index.js';
import { type CommandDefinition, createRegistry } from './registry/index.js';
import {
  type ActionHandler,
  createIntake,
  createSlackApp,
  createWebResponder,
  type SlackApp,
} from './slack/index.js';
import type { Route } from './slack/receiver.js';
import { type CoreServices, createDomainServices, type Services } from './services/index.js';
import { createSlackCaller, createSlackClient } from './slack/web-api.js';
import { createAuditLog, createDurableAudit, createPool, migrate, type Pool } from './storage/index.js';
import { bindMetricsBackend, createMetricsBackend } from './metrics/index.js';
import { createTelemetry, type Telemetry } from './telemetry.js';

export interface StartOptions {
  config: Config;
  role: Exclude<Role, 'migrate' | 'lab'>;
  log?: Logger;
  /** Overrides for tests and the lab; default: everything registered in commands/ and jobs/. */
  commands?: readonly CommandDefinition[];
  jobs?: readonly JobDefinition[];
  actions?: ActionHandler[];
  /** Worker tuning, over WORKER_LOCK_DURATION / WORKER_STALLED_INTERVAL (tests). */
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  maxStalledCount?: number;
  /** Services that replace the built ones, by key (a test's device layer, …). */
  services?: Partial<Services>;
  /** Extra routes on the bot's HTTP server. */
  routes?: Route[];
  /** Hook run once the worker side is up (reconcile loops, syslog receiver…); returns a stopper. */
  onWorkerStart?(ctx: Running): Promise<(() => Promise<void>) | void>;
  /** Raw environment, read only for credentials (NETOPS_CRED_<NAME>_…, NETOPS_SECRET_<NAME>). */
  secretsEnv?: Record<string, string | undefined>;
  /** Run the inventory reconciler and syslog receiver in the worker (default true). */
  loops?: boolean;
  /** Who may request and approve changes; default: `changes.approvers` / `changes.admins`. */
  changeAuthorize?: Authorize;
}

export interface Running {
  config: Config;
  log: Logger;
  pool: Pool;
  inventory: Inventory;
  producer: Producer;
  responder: Responder;
  telemetry: Telemetry;
  slack?: SlackApp;
  host?: JobHost;
  /** Port of the bot's HTTP server, or of a worker's metrics server (METRICS_PORT). */
  port?: number;
  stop(graceMs?: number): Promise<void>;
}

async function withRetries<T>(what: string, log: Logger, fn: () => Promise<T>, tries = 10): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (err) {
      if (i >= tries || (isNetopsError(err) && err.code === 'NETOPS_MIGRATION_FAILED')) throw err;
      log.warn({ err: (err as Error).message, attempt: i }, `${what} not ready; retrying`);
      await new Promise((r) => setTimeout(r, Math.min(500 * 2 ** (i - 1), 5_000)));
    }
  }
}

/** The policy from netops.yaml plus Slack for what it cannot know: user-group members, channel names. */
function createPolicyGuard(config: Config, web: ReturnType<typeof createSlackClient>, log: Logger): Guard {
  return createGuard({
    policy: compilePolicy(config.policy),
    listGroupMembers: async (usergroup) => {
      const r = await web.usergroups.users.list({ usergroup });
      return r.users ?? [];
    },
    channelName: async (channel) => (await web.conversations.info({ channel })).channel?.name,
    onLookupError: (what, err) => log.warn({ err, what }, 'policy lookup failed; not counted'),
  });
}

/**
 * The worker decides again for anything that changes a device or the inventory: whoever can write
 * to Redis can enqueue a job, so the job's claim of who asked is checked against the policy now.
 */
async function authorizeJob(
  guard: Guard,
  input: Parameters<NonNullable<import('./queue/index.js').JobHostOptions['authorize']>>[0],
): Promise<void> {
  const action = input.action;
  if (!isAction(action)) {
    // A job naming an action the policy does not know is a bug: refuse rather than guess.
    throw new NetopsError(ErrorCode.FORBIDDEN, `${input.jobName} declares unknown action ${action}`, {
      userMessage: 'This job declares a permission netops-bot does not know, so it was not run.',
    });
  }
  if (!changes(action)) return;
  const user = input.origin?.userId;
  if (!user || !input.origin?.channel) {
    throw new NetopsError(
      ErrorCode.FORBIDDEN,
      `${input.jobName} (${input.action}) names no requesting user`,
      {
        userMessage: `This job would ${action === 'inventory.add' ? 'change the inventory' : 'change devices'} but does not say who asked for it, so it was not run.`,
        context: { action, policyDenied: true },
      },
    );
  }
  const d = await guard.check({
    user,
    action,
    devices: input.devices,
    channel: { id: input.origin.channel },
  });
  if (!d.allow) throw policyDenial(action, d);
}

/** Composition root: config → adapters → roles. */
export async function startRoles(options: StartOptions): Promise<Running> {
  const { config, role } = options;
  const log = options.log ?? createLogger(config.env.LOG_LEVEL, { role });
  const telemetry = createTelemetry();
  const pool = createPool({ connectionString: config.env.DATABASE_URL, applicationName: `netops-${role}` });
  await withRetries('PostgreSQL', log, () => migrate(pool));
  // Where interface samples live (netops.yaml `metrics.backend`): bound once, read everywhere.
  bindMetricsBackend(
    pool,
    createMetricsBackend(
      pool,
      config.metrics.backend === 'victoriametrics'
        ? {
            backend: 'victoriametrics',
            url: config.metrics.url!,
            prefix: config.metrics.prefix,
            timeoutMs: config.metrics.timeout,
            latencyOffsetMs: config.metrics.latencyOffset,
          }
        : { backend: 'postgres' },
    ),
  );
  const inventory = createInventory(config.devices);
  // Hash-tagged on a Cluster: every key of ours and BullMQ's then lives in one slot.
  const prefix = config.redis.prefix;
  const jobs = options.jobs ?? allJobs;

  // Producer: never queue commands blindly while Redis is away (the user is told within seconds);
  // reconnect at least every 500 ms so a restarted Redis is used again almost at once.
  // Workers: wait forever. One server, Sentinel or Cluster alike (src/redis.ts).
  log.info({ redis: describeRedis(config.redis), prefix }, 'redis');
  const producerRedis = createRedisConnection(config.redis, 'producer');
  // Sentinel: a person's job and a claim to post count only once a replica has them.
  const replicas = createReplicaConfirm(config.redis, prefix);
  producerRedis.on('error', (err) => log.debug({ err: err.message }, 'producer redis'));
  const producer = createProducer({
    connection: producerRedis,
    prefix,
    jobs,
    maxDepth: config.limits.queueDepth,
    ...(replicas ? { replicas } : {}),
    onUnconfirmed: (jobId) =>
      log.warn({ jobId }, 'job queued on the master but no replica confirmed it (is the replica down?)'),
  });
  const queueNames = [...new Set(jobs.map((j) => j.queue ?? DEFAULT_QUEUE))];
  telemetry.setQueueSource(async () =>
    Object.fromEntries(
      await Promise.all(
        queueNames.map(
          async (q) =>
            [
              q,
              await producer.queue(q).getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'failed'),
            ] as const,
        ),
      ),
    ),
  );
  // Audit writes that cannot reach Postgres wait in Redis (shared by all processes) until it is back.
  const audit = createDurableAudit({ audit: createAuditLog(pool), redis: producerRedis, prefix, log });
  const web = createSlackClient(config.slack.botToken, {
    ...(config.slack.apiUrl ? { apiUrl: config.slack.apiUrl } : {}),
  });
  const responder = createWebResponder(web, {
    caller: createSlackCaller(web, {
      onEvent: (e) => {
        telemetry.slackCalls.inc({ method: e.method, outcome: e.kind });
        if (e.kind === 'refused')
          telemetry.slackErrors.inc({ method: e.method, error: e.error ?? 'unknown' });
      },
    }),
  });
  const guard = createPolicyGuard(config, web, log);
  // Every secret the process needs beyond Slack's and the URLs: device logins, webhook keys, the
  // dashboard's. The file is read only when a secret is first asked for.
  const credentials = createCredentialResolver({
    env: options.secretsEnv ?? {},
    ...(config.env.NETOPS_CREDENTIALS_FILE ? { file: config.env.NETOPS_CREDENTIALS_FILE } : {}),
  });

  const running: Running = {
    config,
    log,
    pool,
    inventory,
    producer,
    responder,
    telemetry,
    stop: async () => {},
  };
  const stoppers: Array<(graceMs: number) => Promise<void>> = [];
  const stoppersAfter: Array<() => Promise<void>> = [];
  // Who may request, approve and administer changes is the policy's to say (no policy: nobody).
  // A freeze window asks for `admin` of the second approver.
  const policyChanges = changeAuthorizer(guard, (n) => inventory.get(n));
  const changeAuthorize: Authorize =
    options.changeAuthorize ??
    ((user, action, devices, channel) =>
      policyChanges(user, action === 'change.admin' ? 'admin' : action, devices, channel));

  const core: CoreServices = {
    config,
    pool,
    inventory,
    responder,
    enqueue: producer.enqueue,
    log,
    clock: () => new Date(),
  };

  // Devices, SNMP and charts are worker business; the bot never builds them.
  if (role === 'worker' || role === 'all') {
    const workerRedis = createRedisConnection(config.redis, 'worker');
    workerRedis.on('error', (err) => log.debug({ err: err.message }, 'worker redis'));
    const scheduler = createScheduler({ connection: workerRedis, prefix, jobs });
    // Alert channels are paced to Slack's per-channel rate; everything else posts at once.
    const paced = pacedResponder(responder, config, workerRedis, prefix);
    const domain = createDomainServices({
      ...core,
      responder: paced,
      credentials,
      scheduler,
      changeAuthorize,
      // Fails fast while Redis is away, so SSH sessions fall back to the per-process limit.
      redis: producerRedis,
      prefix,
    });
    stoppersAfter.push(async () => {
      await domain.close();
      await scheduler.close();
    });
    const services: Services = { ...core, responder: paced, ...domain.services, ...options.services };
    const host = createJobHost({
      connection: workerRedis,
      prefix,
      jobs,
      services,
      poster: createJobPoster(paced),
      audit,
      log,
      concurrency: config.env.WORKER_CONCURRENCY,
      // SNMP polls are light and many; device sessions are bounded by the device layer's own limits.
      queueConcurrency: {
        snmp: Math.max(64, config.env.WORKER_CONCURRENCY),
        devices: Math.max(32, config.env.WORKER_CONCURRENCY),
      },
      lockDurationMs: options.lockDurationMs ?? config.env.WORKER_LOCK_DURATION,
      stalledIntervalMs: options.stalledIntervalMs ?? config.env.WORKER_STALLED_INTERVAL,
      ...(options.maxStalledCount !== undefined ? { maxStalledCount: options.maxStalledCount } : {}),
      ...(replicas ? { replicas } : {}),
      authorize: (input) => authorizeJob(guard, input),
      onFinished: (name, state, ms) => {
        telemetry.jobs.inc({ job: name, state });
        telemetry.jobSeconds.observe({ job: name }, ms / 1000);
      },
      onRetry: (name) => telemetry.jobRetries.inc({ job: name }),
    });
    running.host = host;
    const loops =
      options.loops !== false
        ? await startWorkerLoops({
            config,
            inventory,
            enqueue: producer.enqueue,
            services,
            log,
            redis: workerRedis,
            prefix,
            onPollRound: (r) => telemetry.pollRounds.observe(r),
          })
        : undefined;
    const extra = await options.onWorkerStart?.(running);
    stoppers.push(async (grace) => {
      if (extra) await extra();
      await loops?.stop();
      await host.close(grace);
      workerRedis.disconnect();
    });
  }

  // A worker has no Slack-facing server, but its job and Slack figures live in its own process:
  // it serves them (and /healthz) on METRICS_PORT when that is set.
  if (role === 'worker' && config.env.METRICS_PORT !== undefined) {
    const server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      if (req.method === 'GET' && path === '/metrics') {
        telemetry.registry.metrics().then(
          (text) => {
            res.writeHead(200, { 'content-type': telemetry.registry.contentType });
            res.end(text);
          },
          () => res.writeHead(500).end(),
        );
      } else if (req.method === 'GET' && path === '/healthz') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ ok: true, role }));
      } else res.writeHead(404).end();
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.env.METRICS_PORT, config.env.HOST, () => resolve());
    });
    running.port = (server.address() as AddressInfo).port;
    stoppers.unshift(
      () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        }),
    );
  }

  if (role === 'bot' || role === 'all') {
    const registry = createRegistry(options.commands ?? allCommands);
    const intake = createIntake({
      config,
      registry,
      inventory,
      enqueue: producer.enqueue,
      responder,
      guard,
      audit,
      log,
      onCommand: (command, outcome) => telemetry.commands.inc({ command, outcome }),
      admit: createUserRateLimit({
        redis: producerRedis,
        prefix,
        perMinute: config.limits.commandsPerMinute,
      }),
    });
    // Alive: the process answers. Ready: it can do its work (what a load balancer should ask).
    const health: Route = {
      method: 'GET',
      path: '/healthz',
      handler: async (_req: IncomingMessage, res: ServerResponse) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ ok: true, role }));
      },
    };
    const readiness = createReadiness({
      pool,
      redis: producerRedis,
      slackAuth: () => web.apiCall('auth.test'),
    });
    const ready: Route = {
      method: 'GET',
      path: '/readyz',
      handler: async (_req: IncomingMessage, res: ServerResponse) => {
        const r = await readiness();
        res.writeHead(r.ok ? 200 : 503, { 'content-type': 'application/json' });
        res.end(JSON.stringify(r));
      },
    };
    const metrics: Route = {
      method: 'GET',
      path: '/metrics',
      handler: async (_req, res) => {
        res.writeHead(200, { 'content-type': telemetry.registry.contentType });
        res.end(await telemetry.registry.metrics());
      },
    };
    const changeHandlers = createChangeHandlers({
      pool,
      config,
      inventory,
      enqueue: producer.enqueue,
      responder,
      authorize: changeAuthorize,
      audit,
    });
    const slack = createSlackApp({
      botToken: config.slack.botToken!,
      ...(config.slack.signingSecret ? { signingSecret: config.slack.signingSecret } : {}),
      ...(config.slack.appToken ? { appToken: config.slack.appToken } : {}),
      ...(config.slack.apiUrl ? { apiUrl: config.slack.apiUrl } : {}),
      command: config.slack.command,
      port: config.env.PORT,
      host: config.env.HOST,
      intake,
      responder,
      actions: [
        // In `all` the button reconciles at once; a separate bot leaves it to the worker's file watcher.
        ...createActions({ config, enqueue: producer.enqueue }),
        ...createIncidentActions({ pool, enqueue: producer.enqueue, inventory, log, policy: config.policy }),
        ...changeHandlers.actions,
        createRemediateAction({
          pool,
          config,
          inventory,
          enqueue: producer.enqueue,
          responder,
          authorize: changeAuthorize,
          secretMarker: config.configs.secretMarker,
        }),
        createRemediateAllAction({ inventory, enqueue: producer.enqueue }),
        ...createAnomalyActions(producer.enqueue),
        ...(options.actions ?? []),
      ],
      views: changeHandlers.views,
      routes: [
        health,
        ready,
        metrics,
        ...alertRoutes({
          config,
          credentials,
          pool,
          inventory,
          enqueue: producer.enqueue,
          log,
        }),
        ...(config.dashboard.enabled
          ? [
              createDashboardRoute({
                settings: config.dashboard,
                queues: queueNames.map((q) => producer.queue(q)),
                credentials,
                log,
              }),
            ]
          : []),
        ...(options.routes ?? []),
      ],
      log,
      onRequest: (outcome, ms) => {
        telemetry.slackRequests.inc({ outcome });
        if (outcome === 'ok') telemetry.ackSeconds.observe(ms / 1000);
      },
    });
    await slack.start();
    running.slack = slack;
    running.port = slack.port;
    // Stop taking requests first, so nothing new arrives while the rest shuts down.
    stoppers.unshift(async () => slack.stop());
  }

  let stopped = false;
  running.stop = async (graceMs = 25_000) => {
    if (stopped) return;
    stopped = true;
    for (const s of stoppers) await s(graceMs).catch((err) => log.error({ err }, 'stop step failed'));
    for (const s of stoppersAfter) await s().catch((err) => log.error({ err }, 'stop step failed'));
    await audit.close();
    await producer.close();
    producerRedis.disconnect();
    replicas?.close();
    await pool.end().catch(() => {});
  };
  return running;
}

const USAGE = `usage: netops-bot <role>

roles:
  bot       Slack app (HTTP or Socket Mode), /healthz, /metrics: parses, acks, enqueues
  worker    runs jobs from the queues
  all       bot + worker in one process (default for small teams)
  migrate   applies database migrations and exits
  export-configs --git <dir> [--branch <name>]
            writes the stored config history as git commits, one file per device

environment: SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET or SLACK_APP_TOKEN, SLACK_API_URL,
  REDIS_URL, DATABASE_URL, NETOPS_CONFIG (default netops.yaml), PORT, LOG_LEVEL — see README.md`;

/** The CLI. The only place that reads process.env. */
export async function runCli(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  // Any RegExp built from a user's text in this process gets V8's linear-time fallback.
  boundRegExpBacktracking();
  const role = (argv[0] ?? 'all') as Role | 'help' | '--help' | 'export-configs';
  if (
    role === 'help' ||
    role === '--help' ||
    role === 'lab' ||
    !['bot', 'worker', 'all', 'migrate', 'export-configs'].includes(role)
  ) {
    process.stderr.write(
      `${role === 'help' || role === '--help' ? '' : `unknown role "${role}"\n\n`}${USAGE}\n`,
    );
    return role === 'help' || role === '--help' ? 0 : 2;
  }
  if (role === 'export-configs') {
    const pool = createPool({
      connectionString: env.DATABASE_URL ?? 'postgres://root@127.0.0.1:5432/postgres',
    });
    try {
      process.stdout.write(`${await exportConfigsCli(argv.slice(1), pool)}\n`);
      return 0;
    } catch (err) {
      process.stderr.write(
        `export-configs: ${isNetopsError(err) ? err.toUserText() : (err as Error).message}\n`,
      );
      return 1;
    } finally {
      await pool.end();
    }
  }
  if (role === 'migrate') {
    const log = createLogger(env.LOG_LEVEL ?? 'info', { role });
    const pool = createPool({
      connectionString: env.DATABASE_URL ?? 'postgres://root@127.0.0.1:5432/postgres',
    });
    try {
      const r = await migrate(pool);
      log.info(
        { applied: r.applied, current: r.current },
        r.applied.length ? 'migrations applied' : 'database is up to date',
      );
      return 0;
    } catch (err) {
      process.stderr.write(`migrate failed: ${(err as Error).message}\n`);
      return 1;
    } finally {
      await pool.end();
    }
  }
  let config: Config;
  try {
    config = loadConfig(env, { role });
  } catch (err) {
    process.stderr.write(`netops-bot: ${(err as Error).message}\n`);
    return 1;
  }
  const log = createLogger(config.env.LOG_LEVEL, { role });
  let running: Running;
  try {
    running = await startRoles({ config, role: role as StartOptions['role'], log, secretsEnv: env });
  } catch (err) {
    log.fatal({ err }, 'could not start');
    process.stderr.write(`netops-bot: could not start: ${(err as Error).message}\n`);
    return 1;
  }
  log.info({ port: running.port, devices: config.devices.length }, `netops-bot ${role} started`);
  return await new Promise<number>((resolve) => {
    let signals = 0;
    const onSignal = (sig: string) => {
      signals++;
      if (signals > 1) {
        log.warn('second signal: exiting now');
        resolve(130);
        return;
      }
      log.info({ sig }, 'shutting down: no new work, finishing running jobs');
      running.stop().then(
        () => resolve(0),
        () => resolve(1),
      );
    };
    process.on('SIGTERM', () => onSignal('SIGTERM'));
    process.on('SIGINT', () => onSignal('SIGINT'));
  });
}

const isEntry =
  process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/').split('/').pop() ?? '\0');
if (isEntry && /main\.[tj]s$/.test(process.argv[1] ?? '')) {
  runCli(process.argv.slice(2), process.env).then((code) => process.exit(code));
}
