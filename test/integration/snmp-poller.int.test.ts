import { createSocket } from 'node:dgram';
import { createCredentialResolver } from '../../src/credentials/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Device } from '../../src/config.js';
import { type RunningSnmpd, startSnmpd } from '../../src/lab/snmp/snmpd.js';
import { computeRates } from '../../src/snmp/counters.js';
import { type PollResult, createPoller } from '../../src/snmp/poller.js';

const env = {
  NETOPS_CRED_LAB_RO_COMMUNITY: 'lab-community-7',
  NETOPS_CRED_LAB_V3_USERNAME: 'netops',
  NETOPS_CRED_LAB_V3_AUTH_PROTOCOL: 'sha',
  NETOPS_CRED_LAB_V3_AUTH_KEY: 'authpass-123',
  NETOPS_CRED_LAB_V3_PRIV_PROTOCOL: 'aes',
  NETOPS_CRED_LAB_V3_PRIV_KEY: 'privpass-456',
};

function device(agent: RunningSnmpd, snmp: Partial<NonNullable<Device['snmp']>> = {}): Device {
  return {
    name: 'linux1',
    vendor: 'linux',
    host: agent.host,
    port: 22,
    credential: 'ssh',
    tags: [],
    legacyAlgorithms: false,
    enabled: true,
    snmp: { version: '2c', port: agent.port, credential: 'lab-ro', timeoutMs: 1_000, retries: 1, ...snmp },
  };
}

describe('poller against Debian snmpd', () => {
  let agent: RunningSnmpd;
  beforeAll(async () => {
    agent = await startSnmpd({
      community: 'lab-community-7',
      v3: { user: 'netops', authKey: 'authpass-123', privKey: 'privpass-456' },
    });
  });
  afterAll(async () => {
    await agent?.stop();
  });

  it('polls interfaces, uptime, CPU and memory over v2c with 64-bit counters', async () => {
    const poller = createPoller({ credentials: createCredentialResolver({ env }) });
    try {
      const r = (await poller.poll(device(agent))) as PollResult;
      expect(r.status).toBe('ok');
      const lo = r.interfaces.find((i) => i.name === 'lo');
      expect(lo).toBeDefined();
      expect(lo!.hc).toBe(true);
      expect(typeof lo!.counters.inOctets).toBe('bigint');
      expect(lo!.operStatus).toBe('up');
      expect(r.uptimeCs).toBeGreaterThan(0);
      // a container's snmpd may have no hrProcessorLoad rows and ssCpuIdle needs a minute of history
      if (r.cpuPct !== undefined) expect(r.cpuPct).toBeGreaterThanOrEqual(0);
      expect(r.memPct).toBeGreaterThan(0);
      expect(r.memPct).toBeLessThan(100);
      // push 1 MB through lo, then wait out snmpd's interface cache (a few seconds)
      const sock = createSocket('udp4');
      await new Promise<void>((res) => sock.bind(0, '127.0.0.1', res));
      const chunk = Buffer.alloc(8_000);
      for (let i = 0; i < 128; i++)
        await new Promise<void>((res) => sock.send(chunk, sock.address().port, '127.0.0.1', () => res()));
      sock.close();
      await new Promise((res) => setTimeout(res, 5_500));
      const r2 = (await poller.poll(device(agent))) as PollResult;
      const lo2 = r2.interfaces.find((i) => i.ifIndex === lo!.ifIndex)!;
      expect(lo2.counters.inOctets! - lo!.counters.inOctets!).toBeGreaterThanOrEqual(1_024_000n);
      const { samples, reset } = computeRates(r, r2);
      expect(reset).toBeNull();
      const s = samples.find((x) => x.ifIndex === lo!.ifIndex)!;
      // lo claims 10 Mb/s: whatever else crossed it, the rate is either known and within speed, or unknown
      if (s.inBps !== null) {
        expect(s.inBps).toBeGreaterThan(0);
        expect(s.inBps).toBeLessThanOrEqual(lo!.speedBps!);
      }
    } finally {
      poller.close();
    }
  });

  it('polls over v3 authPriv with the credential resolved from env', async () => {
    const poller = createPoller({ credentials: createCredentialResolver({ env }) });
    try {
      const r = (await poller.poll(device(agent, { version: '3', credential: 'lab-v3' }))) as PollResult;
      expect(r.status).toBe('ok');
      expect(r.interfaces.length).toBeGreaterThan(0);
    } finally {
      poller.close();
    }
  });

  it('fails with a timeout naming the device (wrong community) and never shows the secret', async () => {
    const poller = createPoller({
      credentials: createCredentialResolver({ env: { NETOPS_CRED_WRONG_COMMUNITY: 'not-the-one-xyz' } }),
    });
    try {
      const err = await poller
        .poll(device(agent, { credential: 'wrong', timeoutMs: 200, retries: 0 }))
        .catch((e) => e);
      expect(err.code).toBe('NETOPS_SNMP_TIMEOUT');
      expect(err.toUserText()).toContain('linux1');
      expect(JSON.stringify({ m: err.message, u: err.toUserText(), c: err.context })).not.toContain(
        'not-the-one-xyz',
      );
    } finally {
      poller.close();
    }
  });

  it('skips a device without snmp settings, and names missing credentials', async () => {
    const poller = createPoller({ credentials: createCredentialResolver({ env: {} }) });
    const d = device(agent);
    const { snmp: _omit, ...bare } = d;
    expect(await poller.poll(bare as Device)).toEqual({
      status: 'skipped',
      device: 'linux1',
      reason: 'no snmp settings in the inventory',
    });
    const err = await poller.poll(d).catch((e) => e);
    expect(err.code).toBe('NETOPS_CREDENTIAL_MISSING');
    expect(err.hint).toContain('NETOPS_CRED_LAB_RO_COMMUNITY');
    poller.close();
  });

  it('reports a poll that overruns its interval', async () => {
    const poller = createPoller({ credentials: createCredentialResolver({ env }) });
    const r = (await poller.poll(device(agent), { intervalMs: 1 })) as PollResult;
    poller.close();
    // a full walk of snmpd takes more than 1 ms
    expect(r.overrun?.intervalMs).toBe(1);
  });
});
