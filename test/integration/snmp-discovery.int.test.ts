import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createCredentialResolver } from '../../src/credentials/index.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import snmpPoll from '../../jobs/snmp-poll.js';
import { type Device, parseFileConfig } from '../../src/config.js';
import { identifyVendor as classify } from '../../src/devices/index.js';
import { expandCidr } from '../../src/inventory/discovery/index.js';
import {
  addDeviceToFile as addDiscoveredDevice,
  addFromButtonValue,
  createInventory,
  discover as discoverWith,
  type DiscoverOptions,
  inSubnets,
  proposalBlocks,
} from '../../src/inventory/index.js';
import { createReconciler } from '../../src/inventory/reconcile.js';
import { type SnmpLab, startSnmpLab } from '../../src/lab/snmp/agent.js';
import { freeUdpPort } from '../../src/lab/snmp/snmpd.js';
import { createScheduler } from '../../src/queue/schedules.js';
import type { DiscoveryPolicy } from '../../src/inventory/index.js';
import { createMonitoringService } from '../../src/snmp/service.js';
import { type TestDb, freshDb } from '../helpers/pg.js';
import { dropPrefix, freshPrefix, redisConnection } from '../helpers/redis.js';

const env = { NETOPS_CRED_DISC_COMMUNITY: 'disc-ro' };
const credentials = createCredentialResolver({ env });
const discover = (target: string, o: Omit<DiscoverOptions, 'credentials'>) =>
  discoverWith(target, { ...o, credentials });

describe('discovery against simulated agents on distinct loopback addresses', () => {
  let lab: SnmpLab;
  let port: number;
  let policy: DiscoveryPolicy;
  const spine = (): Device => ({
    name: 'spine1',
    vendor: 'cisco_nxos',
    host: '127.0.3.1',
    port: 22,
    credential: 'lab',
    tags: [],
    legacyAlgorithms: false,
    enabled: true,
    snmp: { version: '2c', port, credential: 'disc', timeoutMs: 500, retries: 0 },
  });
  const leaf2 = (): Device => ({ ...spine(), name: 'leaf2', vendor: 'arista_eos', host: '127.0.3.2' });

  beforeAll(async () => {
    port = await freeUdpPort();
    lab = await startSnmpLab({
      community: 'disc-ro',
      port,
      devices: [
        {
          name: 'spine1',
          vendor: 'cisco_nxos',
          host: '127.0.3.1',
          interfaces: 8,
          neighbours: [
            { localIfIndex: 7, sysName: 'leaf9.lab.example', portId: 'Ethernet49', manAddr: '127.0.3.9' },
            { localIfIndex: 8, sysName: 'leaf2', portId: 'Ethernet50', manAddr: '127.0.3.2' },
            { localIfIndex: 6, sysName: 'far1', portId: 'ge-0/0/1', manAddr: '192.0.2.10' },
          ],
        },
        { name: 'leaf2', vendor: 'arista_eos', host: '127.0.3.2', interfaces: 4 },
        { name: 'leaf9.lab.example', vendor: 'arista_eos', host: '127.0.3.9', interfaces: 4 },
      ],
    });
    policy = {
      allowedSubnets: ['127.0.3.0/24'],
      maxSweep: 64,
      credential: 'disc',
      sshCredential: 'lab',
      version: '2c',
      port,
      timeoutMs: 300,
    };
  });
  afterAll(async () => {
    await lab?.close();
  });

  it('classifies platforms by enterprise number and sysDescr', () => {
    expect(classify('1.3.6.1.4.1.9.12.3.1.3.1812', 'Cisco NX-OS(tm) nxos')).toBe('cisco_nxos');
    expect(classify('1.3.6.1.4.1.9.1.2494', 'Cisco IOS Software, IOS-XE')).toBe('cisco_iosxe');
    expect(classify('1.3.6.1.4.1.30065.1.3011', 'Arista')).toBe('arista_eos');
    expect(classify('1.3.6.1.4.1.2636.1.1.1.2.29', 'Juniper')).toBe('juniper_junos');
    expect(classify('1.3.6.1.4.1.8072.3.2.10', 'Linux r1 (FRRouting 8.4)')).toBe('frr');
    expect(classify('1.3.6.1.4.1.8072.3.2.10', 'Linux host 6.1')).toBe('linux');
    expect(classify('1.3.6.1.4.1.99999.1', 'Something')).toBeUndefined();
    expect(inSubnets('10.1.2.3', ['10.1.0.0/16'])).toBe(true);
    expect(inSubnets('10.2.2.3', ['10.1.0.0/16'])).toBe(false);
    expect(expandCidr('10.0.0.0/30')).toEqual(['10.0.0.1', '10.0.0.2']);
  });

  it('finds a new LLDP neighbour of a known device, within the allowed subnets only', async () => {
    const inventory = createInventory([spine(), leaf2()]);
    const r = await discover('spine1', { inventory, policy });
    expect(r.proposals.map((p) => [p.device.name, p.device.vendor, p.device.host])).toEqual([
      ['leaf9', 'arista_eos', '127.0.3.9'],
    ]);
    expect(r.proposals[0]!.via).toBe('LLDP from spine1 Ethernet1/7 (Ethernet49)');
    // every LLDP neighbour becomes a link (known ones by their inventory name), for incident topology
    expect(r.links).toEqual(
      expect.arrayContaining([
        {
          device: 'spine1',
          interface: 'Ethernet1/8',
          neighbor: 'leaf2',
          neighborInterface: expect.any(String),
        },
        { device: 'spine1', interface: 'Ethernet1/7', neighbor: 'leaf9', neighborInterface: 'Ethernet49' },
      ]),
    );
    expect(r.skipped).toEqual(
      expect.arrayContaining([
        { what: 'leaf2 on spine1 Ethernet1/8', reason: 'already in the inventory' },
        { what: 'far1 on spine1 Ethernet1/6 (192.0.2.10)', reason: 'outside the allowed subnets' },
      ]),
    );
    const blocks = proposalBlocks(r, 'spine1') as { accessory?: { action_id: string; value: string } }[];
    const button = blocks.find((b) => b.accessory)!.accessory!;
    expect(button.action_id).toBe('discover.add');
    expect(JSON.parse(button.value)).toMatchObject({
      name: 'leaf9',
      vendor: 'arista_eos',
      snmp: { port, credential: 'disc' },
    });
  });

  it('sweeps a CIDR, skips known addresses, and refuses oversize or disallowed sweeps', async () => {
    const inventory = createInventory([spine(), leaf2()]);
    const r = await discover('127.0.3.0/28', { inventory, policy });
    expect(r.proposals.map((p) => p.device.name)).toEqual(['leaf9']);
    expect(r.probed).toBe(12); // 14 hosts minus the two known ones
    await expect(discover('127.0.0.0/16', { inventory, policy })).rejects.toMatchObject({
      code: 'NETOPS_BAD_ARGS',
    });
    await expect(discover('192.0.2.0/30', { inventory, policy })).rejects.toMatchObject({
      code: 'NETOPS_FORBIDDEN',
    });
    await expect(discover('nonsense', { inventory, policy })).rejects.toMatchObject({
      code: 'NETOPS_BAD_ARGS',
    });
  });

  describe('Add → netops.yaml → reconcile → polled', () => {
    let db: TestDb;
    let redis: Redis;
    let prefix: string;
    let dir: string;
    beforeAll(async () => {
      db = await freshDb('snmpdisc');
      redis = redisConnection();
      prefix = freshPrefix('disc');
      dir = await mkdtemp(join(tmpdir(), 'netops-disc-'));
    });
    afterAll(async () => {
      await dropPrefix(prefix);
      redis?.disconnect();
      await db?.drop();
      await rm(dir, { recursive: true, force: true });
    });

    it('appends the proposed device keeping comments, and the reconcile schedules its polls', async () => {
      const path = join(dir, 'netops.yaml');
      await writeFile(
        path,
        `# fleet inventory (edited by hand and by the bot)\nschedules:\n  poll: { every: 60s, mode: jobs }\ndevices:\n  # the spine\n  - name: spine1\n    vendor: cisco_nxos\n    host: 127.0.3.1\n    credential: lab\n    snmp: { credential: disc, port: ${port} }\n`,
      );
      const inventory = createInventory([spine()]);
      const r = await discover('spine1', {
        inventory,
        policy: { ...policy, allowedSubnets: ['127.0.3.9/32'] },
      });
      const device = r.proposals[0]!.device;
      await addDiscoveredDevice(path, device);
      const text = await readFile(path, 'utf8');
      expect(text).toContain('# fleet inventory (edited by hand and by the bot)');
      expect(text).toContain('# the spine');
      const parsed = parseFileConfig(text);
      expect(parsed.problems).toEqual([]);
      expect(parsed.config!.devices.map((d) => d.name)).toEqual(['spine1', 'leaf9']);
      expect(parsed.config!.devices[1]).toMatchObject({
        host: '127.0.3.9',
        vendor: 'arista_eos',
        tags: ['discovered'],
        snmp: { port, credential: 'disc' },
      });
      await expect(addDiscoveredDevice(path, device)).rejects.toMatchObject({ code: 'NETOPS_BAD_ARGS' });
      // the button path re-validates what came back through Slack
      await expect(
        addFromButtonValue(path, JSON.stringify({ ...device, name: 'x9', host: '10.9.9.9' }), policy),
      ).rejects.toMatchObject({ code: 'NETOPS_FORBIDDEN' });
      await expect(addFromButtonValue(path, '{"name":"x"}', policy)).rejects.toMatchObject({
        code: 'NETOPS_BAD_ARGS',
      });

      const scheduler = createScheduler({ connection: redis, prefix, jobs: [snmpPoll] });
      const reconciler = createReconciler({
        path,
        inventory,
        pool: db.pool,
        scheduler,
        maintenanceEveryMs: 0,
      });
      const rep = await reconciler.runOnce();
      expect(rep.devices.added).toEqual(['spine1', 'leaf9']);
      expect((await scheduler.list()).map((s) => s.id).sort()).toContain('poll:leaf9');
      await scheduler.close();

      // and the poll job's work stores samples for it
      const monitoring = createMonitoringService({
        pool: db.pool,
        credentials: createCredentialResolver({ env }),
      });
      const leaf9 = inventory.require('leaf9');
      expect((await monitoring.pollAndStore(leaf9)).reset).toBe('first-poll');
      await new Promise((res) => setTimeout(res, 1_100));
      const second = await monitoring.pollAndStore(leaf9);
      expect(second).toMatchObject({ status: 'ok', interfaces: 4, reset: null });
      monitoring.close();
      const n = await db.pool.query("SELECT count(*)::int AS n FROM samples WHERE device = 'leaf9'");
      expect(n.rows[0].n).toBe(4);
    });
  });
});
