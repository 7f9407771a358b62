import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import backupJob from '../../jobs/config-backup.js';
import { type Config, loadConfig } from '../../src/config.js';
import { createConfigStore } from '../../src/configs/index.js';
import {
  createSshCredentials,
  createDeviceService,
  type DeviceServiceImpl,
} from '../../src/devices/index.js';
import { createInventory } from '../../src/inventory/index.js';
import { silentLogger } from '../../src/log.js';
import type { JobResult } from '../../src/queue/index.js';
import type { TestServices } from '../helpers/jobs.js';
import type { Destination, Message, Responder } from '../../src/chat/index.js';
import { type FrrLab, startFrrLab, vtysh } from '../helpers/frr.js';
import { freshDb, type TestDb } from '../helpers/pg.js';
import { runJob } from '../helpers/jobs.js';

/**
 * Real FRRouting (zebra + bgpd in a network namespace, scripts/setup-frr.sh) behind a real sshd whose
 * login shell for the FRR user is vtysh. The namespace is shared with the device-layer tests, so this
 * only adds lines under a neighbour nobody else touches and removes them again.
 */
const SECRET = `S3crFRR${Date.now().toString(36)}`;
let frr: FrrLab;
let db: TestDb;
let svc: DeviceServiceImpl;
let services: TestServices;
const posts: Array<{ dest: Destination; message: Message }> = [];

const backup = (trigger: string, author?: string): Promise<JobResult> =>
  runJob(backupJob, { device: 'frr-lab', trigger, ...(author ? { author } : {}) }, services, {
    jobId: 'j-frr',
  });

beforeAll(async () => {
  frr = await startFrrLab();
  db = await freshDb('cfgfrr');
  const inventory = createInventory([frr.device]);
  svc = createDeviceService({
    credentials: createSshCredentials({
      env: frr.secretsEnv,
    }),
    inventory,
  });
  const responder: Responder = {
    post: async (dest, message) => {
      posts.push({ dest, message });
      return { ts: '1.0' };
    },
    update: async () => {},
    ephemeral: async () => {},
    upload: async () => {},
  };
  const config: Config = loadConfig(
    { DATABASE_URL: db.url },
    { role: 'migrate', readFile: () => 'channels:\n  changes: C00NETOPS0\n' },
  );
  services = {
    config,
    pool: db.pool,
    inventory,
    responder,
    enqueue: async () => ({ jobId: 'unused' }),
    log: silentLogger,
    clock: () => new Date(),
    configs: {},
    devices: svc,
  };
  // Start from a known state for the neighbour this test owns.
  vtysh(
    'configure terminal',
    'router bgp 65001',
    'no neighbor 10.99.0.6 password',
    'no neighbor 10.99.0.6 description',
  );
}, 60_000);

afterAll(async () => {
  await svc?.close();
  await db?.drop();
  // Best effort: the shared namespace may have been restarted by another suite meanwhile.
  await frr?.stop([
    'router bgp 65001',
    'no neighbor 10.99.0.6 password',
    'no neighbor 10.99.0.6 description',
  ]);
});

describe('config tracking against real FRR over SSH', () => {
  it('first backup, then an unchanged read makes no version', async () => {
    expect((await backup('schedule')).summary).toMatch(/first version stored/);
    expect((await backup('schedule')).summary).toMatch(/no change/);
    const body = await createConfigStore(db.pool).body(
      (await createConfigStore(db.pool).latest('frr-lab'))!.sha256,
    );
    expect(body).toMatch(/^router bgp 65001$/m);
    expect(body).not.toMatch(/^Building configuration|^Current configuration/m);
  });

  it('a change made with vtysh → one new version, a clean diff, the password scrubbed everywhere', async () => {
    vtysh(
      'configure terminal',
      'router bgp 65001',
      'neighbor 10.99.0.6 description cfg-test',
      `neighbor 10.99.0.6 password ${SECRET}`,
    );
    expect(vtysh('show running-config')).toContain(SECRET);
    const r = await backup('manual', 'alice');
    expect(r.summary).toMatch(/new version v\d+ \(\+2 −0\)/);
    expect((await backup('schedule')).summary).toMatch(/no change/);
    expect(posts).toHaveLength(1);
    const text = posts[0]!.message.text;
    const changed = text.split('\n').filter((l) => /^[-+](?![-+]{2} )/.test(l));
    expect(changed).toEqual(
      [' neighbor 10.99.0.6 description cfg-test', ' neighbor 10.99.0.6 password <removed>'].map(
        (l) => `+${l}`,
      ),
    );
    const dump = await db.pool.query(
      `SELECT (SELECT json_agg(b) FROM config_blobs b)::text || (SELECT json_agg(v) FROM config_versions v)::text ||
              (SELECT json_agg(l) FROM config_latest l)::text AS all`,
    );
    expect(dump.rows[0].all).not.toContain(SECRET);
    expect(JSON.stringify(posts)).not.toContain(SECRET);
  });
});
