import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import configBackup from '../../jobs/config-backup.js';
import snmpPoll from '../../jobs/snmp-poll.js';
import snmpRollup from '../../jobs/snmp-rollup.js';
import { createInventory } from '../../src/inventory/index.js';
import { type Reconciler, createReconciler } from '../../src/inventory/reconcile.js';
import { type Scheduler, createScheduler } from '../../src/queue/schedules.js';
import type { Responder } from '../../src/chat/index.js';
import { type TestDb, freshDb } from '../helpers/pg.js';
import { dropPrefix, freshPrefix, redisConnection } from '../helpers/redis.js';

function yamlFor(
  devices: { name: string; host: string; snmp?: boolean; site?: string }[],
  extra = '',
): string {
  return `# lab inventory — this comment must survive
channels:
  ops: "#netops"
schedules:
  poll: { every: 60s, mode: jobs }
  backup: { every: 1h, jitter: 10m }
devices:
${devices
  .map(
    (d) => `  - name: ${d.name}
    vendor: arista_eos
    host: ${d.host}
    credential: lab
    tags: [lab, leaf]
${d.site ? `    site: ${d.site}\n` : ''}${d.snmp === false ? '' : '    snmp: { credential: lab-ro }\n'}`,
  )
  .join('')}${extra}`;
}

async function eventually<T>(fn: () => Promise<T>, ok: (v: T) => boolean, ms = 8_000): Promise<T> {
  const end = Date.now() + ms;
  let v = await fn();
  while (!ok(v) && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 100));
    v = await fn();
  }
  return v;
}

describe('inventory reconcile: schedules, devices table and file_sd follow netops.yaml without restart', () => {
  let db: TestDb;
  let redis: Redis;
  let prefix: string;
  let dir: string;
  let scheduler: Scheduler;
  let reconciler: Reconciler;
  const posts: string[] = [];
  const responder: Responder = {
    post: async (_d, m) => {
      posts.push(m.text);
      return { ts: String(posts.length) };
    },
    update: async () => {},
    ephemeral: async () => {},
    upload: async () => {},
  };

  beforeAll(async () => {
    db = await freshDb('snmprec');
    redis = redisConnection();
    prefix = freshPrefix('rec');
    dir = await mkdtemp(join(tmpdir(), 'netops-rec-'));
    scheduler = createScheduler({ connection: redis, prefix, jobs: [snmpPoll, snmpRollup, configBackup] });
  });
  afterAll(async () => {
    await reconciler?.stop();
    await scheduler?.close();
    await dropPrefix(prefix);
    redis?.disconnect();
    await db?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it('applies the file, then follows edits (add, remove, change, invalid) through the watcher', async () => {
    const path = join(dir, 'netops.yaml');
    const fileSd = join(dir, 'targets.json');
    await writeFile(
      path,
      yamlFor([
        { name: 'leaf1', host: '10.0.0.1' },
        { name: 'leaf2', host: '10.0.0.2' },
        { name: 'mgmt', host: '10.0.0.9', snmp: false },
      ]),
    );
    const inventory = createInventory();
    reconciler = createReconciler({
      path,
      inventory,
      pool: db.pool,
      scheduler,
      responder,
      fileSdPath: fileSd,
      intervalMs: 60_000,
    });
    reconciler.start();

    const ids = async () => (await scheduler.list()).map((s) => s.id).sort();
    const first = await eventually(ids, (v) => v.length === 7);
    expect(first).toEqual([
      'config.backup:leaf1',
      'config.backup:leaf2',
      'config.backup:mgmt',
      'maint:config.retention',
      'maint:snmp.rollup',
      'poll:leaf1',
      'poll:leaf2',
    ]);
    const poll = (await scheduler.list()).find((s) => s.id === 'poll:leaf1')!;
    expect(poll).toMatchObject({
      queue: 'snmp',
      jobName: 'snmp.poll',
      every: 60_000,
      data: { device: 'leaf1' },
    });
    expect((await scheduler.list()).find((s) => s.id === 'config.backup:leaf1')).toMatchObject({
      queue: 'devices',
      every: 3_600_000,
    });
    expect(
      inventory
        .list()
        .map((d) => d.name)
        .sort(),
    ).toEqual(['leaf1', 'leaf2', 'mgmt']);
    const sd = JSON.parse(await readFile(fileSd, 'utf8'));
    expect(sd).toHaveLength(2);
    expect(sd[0]).toEqual({
      targets: ['10.0.0.1:161'],
      labels: {
        device: 'leaf1',
        vendor: 'arista_eos',
        site: '',
        role: '',
        tags: ',lab,leaf,',
        __param_auth: 'lab-ro',
        __param_module: 'if_mib',
      },
    });
    expect(posts.at(-1)).toMatch(/^monitoring updated: \+3 −0 devices/);

    // nothing changed: a second pass touches nothing and says nothing
    const before = posts.length;
    const again = await reconciler.runOnce();
    expect(again.schedules).toMatchObject({ added: [], updated: [], removed: [], unchanged: 7 });
    expect(again.fileSd?.written).toBe(false);
    expect(posts.length).toBe(before);

    // edit: leaf2 removed, leaf3 added, leaf1 moves site → within one cycle, no restart
    await writeFile(
      path,
      yamlFor([
        { name: 'leaf1', host: '10.0.0.1', site: 'ams1' },
        { name: 'leaf3', host: '10.0.0.3' },
        { name: 'mgmt', host: '10.0.0.9', snmp: false },
      ]),
    );
    const second = await eventually(
      ids,
      (v) => v.includes('poll:leaf3') && !v.includes('poll:leaf2') && !v.includes('config.backup:leaf2'),
    );
    expect(second).toEqual([
      'config.backup:leaf1',
      'config.backup:leaf3',
      'config.backup:mgmt',
      'maint:config.retention',
      'maint:snmp.rollup',
      'poll:leaf1',
      'poll:leaf3',
    ]);
    const sd2 = await eventually(
      async () => JSON.parse(await readFile(fileSd, 'utf8')),
      (v) => v.some((t: { labels: { device: string } }) => t.labels.device === 'leaf3'),
    );
    expect(
      sd2.map((t: { labels: { device: string; site: string } }) => `${t.labels.device}@${t.labels.site}`),
    ).toEqual(['leaf1@ams1', 'leaf3@']);
    await eventually(
      async () => posts.at(-1) ?? '',
      (t) => t.includes('+1 −1'),
    );
    expect(posts.at(-1)).toBe('monitoring updated: +1 −1 devices, 1 changed (+leaf3 −leaf2 ~leaf1)');
    const rows = await db.pool.query('SELECT name, site FROM devices ORDER BY name');
    expect(rows.rows).toEqual([
      { name: 'leaf1', site: 'ams1' },
      { name: 'leaf3', site: null },
      { name: 'mgmt', site: null },
    ]);

    // a broken file changes nothing and is reported once
    const n = posts.length;
    await writeFile(
      path,
      yamlFor([{ name: 'leaf1', host: '10.0.0.1' }], '  - name: bad one\n    vendor: nokia\n'),
    );
    await eventually(
      async () => posts.length,
      (len) => len > n,
    );
    expect(posts.at(-1)).toMatch(/problem\(s\); monitoring keeps the last good inventory \(3 devices\)/);
    expect(posts.at(-1)).toContain('vendor');
    expect(await ids()).toEqual(second);
    expect(inventory.list()).toHaveLength(3);
    await reconciler.runOnce();
    expect(posts.length).toBe(n + 1);
  });
});
