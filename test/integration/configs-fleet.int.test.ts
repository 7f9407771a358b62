import { createSocket } from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import backupJob from '../../jobs/config-backup.js';
import type { Config } from '../../src/config.js';
import type { SimVendor as Vendor } from '../../src/lab/vendors.js';
import { loadConfig } from '../../src/config.js';
import { createConfigStore } from '../../src/configs/index.js';
import { createSyslogReceiver } from '../../src/configs/syslog/index.js';
import {
  createSshCredentials,
  createDeviceService,
  type DeviceServiceImpl,
} from '../../src/devices/index.js';
import { createInventory, type Inventory } from '../../src/inventory/index.js';
import { type Fleet, fleetAccess, startFleet } from '../../src/lab/fleet/index.js';
import { silentLogger } from '../../src/log.js';
import type { JobResult } from '../../src/queue/index.js';
import type { TestServices } from '../helpers/jobs.js';
import type { Destination, FileUpload, Message, Responder } from '../../src/chat/index.js';
import { freshDb, type TestDb } from '../helpers/pg.js';
import { runJob } from '../helpers/jobs.js';

/** Records every post and upload, as Slack would receive them. */
class RecordingResponder implements Responder {
  posts: Array<{ dest: Destination; message: Message }> = [];
  uploads: Array<{ dest: Destination; files: FileUpload[] }> = [];
  async post(dest: Destination, message: Message) {
    this.posts.push({ dest, message });
    return { ts: `${this.posts.length}.0` };
  }
  async update() {}
  async ephemeral() {}
  async upload(dest: Destination, files: FileUpload[]) {
    this.uploads.push({ dest, files });
  }
  all(): string {
    return (
      JSON.stringify(this.posts) +
      this.uploads.flatMap((u) => u.files.map((f) => `${f.initialComment}\n${f.content}`)).join('\n')
    );
  }
}

const VENDORS: Vendor[] = ['cisco_iosxe', 'cisco_nxos', 'arista_eos', 'juniper_junos', 'frr'];
/** One configuration change per vendor, in its own syntax, and the line the diff must show. */
const CHANGE: Record<string, { lines: string[]; added: RegExp }> = {
  cisco_iosxe: { lines: ['ntp server 10.77.0.1'], added: /^\+ntp server 10\.77\.0\.1$/m },
  cisco_nxos: { lines: ['ntp server 10.77.0.1'], added: /^\+ntp server 10\.77\.0\.1$/m },
  arista_eos: { lines: ['ntp server 10.77.0.1'], added: /^\+ntp server 10\.77\.0\.1$/m },
  frr: { lines: ['ip route 10.77.0.0/24 192.0.2.1'], added: /^\+ip route 10\.77\.0\.0\/24 192\.0\.2\.1$/m },
  juniper_junos: { lines: ['set system ntp server 10.77.0.1'], added: /^\+\s+server 10\.77\.0\.1;$/m },
};

let fleet: Fleet;
let db: TestDb;
let svc: DeviceServiceImpl;
let inventory: Inventory;
let responder: RecordingResponder;
let services: TestServices;

const backup = (device: string, trigger = 'schedule', author?: string): Promise<JobResult> =>
  runJob(backupJob, { device, trigger, ...(author ? { author } : {}) }, services);

beforeAll(async () => {
  fleet = await startFleet({
    devices: VENDORS.map((vendor, i) => ({ name: `${vendor.split('_').pop()}${i + 1}`, vendor })),
  });
  db = await freshDb('cfgfleet');
  const { devices, env } = fleetAccess(fleet, { pinHostKeys: true });
  inventory = createInventory(devices);
  svc = createDeviceService({ credentials: createSshCredentials({ env }), inventory });
  responder = new RecordingResponder();
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
}, 60_000);

afterAll(async () => {
  await svc?.close();
  await fleet?.stop();
  await db?.drop();
});

describe('config tracking against the simulated fleet (real SSH)', () => {
  it('first backup of every vendor stores one scrubbed version', async () => {
    for (const d of inventory.list()) {
      const r = await backup(d.name);
      expect(r.summary, d.name).toMatch(/first version stored/);
    }
    const { rows } = await db.pool.query('SELECT count(*)::int AS n FROM config_versions');
    expect(rows[0].n).toBe(VENDORS.length);
  });

  it('reading again (clock, counters, timestamps moved on) makes no version', async () => {
    for (const d of inventory.list()) {
      const r = await backup(d.name);
      expect(r.summary, d.name).toMatch(/no change/);
    }
    expect(responder.posts).toHaveLength(0);
  });

  it('a change made on the device → exactly one new version whose diff is only that change', async () => {
    for (const d of inventory.list()) {
      const sim = fleet.get(d.name);
      sim.configure(CHANGE[d.vendor]!.lines, 'jdoe');
      const r = await backup(d.name, 'syslog', 'jdoe');
      expect(r.summary, d.name).toMatch(/new version v\d+ \(\+\d+ −0\)/);
      const again = await backup(d.name);
      expect(again.summary, d.name).toMatch(/no change/);
    }
    const { rows } = await db.pool.query(
      'SELECT device, count(*)::int AS n FROM config_versions GROUP BY device',
    );
    for (const r of rows) expect(r.n, r.device).toBe(2);
    expect(responder.posts).toHaveLength(VENDORS.length);
    for (const d of inventory.list()) {
      const post = responder.posts.find((p) => p.message.text.includes(`*${d.name}*`))!;
      const body = post.message.text;
      expect(body, d.name).toMatch(CHANGE[d.vendor]!.added);
      const changed = body.split('\n').filter((l) => /^[-+](?![-+]{2} )/.test(l));
      expect(
        changed.every((l) => l.startsWith('+')),
        `${d.name}: ${changed.join(' | ')}`,
      ).toBe(true);
      expect(body).toMatch(/changed by \*jdoe\* \(syslog\)/);
    }
  });

  it('secrets never reach the database or the Responder', async () => {
    const dump = await db.pool.query(
      `SELECT coalesce((SELECT json_agg(b) FROM config_blobs b)::text, '') || coalesce((SELECT json_agg(v) FROM config_versions v)::text, '') ||
              coalesce((SELECT json_agg(l) FROM config_latest l)::text, '') AS all`,
    );
    const stored: string = dump.rows[0].all;
    const posted = responder.all();
    expect(stored).toContain('<removed>');
    for (const fd of fleet.devices) {
      const s = fd.sim.facts.secrets;
      const probes = [
        s.community,
        s.enable.slice(3, 17),
        s.userHash.slice(3, 17),
        s.tacacsKey.slice(3, 10),
        s.tacacsKey.slice(3, 10).toLowerCase(),
        s.bgpPassword.slice(3, 10),
        s.bgpPassword.slice(3, 10).toLowerCase(),
        fd.credential.password,
      ];
      // The raw config really holds some of them (so this scan can fail).
      const raw = fd.runningConfig();
      expect(probes.filter((p) => raw.includes(p)).length, fd.name).toBeGreaterThanOrEqual(2);
      for (const p of probes) {
        expect(stored.includes(p), `${fd.name}: ${p} stored`).toBe(false);
        expect(posted.includes(p), `${fd.name}: ${p} posted`).toBe(false);
      }
    }
  });

  it('the fleet’s own syslog line over UDP triggers a backup authored by the user', async () => {
    const ran: Promise<JobResult>[] = [];
    const receiver = createSyslogReceiver({
      inventory,
      host: '127.0.0.1',
      port: 0,
      debounceMs: 100,
      enqueue: async (name, data) => {
        expect(name).toBe('config.backup');
        ran.push(runJob(backupJob, data, services));
        return { jobId: 'j-syslog' };
      },
    });
    const { port } = await receiver.start();
    const sock = createSocket('udp4');
    try {
      for (const d of inventory
        .list()
        .filter((x) => x.vendor === 'cisco_iosxe' || x.vendor === 'juniper_junos')) {
        const sim = fleet.get(d.name);
        const off = sim.onSyslog((ev) => {
          if (ev.kind !== 'config') return;
          // Every simulated device sends from 127.0.0.1, so the source address cannot tell them apart;
          // IOS then needs `logging origin-id hostname` (the name after the sequence number), as a
          // real fleet behind a syslog relay would. Junos names its host in every line.
          const line =
            d.vendor === 'cisco_iosxe' ? ev.line.replace(/^(<\d+>\d+: )/, `$1${d.name}: `) : ev.line;
          sock.send(line, port, '127.0.0.1');
        });
        sim.configure(
          d.vendor === 'juniper_junos'
            ? ['set system location building b7']
            : ['snmp-server location building b7'],
          'mallory',
        );
        off();
      }
      const t0 = Date.now();
      while (ran.length < 2 && Date.now() - t0 < 5_000) await new Promise((r) => setTimeout(r, 20));
      expect(ran).toHaveLength(2);
      const results = await Promise.all(ran);
      for (const r of results) expect(r.summary).toMatch(/new version/);
      const store = createConfigStore(db.pool);
      for (const d of inventory
        .list()
        .filter((x) => x.vendor === 'cisco_iosxe' || x.vendor === 'juniper_junos')) {
        expect(await store.latest(d.name), d.name).toMatchObject({ trigger: 'syslog', author: 'mallory' });
      }
    } finally {
      sock.close();
      await receiver.stop();
    }
  });
});
