import type { Redis } from 'ioredis';
import { createCredentialResolver } from '../../src/credentials/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import snmpInterfaces from '../../jobs/snmp-interfaces.js';
import snmpPoll from '../../jobs/snmp-poll.js';
import snmpRollup from '../../jobs/snmp-rollup.js';
import { type Config, type Device, parseFileConfig } from '../../src/config.js';
import { createInventory } from '../../src/inventory/index.js';
import type { SnmpLab } from '../../src/lab/snmp/agent.js';
import { silentLogger } from '../../src/log.js';
import { type JobHost, type Producer, createJobHost, createProducer } from '../../src/queue/index.js';
import type { TestServices } from '../helpers/jobs.js';
import { createScheduler } from '../../src/queue/schedules.js';
import { createJobPoster, type Responder } from '../../src/chat/index.js';
import { createMonitoringService } from '../../src/snmp/service.js';
import type { TestDb } from '../helpers/pg.js';
import { type SnmpJobsEnv, startSnmpJobsEnv } from '../helpers/snmp-jobs-env.js';
import { testDevice } from '../helpers/devices.js';

describe('SNMP jobs on the real job host: scheduled polls store samples, /net interfaces reads them', () => {
  let lab: SnmpLab;
  let db: TestDb;
  let redis: Redis;
  let prefix: string;
  let host: JobHost;
  let producer: Producer;
  const said: string[] = [];
  const responder: Responder = {
    post: async (_d, m) => {
      said.push(JSON.stringify(m));
      return { ts: `${said.length}.0` };
    },
    update: async (_d, m) => void said.push(JSON.stringify(m)),
    ephemeral: async () => {},
    upload: async (_d, files) => void said.push(...files.map((f) => String(f.content))),
  };

  let env: SnmpJobsEnv | undefined;

  beforeAll(async () => {
    env = await startSnmpJobsEnv('snmpjobs', 'jobs-ro', [
      { name: 'sw1', vendor: 'cisco_iosxe', interfaces: 12 },
      { name: 'edge2', vendor: 'juniper_junos', interfaces: 4 },
    ]);
    ({ lab, db, redis, prefix } = env);
  });
  afterAll(async () => {
    await host?.close(1_000);
    await producer?.close();
    await env?.close();
  });

  it('a scheduled poll stores rates; /net interfaces shows them, and polls live for a device with no samples', async () => {
    const device: Device = testDevice('sw1', {
      snmp: {
        version: '2c',
        port: lab.endpoint('sw1').port,
        credential: 'jobs',
        timeoutMs: 1_000,
        retries: 0,
      },
    });
    const file = parseFileConfig('schedules: { poll: { every: 1s } }').config!;
    const config = { ...file, configPath: 'netops.yaml', env: {} } as unknown as Config;
    const monitoring = createMonitoringService({
      pool: db.pool,
      credentials: createCredentialResolver({ env: { NETOPS_CRED_JOBS_COMMUNITY: 'jobs-ro' } }),
    });
    const jobs = [snmpPoll, snmpInterfaces, snmpRollup];
    producer = createProducer({ connection: redis, prefix, jobs });
    const services: TestServices = {
      config,
      pool: db.pool,
      inventory: createInventory([
        device,
        {
          ...device,
          name: 'edge2',
          vendor: 'juniper_junos',
          snmp: { ...device.snmp!, port: lab.endpoint('edge2').port },
        },
      ]),
      responder,
      enqueue: producer.enqueue,
      log: silentLogger,
      clock: () => new Date(),
      monitoring,
    };
    host = createJobHost({
      connection: redis,
      prefix,
      jobs,
      services,
      poster: createJobPoster(responder),
      log: silentLogger,
    });
    const scheduler = createScheduler({ connection: redis, prefix, jobs });
    await scheduler.reconcile([
      { id: 'poll:sw1', jobName: 'snmp.poll', data: { device: 'sw1' }, every: 1_000 },
    ]);
    const count = async () =>
      (await db.pool.query("SELECT count(*)::int AS n FROM samples WHERE device = 'sw1'")).rows[0]
        .n as number;
    const deadline = Date.now() + 15_000;
    while ((await count()) < 24 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(await count()).toBeGreaterThanOrEqual(24); // two rounds of rates after the baseline
    await scheduler.reconcile([]);
    await scheduler.close();
    const up = await db.pool.query(
      "SELECT count(*)::int AS n FROM samples WHERE device = 'sw1' AND in_bps > 0",
    );
    expect(up.rows[0].n).toBeGreaterThan(0);

    await producer.enqueue('snmp.interfaces', { device: 'sw1' }, { origin: { channel: 'C1' } });
    const end = Date.now() + 10_000;
    while (!said.some((s) => s.includes('GigabitEthernet1/0/12')) && Date.now() < end)
      await new Promise((r) => setTimeout(r, 100));
    const out = said.find((s) => s.includes('GigabitEthernet1/0/12'))!;
    expect(out).toContain('INTERFACE');
    expect(out).toMatch(/GigabitEthernet1\/0\/1 +(up|down|admin-down) +(1G|10G)/);
    expect(out).toMatch(/[0-9.]+ (k|M|G)bps/);

    // never polled: the job polls live (twice, for a rate) and answers
    await producer.enqueue('snmp.interfaces', { device: 'edge2' }, { origin: { channel: 'C1' } });
    const end2 = Date.now() + 20_000;
    while (!said.some((s) => s.includes('ge-0/0/3')) && Date.now() < end2)
      await new Promise((r) => setTimeout(r, 100));
    expect(said.find((s) => s.includes('ge-0/0/3'))).toMatch(/ge-0\/0\/0 +(up|down|admin-down) +1G/);
    expect(said.some((s) => s.includes('edge2: 4 interfaces') && s.includes('(live poll)'))).toBe(true);
    monitoring.close();
  }, 40_000);
});
