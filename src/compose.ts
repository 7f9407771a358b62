import type { Logger } from 'pino';
import type { Config } from './config.js';
import { createSyslogReceiver, type SyslogReceiver } from './configs/syslog/index.js';
import { addFromButtonValue, type Inventory, type Reconciler } from './inventory/index.js';
import { userText } from './errors.js';
import type { Enqueue } from './queue/index.js';
import type { DomainServices } from './services/index.js';
import type { ActionHandler } from './slack/index.js';

export interface WorkerLoopsOptions {
  config: Config;
  inventory: Inventory;
  enqueue: Enqueue;
  services: Pick<DomainServices, 'monitoring' | 'reconciler'>;
  log: Logger;
}

/**
 * What a worker runs besides jobs: the inventory reconciler (schedules, devices table, file_sd,
 * ops summary) and the syslog receiver that turns config-change messages into backups.
 */
export async function startWorkerLoops(options: WorkerLoopsOptions): Promise<{
  syslog?: SyslogReceiver;
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
  return {
    ...(syslog ? { syslog } : {}),
    async stop() {
      await reconciler.stop();
      await syslog?.stop();
    },
  };
}

/** Button handlers: discovery's "Add" writes the device into netops.yaml and reconciles. */
export function createActions(options: {
  config: Config;
  /** Present where a worker runs in this process: the new device is reconciled at once. */
  reconciler?: Reconciler;
  log: Logger;
}): ActionHandler[] {
  return [
    {
      actionId: 'discover.add',
      async handle({ value, userId, channel, threadTs, responder }) {
        if (!value || !channel) return;
        const where = { channel, ...(threadTs ? { threadTs } : {}) };
        try {
          const device = await addFromButtonValue(options.config.configPath, value, options.config.discovery);
          await options.reconciler?.runOnce();
          await responder.post(where, {
            text: `<@${userId}> added \`${device.name}\` (${device.vendor}, ${device.host}) to the inventory; polling and backups start with the next reconcile.`,
          });
        } catch (err) {
          options.log.warn({ err }, 'discover.add failed');
          await responder.ephemeral(where, userId, {
            text: `:warning: Could not add the device: ${userText(err)}`,
          });
        }
      },
    },
  ];
}
