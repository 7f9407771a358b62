import { createSocket } from 'node:dgram';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import backupJob from '../../jobs/config-backup.js';
import { type Config, type Device, loadConfig } from '../../src/config.js';
import { createConfigStore } from '../../src/configs/index.js';
import { createSyslogReceiver, type SyslogReceiver } from '../../src/configs/syslog/index.js';
import type { DeviceService } from '../../src/devices/types.js';
import { createInventory } from '../../src/inventory/index.js';
import { silentLogger } from '../../src/log.js';
import type { Enqueue } from '../../src/queue/index.js';
import type { TestServices } from '../helpers/jobs.js';
import type { Responder } from '../../src/chat/index.js';
import { freshDb, type TestDb } from '../helpers/pg.js';
import { runJob } from '../helpers/jobs.js';

const dev = (name: string, host: string, vendor: Device['vendor'] = 'cisco_iosxe'): Device => ({
  name,
  vendor,
  host,
  port: 22,
  credential: 'lab',
  tags: [],
  legacyAlgorithms: false,
  enabled: true,
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function send(port: number, lines: string[], gapMs = 0): Promise<void> {
  const s = createSocket('udp4');
  for (const l of lines) {
    await new Promise<void>((r, j) => s.send(l, port, '127.0.0.1', (e) => (e ? j(e) : r())));
    if (gapMs) await sleep(gapMs);
  }
  s.close();
}

async function until(pred: () => boolean, timeoutMs = 5_000): Promise<void> {
  const t0 = Date.now();
  while (!pred()) {
    if (Date.now() - t0 > timeoutMs) throw new Error('timed out waiting');
    await sleep(10);
  }
}

let receiver: SyslogReceiver | undefined;
afterEach(async () => {
  await receiver?.stop();
  receiver = undefined;
});

describe('syslog receiver over a real UDP socket', () => {
  it('a burst of change messages from one device → one backup, author = last named user', async () => {
    const calls: Array<{ name: string; data: unknown; jobId?: string }> = [];
    const enqueue: Enqueue = async (name, data, opts) => {
      calls.push({ name, data, ...(opts?.jobId ? { jobId: opts.jobId } : {}) });
      return { jobId: opts?.jobId ?? 'x' };
    };
    receiver = createSyslogReceiver({
      inventory: createInventory([dev('core1', '127.0.0.1'), dev('edge1', '192.0.2.9', 'juniper_junos')]),
      enqueue,
      host: '127.0.0.1',
      port: 0,
      debounceMs: 150,
    });
    const { port } = await receiver.start();
    const t0 = Date.now();
    await send(
      port,
      [
        '<189>77: %PARSER-5-CFGLOG_LOGGEDCMD: User:alice  logged command:interface Gi1',
        '<189>78: %PARSER-5-CFGLOG_LOGGEDCMD: User:alice  logged command: description x',
        '<189>79: *Nov 25 10:00:00.123: %SYS-5-CONFIG_I: Configured from console by admin on vty0 (10.0.0.5)',
        '<187>80: %LINK-3-UPDOWN: Interface GigabitEthernet1, changed state to down',
      ],
      20,
    );
    await until(() => calls.length >= 1);
    const took = Date.now() - t0;
    await sleep(300);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({
      name: 'config.backup',
      data: { device: 'core1', trigger: 'syslog', author: 'admin' },
    });
    expect(calls[0]!.jobId).toMatch(/^syslog\.core1\.\d+$/);
    expect(took).toBeLessThan(2_000);
    expect(receiver.stats()).toMatchObject({ received: 4, changes: 3, enqueued: 1 });
  });

  it('maps by hostname when the source address is a relay; unknown devices are ignored', async () => {
    const calls: unknown[] = [];
    receiver = createSyslogReceiver({
      inventory: createInventory([dev('core1', '10.0.0.1'), dev('edge1', '10.0.0.2', 'juniper_junos')]),
      enqueue: async (_n, data) => {
        calls.push(data);
        return { jobId: 'x' };
      },
      host: '127.0.0.1',
      port: 0,
      debounceMs: 50,
    });
    const { port } = await receiver.start();
    await send(port, [
      "<189>Nov 25 10:00:00 edge1.lab.example.net mgd[4242]: UI_COMMIT: User 'jdoe' requested 'commit' operation (comment: none)",
      '<189>Nov 25 10:00:01 edge1.lab.example.net mgd[4242]: UI_COMMIT_COMPLETED: commit complete',
      '<189>Nov 25 10:00:01 stranger mgd[1]: UI_COMMIT_COMPLETED: commit complete',
    ]);
    await until(() => calls.length >= 1);
    await sleep(150);
    expect(calls).toEqual([{ device: 'edge1', trigger: 'syslog', author: 'jdoe' }]);
    expect(receiver.stats().unknownSource).toBe(1);
  });

  it('a burst that never goes quiet still gets its backup after maxWait', async () => {
    const calls: unknown[] = [];
    receiver = createSyslogReceiver({
      inventory: createInventory([dev('core1', '127.0.0.1')]),
      enqueue: async (_n, data) => {
        calls.push(data);
        return { jobId: 'x' };
      },
      host: '127.0.0.1',
      port: 0,
      debounceMs: 100,
      maxWaitMs: 250,
    });
    const { port } = await receiver.start();
    const lines = Array.from(
      { length: 12 },
      (_, i) => `<189>${i}: %PARSER-5-CFGLOG_LOGGEDCMD: User:bob  logged command:x ${i}`,
    );
    await send(port, lines, 40);
    // The burst lasted ~480 ms with 40 ms gaps (never quiet for 100 ms): maxWait fired inside it.
    expect(calls.length).toBeGreaterThanOrEqual(1);
    await until(() => calls.length >= 2, 2_000);
    expect(calls.length).toBeLessThanOrEqual(3);
  });
});

describe('syslog → backup end to end (real UDP, real Postgres)', () => {
  let db: TestDb;
  beforeAll(async () => {
    db = await freshDb('cfgsyslog');
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('a change message on the wire produces a new version authored by the named user', async () => {
    let running = 'hostname core1\n!\ninterface Gi1\n description a\n!\nend\n';
    const deviceService: DeviceService = {
      run: async () => [],
      runningConfig: async () => `Building configuration...\n\nCurrent configuration : 99 bytes\n${running}`,
      close: async () => {},
    };
    const posts: string[] = [];
    const responder: Responder = {
      post: async (_d, m) => {
        posts.push(m.text);
        return { ts: '1.1' };
      },
      update: async () => {},
      ephemeral: async () => {},
      upload: async () => {},
    };
    const inventory = createInventory([dev('core1', '127.0.0.1')]);
    const config: Config = loadConfig(
      { DATABASE_URL: db.url },
      { role: 'migrate', readFile: () => 'channels:\n  changes: C00NETOPS0\n' },
    );
    const jobs: Promise<unknown>[] = [];
    const services: TestServices = {
      config,
      pool: db.pool,
      inventory,
      responder,
      log: silentLogger,
      clock: () => new Date(),
      configs: {},
      devices: deviceService,
      enqueue: async (name, data) => {
        expect(name).toBe('config.backup');
        jobs.push(runJob(backupJob, data, services, { jobId: 'j-syslog' }));
        return { jobId: 'j-syslog' };
      },
    };
    await runJob(backupJob, { device: 'core1', trigger: 'schedule' }, services, { jobId: 'j-0' });
    receiver = createSyslogReceiver({
      inventory,
      enqueue: services.enqueue,
      host: '127.0.0.1',
      port: 0,
      debounceMs: 100,
    });
    const { port } = await receiver.start();
    running = running.replace(' description a', ' description b');
    await send(port, ['<189>9: %SYS-5-CONFIG_I: Configured from console by carol on vty0 (10.0.0.5)']);
    await until(() => jobs.length === 1);
    await Promise.all(jobs);
    const latest = await createConfigStore(db.pool).latest('core1');
    expect(latest).toMatchObject({ trigger: 'syslog', author: 'carol' });
    expect(posts).toHaveLength(1);
    expect(posts[0]).toMatch(/changed by \*carol\* \(syslog\)/);
    expect(posts[0]).toMatch(/^- description a$/m);
    expect(posts[0]).toMatch(/^\+ description b$/m);
  });
});

describe('syslog receiver: known sender', () => {
  it('handle(line, source, device) maps to the named device (lab fleet: every device is 127.0.0.1)', async () => {
    const calls: unknown[] = [];
    const r = createSyslogReceiver({
      inventory: createInventory([dev('a1', '127.0.0.1'), dev('a2', '127.0.0.1')]),
      enqueue: async (_n, data) => {
        calls.push(data);
        return { jobId: 'x' };
      },
      debounceMs: 10,
    });
    r.handle('<189>9: %SYS-5-CONFIG_I: Configured from console by erin on vty0 (10.0.0.5)', '127.0.0.1');
    expect(r.stats().unknownSource).toBe(1);
    r.handle(
      '<189>9: %SYS-5-CONFIG_I: Configured from console by erin on vty0 (10.0.0.5)',
      '127.0.0.1',
      'a2',
    );
    await until(() => calls.length === 1);
    expect(calls).toEqual([{ device: 'a2', trigger: 'syslog', author: 'erin' }]);
    await r.stop();
  });
});
