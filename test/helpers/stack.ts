import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { type Config, type Device, loadConfig } from '../../src/config.js';
import { createSlackEmulator, type SlackEmulator } from '../../src/lab/slack/index.js';
import { silentLogger } from '../../src/log.js';
import { type Running, type StartOptions, startRoles } from '../../src/main.js';
import { freshDb, type TestDb } from './pg.js';
import { dropPrefix, freshPrefix, TEST_REDIS_URL } from './redis.js';

export const SIGNING_SECRET = 'it-signing-secret';

export function sampleDevices(n: number): Device[] {
  const vendors = ['cisco_iosxe', 'arista_eos', 'juniper_junos', 'cisco_nxos', 'frr', 'linux'] as const;
  return Array.from({ length: n }, (_, i) => ({
    name: `${i % 3 === 0 ? 'core' : 'edge'}${i + 1}`,
    vendor: vendors[i % vendors.length]!,
    host: `192.0.2.${(i % 250) + 1}`,
    port: 22,
    credential: 'lab',
    site: i % 2 ? 'ams1' : 'fra1',
    role: i % 3 === 0 ? 'core' : 'edge',
    tags: i % 4 === 0 ? ['pci'] : [],
    legacyAlgorithms: false,
    enabled: true,
  }));
}

export interface Stack {
  emu: SlackEmulator;
  db: TestDb;
  prefix: string;
  config: Config;
  bot?: Running;
  worker?: Running;
  stop(): Promise<void>;
}

export interface StackOptions {
  devices?: Device[];
  /** Start the bot and the worker as separate Running instances (default) or only the bot. */
  roles?: Array<'bot' | 'worker'>;
  redisUrl?: string;
  /** Write the config to this file (the reconciler watches it) instead of keeping it in memory. */
  file?: string;
  /** Extra top-level keys for netops.yaml. */
  extraYaml?: Record<string, unknown>;
  /** Another PostgreSQL server (a bench's own, which it restarts) instead of the test database. */
  databaseUrl?: string;
  /** Reach Postgres through this local port (a proxy a test can cut) instead of directly. */
  dbThroughPort?: number;
  start?: Partial<StartOptions>;
  env?: Record<string, string | undefined>;
}

function withPort(url: string, port: number): string {
  const u = new URL(url);
  u.port = String(port);
  return u.toString();
}

export function configFor(
  emu: SlackEmulator,
  db: TestDb,
  prefix: string,
  devices: Device[],
  /** Over the defaults; a key set to undefined is left out (REDIS_URL beside REDIS_CLUSTER_NODES). */
  env: Record<string, string | undefined> = {},
  extra: { file?: string; extraYaml?: Record<string, unknown> } = {},
): Config {
  const yaml = stringify({
    channels: { ops: 'C00NETOPS0', changes: 'C00NETOPS0' },
    // One emulated person sends every command in most tests and benches: no per-person or queue
    // depth limit unless a test sets one (extraYaml.limits replaces this).
    limits: { commandsPerMinute: 0, queueDepth: 0 },
    ...extra.extraYaml,
    devices,
  });
  if (extra.file) writeFileSync(extra.file, yaml);
  const all: Record<string, string | undefined> = {
    SLACK_BOT_TOKEN: 'xoxb-test',
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: emu.apiUrl,
    REDIS_URL: TEST_REDIS_URL,
    DATABASE_URL: db.url,
    NETOPS_QUEUE_PREFIX: prefix,
    // simulated fleets get new host keys every run: never trust-on-first-use across tests
    NETOPS_KNOWN_HOSTS: join(tmpdir(), `netops-known-hosts-${prefix}.json`),
    NETOPS_CONFIG: extra.file ?? 'test.yaml',
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    ...env,
  };
  return loadConfig(Object.fromEntries(Object.entries(all).filter(([, v]) => v !== undefined)), {
    role: 'all',
    readFile: () => yaml,
  });
}

/** Emulator + fresh schema + fresh queue prefix + bot and worker, all real. */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const emu = await createSlackEmulator({ signingSecret: SIGNING_SECRET });
  const db = await freshDb('it', options.databaseUrl);
  const prefix = freshPrefix('it');
  const dbUrl = options.dbThroughPort ? withPort(db.url, options.dbThroughPort) : db.url;
  const config = configFor(
    emu,
    db,
    prefix,
    options.devices ?? sampleDevices(6),
    {
      ...(options.env ?? {}),
      ...(options.redisUrl ? { REDIS_URL: options.redisUrl } : {}),
      DATABASE_URL: dbUrl,
    },
    {
      ...(options.file ? { file: options.file } : {}),
      ...(options.extraYaml ? { extraYaml: options.extraYaml } : {}),
    },
  );
  const roles = options.roles ?? ['bot', 'worker'];
  const stack: Stack = {
    emu,
    db,
    prefix,
    config,
    async stop() {
      await stack.bot?.stop(2_000);
      await stack.worker?.stop(2_000);
      await emu.close();
      await db.drop();
      await dropPrefix(prefix);
    },
  };
  // Reconcile loops read netops.yaml from disk; tests that want them pass `start: { loops: true }`.
  const base = { config, log: silentLogger, loops: false, ...options.start };
  if (roles.includes('worker')) stack.worker = await startRoles({ ...base, role: 'worker' });
  if (roles.includes('bot')) {
    stack.bot = await startRoles({ ...base, role: 'bot' });
    emu.setBotUrl(`http://127.0.0.1:${stack.bot.port}`);
  }
  return stack;
}
