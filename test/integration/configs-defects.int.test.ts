import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import backupJob from '../../jobs/config-backup.js';
import historyJob from '../../jobs/config-history.js';
import searchJob from '../../jobs/config-search.js';
import showJob from '../../jobs/config-show.js';
import { type Config, type Device, loadConfig } from '../../src/config.js';
import type { DeviceService } from '../../src/devices/types.js';
import { createInventory } from '../../src/inventory/index.js';
import { silentLogger } from '../../src/log.js';
import type { Responder } from '../../src/chat/index.js';
import { testDevice } from '../helpers/devices.js';
import { runJob, type TestServices } from '../helpers/jobs.js';
import { freshDb, type TestDb } from '../helpers/pg.js';

/** Devices whose running config a test sets; a backup reads it. */
class SetDevices implements DeviceService {
  configs = new Map<string, string>();
  async run(): Promise<never> {
    throw new Error('not used');
  }
  async runningConfig(device: Device): Promise<string> {
    return this.configs.get(device.name) ?? '';
  }
  async close() {}
}

/** Records posts (backups announce changes); nothing here asserts on them. */
const recording: Responder = {
  post: async () => ({ ts: '1.0' }),
  update: async () => {},
  upload: async () => {},
  ephemeral: async () => {},
} as unknown as Responder;

let db: TestDb;
let services: TestServices;
const devices = new SetDevices();
let now = new Date('2026-11-20T10:00:00Z');

beforeAll(async () => {
  db = await freshDb('cfgdef');
  const config: Config = loadConfig({ DATABASE_URL: db.url }, { role: 'migrate', readFile: () => '' });
  services = {
    config,
    pool: db.pool,
    inventory: createInventory(['a1', 'b1', 'c1'].map((n) => testDevice(n, { vendor: 'cisco_iosxe' }))),
    responder: recording,
    enqueue: async () => ({ jobId: 'j' }),
    log: silentLogger,
    clock: () => now,
    configs: {},
    devices,
  };
});
afterAll(async () => {
  await db?.drop();
});

const cfg = (host: string, extra = '') =>
  `hostname ${host}\n!\ninterface Gi1\n description x${extra}\n!\nend\n`;

describe('regression: version numbers were global (a device first version read "v6")', () => {
  it('numbers each device from v1, and v<n> refers to that device own version', async () => {
    // Interleaved backups of two devices: global ids would give b1 v2 and a1 v3.
    for (const [dev, extra] of [
      ['a1', ''],
      ['b1', ''],
      ['a1', ' changed'],
      ['b1', ' changed'],
      ['b1', ' again'],
    ] as const) {
      devices.configs.set(dev, cfg(dev, extra));
      now = new Date(now.getTime() + 60_000);
      await runJob(backupJob, { device: dev, trigger: 'schedule' }, services);
    }
    const b = await runJob(historyJob, { device: 'b1' }, services);
    expect(b.summary).toMatch(/b1: 3 versions shown, latest v3/);
    const lines = b.code!.content.split('\n').filter((l) => /^v\d/.test(l));
    expect(lines.map((l) => l.split(/\s+/)[0])).toEqual(['v3', 'v2', 'v1']);
    const a = await runJob(historyJob, { device: 'a1' }, services);
    expect(a.summary).toMatch(/latest v2/);
    const show = await runJob(showJob, { device: 'b1', version: 'v1' }, services);
    expect(show.summary).toMatch(/b1 config \(v1,/);
    expect(show.code!.content).toContain(' description x\n');
  });
});

describe('regression: jobs summarised a --missing search as "0 of 0 devices lack"', () => {
  it('the summary counts devices never backed up', async () => {
    const r = await runJob(searchJob, { pattern: 'ntp server', missing: true }, services);
    // a1 and b1 are backed up and lack it; c1 was never backed up
    expect(r.summary).toMatch(/^2 of 3 devices lack `ntp server`; 1 never backed up \(\d+ ms\)$/);
    expect(r.code!.content).toMatch(/never backed up \(1\):\nc1/);
  });
});
