import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import analysisBatch from '../../jobs/analysis-batch.js';
import analysisDevice from '../../jobs/analysis-device.js';
import snmpPoll from '../../jobs/snmp-poll.js';
import { analysisBatchId } from '../../src/anomalies/index.js';
import { createJobPoster, type Responder } from '../../src/chat/index.js';
import type { Config, Device } from '../../src/config.js';
import { parseFileConfig } from '../../src/config.js';
import { createCredentialResolver } from '../../src/credentials/index.js';
import { createInventory } from '../../src/inventory/index.js';
import type { SnmpLab } from '../../src/lab/snmp/agent.js';
import { silentLogger } from '../../src/log.js';
import {
  createJobHost,
  createProducer,
  type JobDefinition,
  type JobHost,
  type Producer,
} from '../../src/queue/index.js';
import { createMonitoringService, type MonitoringService } from '../../src/snmp/service.js';
import { testDevice } from '../helpers/devices.js';
import type { TestServices } from '../helpers/jobs.js';
import type { TestDb } from '../helpers/pg.js';
import { type SnmpJobsEnv, startSnmpJobsEnv } from '../helpers/snmp-jobs-env.js';

/**
 * The `jobs` poll mode follows each poll with the batch analysis the rounds use: one
 * `analysis.batch` per poll for the device it stored, with the rounds' job id (minute and devices),
 * so a poll run twice in a minute is analysed once, and no `analysis.device` per device any more.
 * Real SNMP agents, Postgres and Redis; the analysis jobs record what they were asked (same names,
 * queue and data schema as the real ones).
 */

// Fixed, so both polls of sw1 fall in the same minute whatever the wall clock does.
const NOW = new Date('2026-03-02T15:02:30Z');
const MINUTE = Math.floor(NOW.getTime() / 60_000);

interface Seen {
  job: string;
  jobId: string;
  data: unknown;
}

function recording<S extends JobDefinition>(def: S, seen: Seen[]): JobDefinition {
  return {
    ...def,
    needs: [],
    async process(data: unknown, ctx: { jobId: string }) {
      seen.push({ job: def.name, jobId: ctx.jobId, data });
      return { summary: 'recorded' };
    },
  } as unknown as JobDefinition;
}

describe('snmp.poll is followed by one analysis.batch (regression: one analysis.device per device)', () => {
  let lab: SnmpLab;
  let db: TestDb;
  let redis: Redis;
  let prefix: string;
  let host: JobHost | undefined;
  let producer: Producer | undefined;
  let monitoring: MonitoringService | undefined;
  const seen: Seen[] = [];
  const quiet: Responder = {
    post: async () => ({ ts: '1.0' }),
    update: async () => {},
    ephemeral: async () => {},
    upload: async () => {},
  };

  let env: SnmpJobsEnv | undefined;

  beforeAll(async () => {
    env = await startSnmpJobsEnv('pollanalysis', 'pa-ro', [
      { name: 'sw1', vendor: 'cisco_iosxe', interfaces: 4 },
      { name: 'edge2', vendor: 'juniper_junos', interfaces: 2 },
    ]);
    ({ lab, db, redis, prefix } = env);
  });
  afterAll(async () => {
    await host?.close(1_000);
    await producer?.close();
    monitoring?.close();
    await env?.close();
  });

  it('each poll enqueues analysis.batch for its device, once per minute', async () => {
    const snmp = (name: string) => ({
      version: '2c' as const,
      port: lab.endpoint(name).port,
      credential: 'pa',
      timeoutMs: 1_000,
      retries: 0,
    });
    const devices: Device[] = [
      testDevice('sw1', { snmp: snmp('sw1') }),
      { ...testDevice('edge2', { snmp: snmp('edge2') }), vendor: 'juniper_junos' },
    ];
    const file = parseFileConfig('schedules: { poll: { every: 60s, mode: jobs } }').config!;
    const config = { ...file, configPath: 'netops.yaml', env: {} } as unknown as Config;
    monitoring = createMonitoringService({
      pool: db.pool,
      credentials: createCredentialResolver({ env: { NETOPS_CRED_PA_COMMUNITY: 'pa-ro' } }),
    });
    const jobs = [snmpPoll, recording(analysisBatch, seen), recording(analysisDevice, seen)];
    producer = createProducer({ connection: redis, prefix, jobs });
    const services: TestServices = {
      config,
      pool: db.pool,
      inventory: createInventory(devices),
      responder: quiet,
      enqueue: producer.enqueue,
      log: silentLogger,
      clock: () => NOW,
      monitoring,
    };
    host = createJobHost({
      connection: redis,
      prefix,
      jobs,
      services,
      poster: createJobPoster(quiet),
      log: silentLogger,
    });

    const stored = async (device: string) =>
      (await db.pool.query('SELECT count(*)::int AS n FROM samples WHERE device = $1', [device])).rows[0]
        .n as number;
    const waitFor = async (what: () => Promise<boolean> | boolean, ms = 15_000) => {
      const until = Date.now() + ms;
      while (!(await what()) && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
      expect(await what()).toBe(true);
    };

    // Two polls of sw1 in the same minute (the first sets the counters' baseline, the second stores
    // rates), one of edge2.
    await producer.enqueue('snmp.poll', { device: 'sw1' });
    await waitFor(() => seen.length >= 1);
    await producer.enqueue('snmp.poll', { device: 'sw1' });
    await waitFor(async () => (await stored('sw1')) > 0);
    await producer.enqueue('snmp.poll', { device: 'edge2' });
    await waitFor(() => seen.some((s) => JSON.stringify(s.data).includes('edge2')));
    // Whatever a late duplicate would have done, it has had time to show up.
    await new Promise((r) => setTimeout(r, 1_000));

    expect(seen.filter((s) => s.job === 'analysis.device')).toEqual([]);
    expect(seen.sort((a, b) => a.jobId.localeCompare(b.jobId))).toEqual(
      [
        { job: 'analysis.batch', jobId: analysisBatchId(['sw1'], MINUTE), data: { devices: ['sw1'] } },
        { job: 'analysis.batch', jobId: analysisBatchId(['edge2'], MINUTE), data: { devices: ['edge2'] } },
      ].sort((a, b) => a.jobId.localeCompare(b.jobId)),
    );
    // The id is the one a round's store gives the same devices in the same minute.
    expect(analysisBatchId(['sw1'], MINUTE)).toMatch(new RegExp(`^analysis-batch-${MINUTE}-[0-9a-f]{16}$`));
  }, 40_000);
});
