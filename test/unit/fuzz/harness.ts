import { commands } from '../../../commands/index.js';
import { jobs } from '../../../jobs/index.js';
import { type Config, parseFileConfig } from '../../../src/config.js';
import { createInventory } from '../../../src/inventory/index.js';
import { silentLogger } from '../../../src/log.js';
import { compilePolicy, createGuard, policySchema } from '../../../src/policy/index.js';
import { createRegistry } from '../../../src/registry/index.js';
import { createIntake } from '../../../src/slack/intake.js';
import type { Message, Responder } from '../../../src/chat/index.js';
import { testDevice } from '../../helpers/devices.js';

export const FUZZ_SEED = 20261129;
export const RUNS = 10_000;

export const DEVICES = [
  testDevice('core1', { site: 'ams1', role: 'core', tags: ['pci'] }),
  testDevice('core2', { vendor: 'arista_eos', site: 'ams1', role: 'core' }),
  testDevice('edge1', { vendor: 'juniper_junos', site: 'fra1', role: 'edge' }),
  testDevice('leaf1', { vendor: 'cisco_nxos', site: 'fra1', role: 'leaf' }),
  testDevice('rr1', { vendor: 'frr', site: 'fra1' }),
  testDevice('jump1', { vendor: 'linux', site: 'ams1' }),
  testDevice('old1', { enabled: false }),
];

export function fuzzConfig(): Config {
  const { config, problems } = parseFileConfig(
    'discovery: { allowedSubnets: [10.99.0.0/24] }\nchannels: { ops: C00NETOPS0, changes: C00NETOPS0 }\n',
  );
  if (!config) throw new Error(problems.join('\n'));
  const { redis: _redis, ...rest } = config;
  return {
    ...rest,
    redis: { mode: 'standalone', url: 'redis://127.0.0.1:6379', prefix: 'fuzz' },
    devices: DEVICES,
    env: {} as Config['env'],
    slack: { ...config.slack },
    configPath: '/nonexistent',
  };
}

/** Everything a request can cause, recorded: the harness asserts every input got an answer. */
export interface Outcome {
  replies: string[];
  posts: Message[];
  jobs: Array<{ name: string; data: unknown }>;
  modals: unknown[];
  badJobData: string[];
}

/**
 * The real intake, registry, commands and policy, with recording fakes at the edges (the queue
 * validates job data against each job's schema, as the producer does).
 */
export function createFuzzIntake() {
  const config = fuzzConfig();
  const inventory = createInventory(DEVICES);
  const defs = new Map(jobs.map((j) => [j.name, j] as const));
  let out: Outcome = { replies: [], posts: [], jobs: [], modals: [], badJobData: [] };
  const responder: Responder = {
    post: async (_d, m) => {
      out.posts.push(m);
      return { ts: `${Date.now()}.000100` };
    },
    update: async () => {},
    ephemeral: async (_d, _u, m) => void out.replies.push(m.text),
    upload: async () => {},
  } as Responder;
  const policy = compilePolicy(
    policySchema.parse({
      grants: [
        { role: 'admin', users: ['U0000ADMIN'] },
        { role: 'viewer', users: ['U00VIEWER0'], devices: { site: 'ams1' } },
        { role: 'operator', groups: ['S0OPERATOR'], channels: ['#netops'] },
      ],
    }),
  );
  const guard = createGuard({
    policy,
    listGroupMembers: async () => ['U0OPERATOR'],
    channelName: async (id) => (id === 'C00NETOPS0' ? 'netops' : undefined),
  });
  const intake = createIntake({
    config,
    registry: createRegistry(commands),
    inventory,
    guard,
    responder,
    log: silentLogger,
    enqueue: async (name, data) => {
      const def = defs.get(name);
      const ok = def?.schema.safeParse(data).success;
      if (!ok) out.badJobData.push(`${name}: ${JSON.stringify(data)}`);
      out.jobs.push({ name, data });
      return { jobId: 'j-00000000' };
    },
  });
  return {
    intake,
    config,
    responder,
    /** Runs fn and returns what it caused. */
    async outcome(fn: () => Promise<void>): Promise<Outcome> {
      out = { replies: [], posts: [], jobs: [], modals: [], badJobData: [] };
      await fn();
      return out;
    },
    openModal: async (view: unknown) => void out.modals.push(view),
  };
}
