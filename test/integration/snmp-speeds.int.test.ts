import { createServer, connect } from 'node:net';
import { createCredentialResolver } from '../../src/credentials/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Device, loadConfig } from '../../src/config.js';
import { type RunningSnmpd, startSnmpd } from '../../src/lab/snmp/snmpd.js';
import { createMonitoringService, speedWarnings, speedWarningText } from '../../src/snmp/index.js';
import { freshDb, type TestDb } from '../helpers/pg.js';

const env = { NETOPS_CRED_LAB_RO_COMMUNITY: 'lab-community-9' };

function device(agent: RunningSnmpd, speeds?: Record<string, number>): Device {
  return {
    name: 'linux1',
    vendor: 'linux',
    host: agent.host,
    port: 22,
    credential: 'ssh',
    tags: [],
    legacyAlgorithms: false,
    enabled: true,
    snmp: {
      version: '2c',
      port: agent.port,
      credential: 'lab-ro',
      timeoutMs: 2_000,
      retries: 1,
      ...(speeds ? { speeds } : {}),
    },
  };
}

/** Pushes `bytes` through loopback over TCP (lo is what snmpd reports as a 10 Mb/s port). */
async function pushThroughLo(bytes: number): Promise<void> {
  const server = createServer((s) => s.resume());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const sock = connect(port, '127.0.0.1');
  const chunk = Buffer.alloc(1 << 20);
  for (let sent = 0; sent < bytes; sent += chunk.length) {
    if (!sock.write(chunk)) await new Promise((r) => sock.once('drain', r));
  }
  await new Promise<void>((r) => sock.end(r));
  await new Promise((r) => server.close(r));
}

const cache = () => new Promise((r) => setTimeout(r, 5_500)); // snmpd caches interface counters

describe('regression: an interface reporting a wrong speed went blank with nothing saying why', () => {
  let agent: RunningSnmpd;
  let db: TestDb;
  beforeAll(async () => {
    agent = await startSnmpd({ community: 'lab-community-9' });
    db = await freshDb('speeds');
  });
  afterAll(async () => {
    await agent?.stop();
    await db?.drop();
  });

  it('reports the impossible speed once, and netops.yaml overrides it', async () => {
    const monitoring = createMonitoringService({
      pool: db.pool,
      credentials: createCredentialResolver({ env }),
    });
    try {
      const first = await monitoring.pollAndStore(device(agent));
      expect(first.status).toBe('ok');
      await pushThroughLo(80 << 20); // 80 MB in a few seconds: far beyond 10 Mb/s
      await cache();
      const second = await monitoring.pollAndStore(device(agent));
      const lo = second.speedWarnings?.find((w) => w.name === 'lo');
      expect(lo, JSON.stringify(second)).toBeDefined();
      expect(lo!.reportedBps).toBe(10_000_000);
      expect(lo!.measuredBps).toBeGreaterThan(11_000_000);
      const text = speedWarningText('linux1', lo!);
      expect(text).toMatch(/^linux1 lo reports 10M, but .* was measured: the reported speed is impossible/);
      expect(text).toMatch(/snmp\.speeds: \{"lo": 10G\}/);
      expect((await speedWarnings(db.pool, 'linux1')).map((w) => w.name)).toContain('lo');

      // Said once: measured again, not reported again.
      await pushThroughLo(80 << 20);
      await cache();
      const third = await monitoring.pollAndStore(device(agent));
      expect(third.speedWarnings?.find((w) => w.name === 'lo')).toBeUndefined();

      // netops.yaml's speed wins: the warning goes, rates are capped by the real speed.
      await monitoring.pollAndStore(device(agent, { lo: 100e9 }));
      const { rows } = await db.pool.query(
        "SELECT speed_bps::float8 AS speed, reported_speed_bps::float8 AS reported FROM interfaces WHERE device = 'linux1' AND name = 'lo'",
      );
      expect(rows[0]).toEqual({ speed: 100e9, reported: 10e6 });
      expect((await speedWarnings(db.pool, 'linux1')).map((w) => w.name)).not.toContain('lo');
    } finally {
      monitoring.close();
    }
  }, 90_000);

  it('netops.yaml takes port speeds as 10G, 2.5G, 100M or bits per second', () => {
    const c = loadConfig(
      { SLACK_BOT_TOKEN: 'x', SLACK_SIGNING_SECRET: 's', NETOPS_CONFIG: 'n.yaml' },
      {
        role: 'all',
        readFile: () =>
          'devices:\n  - name: a\n    vendor: linux\n    host: h\n    credential: c\n    snmp: { credential: s, speeds: { lo: 10G, eth0: 2.5G, eth1: 100M, eth2: 1000000 } }\n',
      },
    );
    expect(c.devices[0]!.snmp!.speeds).toEqual({ lo: 10e9, eth0: 2.5e9, eth1: 100e6, eth2: 1e6 });
    expect(() =>
      loadConfig(
        { SLACK_BOT_TOKEN: 'x', SLACK_SIGNING_SECRET: 's', NETOPS_CONFIG: 'n.yaml' },
        {
          role: 'all',
          readFile: () =>
            'devices:\n  - name: a\n    vendor: linux\n    host: h\n    credential: c\n    snmp: { credential: s, speeds: { lo: fast } }\n',
        },
      ),
    ).toThrow(/speeds\.lo.*a speed such as 100M, 10G or 2\.5G/);
  });
});
