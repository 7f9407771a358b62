import { type ChildProcess, fork } from 'node:child_process';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DesiredSchedule, ReconcileSchedulesResult } from '../../src/queue/index.js';
import { createRedisConnection, type RedisClient } from '../../src/redis.js';
import { testCommands, testJobs } from '../fixtures/spine/sleep.js';
import { type RedisCluster, startRedisCluster } from '../helpers/redis-cluster.js';
import { freshPrefix } from '../helpers/redis.js';
import { type Stack, startStack } from '../helpers/stack.js';
import { tallySleepJobs } from '../helpers/tally.js';
import { killHard, spawnWorker } from '../helpers/worker-procs.js';

/**
 * netops-bot on a real three-master Redis Cluster, started here on loopback: the bot takes slash
 * commands, worker processes run them, every key of the queue lives in one hash slot (the prefix's
 * hash tag), and N workers starting at once create each schedule once.
 */
const CHANNEL = 'C00NETOPS0';
const SCHEDULER = new URL('../fixtures/cluster/scheduler-proc.ts', import.meta.url).pathname;

let cluster: RedisCluster;
let s: Stack | undefined;
let redis: RedisClient | undefined;
const children: ChildProcess[] = [];

beforeAll(async () => {
  cluster = await startRedisCluster(3);
}, 60_000);

afterAll(async () => {
  await Promise.all(children.map(killHard));
  redis?.disconnect();
  await s?.stop();
  await cluster?.close();
}, 30_000);

describe('Redis Cluster (three masters)', () => {
  it('slash commands → bot → two worker processes → exactly one result each; all keys in one slot', async () => {
    const info = await cluster.info();
    expect(info).toMatch(/cluster_state:ok/);
    expect(info).toMatch(/cluster_size:3/);

    s = await startStack({
      roles: ['bot'],
      env: { REDIS_URL: undefined, REDIS_CLUSTER_NODES: cluster.env },
      start: { jobs: testJobs, commands: testCommands },
    });
    const stack = s;
    expect(stack.config.redis.mode).toBe('cluster');
    expect(stack.config.redis.prefix).toBe(`{${stack.prefix}}`);
    const workers = await Promise.all([
      spawnWorker(stack.config, { domain: false, loops: false }),
      spawnWorker(stack.config, { domain: false, loops: false }),
    ]);
    children.push(...workers);

    const COMMANDS = 20;
    const acks = await Promise.all(
      Array.from({ length: COMMANDS }, (_, i) =>
        stack.emu.slashCommand({ command: '/net', text: `sleep ${50 + i * 10}`, channelId: CHANNEL }),
      ),
    );
    expect(acks.map((a) => a.status)).toEqual(acks.map(() => 200));
    await expect
      .poll(
        () => [...tallySleepJobs(stack.emu, [CHANNEL]).values()].filter((t) => t.state === 'done').length,
        {
          timeout: 30_000,
          interval: 200,
        },
      )
      .toBe(COMMANDS);
    await new Promise((r) => setTimeout(r, 1_000)); // a late duplicate would show now
    const tally = [...tallySleepJobs(stack.emu, [CHANNEL]).values()];
    expect(tally).toHaveLength(COMMANDS);
    expect(tally.filter((t) => t.progress.length !== 1 || t.results.length !== 1)).toEqual([]);

    // Every key under the prefix is in the prefix's slot, on one master; the other masters hold none.
    redis = createRedisConnection(stack.config.redis, 'worker');
    const cl = redis as import('ioredis').Cluster;
    await cl.ping(); // the node list is known once connected
    const perNode = await Promise.all(
      cl.nodes('master').map(async (n) => {
        const keys: string[] = [];
        let cursor = '0';
        do {
          const [next, batch] = await n.scan(
            cursor,
            'MATCH',
            `${stack.config.redis.prefix}:*`,
            'COUNT',
            1000,
          );
          cursor = next;
          keys.push(...batch);
        } while (cursor !== '0');
        return keys;
      }),
    );
    expect(perNode.filter((k) => k.length > 0)).toHaveLength(1);
    const keys = perNode.flat();
    expect(keys.some((k) => k.endsWith(':default:completed'))).toBe(true);
    expect(keys.some((k) => k.includes(':netops:delivery:'))).toBe(true);
    const slots = new Set(await Promise.all(keys.slice(0, 50).map((k) => cl.cluster('KEYSLOT', k))));
    expect(slots.size).toBe(1);
  }, 120_000);

  it('N worker processes starting at once create each schedule exactly once', async () => {
    const N = 4;
    const target = { mode: 'cluster' as const, nodes: cluster.nodes };
    const prefix = `{${freshPrefix('sched')}}`;
    const desired: DesiredSchedule[] = Array.from({ length: 15 }, (_, i) => [
      {
        id: `poll:dev${i}`,
        jobName: 'snmp.poll',
        data: { device: `dev${i}` },
        every: 60_000,
        offsetMs: i * 3_000,
      },
      {
        id: `config.backup:dev${i}`,
        jobName: 'config.backup',
        data: { device: `dev${i}` },
        every: 3_600_000,
        offsetMs: i * 60_000,
      },
    ]).flat();
    const procs = Array.from({ length: N }, () =>
      fork(SCHEDULER, [], {
        execArgv: ['--import', 'tsx'],
        env: {
          ...process.env,
          NETOPS_TEST_REDIS: JSON.stringify(target),
          NETOPS_TEST_PREFIX: prefix,
          NETOPS_TEST_DESIRED: JSON.stringify(desired),
        },
        stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      }),
    );
    children.push(...procs);
    const message = <T>(p: ChildProcess, key: string) =>
      new Promise<T>((resolve, reject) => {
        const onMessage = (m: Record<string, unknown>) => {
          if (key in m) {
            p.off('message', onMessage);
            resolve(m[key] as T);
          }
        };
        p.on('message', onMessage);
        p.once('exit', (code) => reject(new Error(`scheduler process exited (${code})`)));
      });
    await Promise.all(procs.map((p) => message(p, 'loaded')));
    const results = procs.map((p) => message<ReconcileSchedulesResult>(p, 'result'));
    for (const p of procs) p.send('go');
    const done = await Promise.all(results);

    // Each schedule was added by exactly one process; the others found it in place.
    const addedBy = new Map<string, number>();
    for (const r of done)
      for (const id of [...r.added, ...r.updated]) addedBy.set(id, (addedBy.get(id) ?? 0) + 1);
    expect(addedBy.size).toBe(desired.length);
    expect([...addedBy.entries()].filter(([, n]) => n !== 1)).toEqual([]);
    expect(done.reduce((a, r) => a + r.unchanged, 0)).toBe(desired.length * (N - 1));

    // And in Redis: one scheduler per id, and one next run queued for each.
    const conn = createRedisConnection(target, 'worker');
    try {
      for (const [queue, kind] of [
        ['snmp', 'poll:'],
        ['devices', 'config.backup:'],
      ] as const) {
        const q = new Queue(queue, { connection: conn, prefix });
        const schedulers = await q.getJobSchedulers(0, -1);
        expect(schedulers.map((x) => x.key).sort()).toEqual(
          desired
            .filter((d) => d.id.startsWith(kind))
            .map((d) => d.id)
            .sort(),
        );
        const next = await q.getJobs(['delayed', 'waiting', 'prioritized']);
        const perScheduler = new Map<string, number>();
        for (const j of next)
          perScheduler.set(j.repeatJobKey ?? '?', (perScheduler.get(j.repeatJobKey ?? '?') ?? 0) + 1);
        expect(perScheduler.size).toBe(schedulers.length);
        expect([...perScheduler.values()].every((n) => n === 1)).toBe(true);
        await q.close();
      }
    } finally {
      conn.disconnect();
    }
  }, 90_000);
});
