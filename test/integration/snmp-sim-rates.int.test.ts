import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCredentialResolver } from '../../src/credentials/index.js';
import type { Device, Vendor } from '../../src/config.js';
import { type SnmpLab, startSnmpLab } from '../../src/lab/snmp/agent.js';
import { avgOctetRate } from '../../src/lab/snmp/model.js';
import { type DeviceReading, WRAP32, WRAP64, computeRates } from '../../src/snmp/counters.js';
import { type PollResult, createPoller } from '../../src/snmp/poller.js';

// Mid-afternoon on a weekday: the busy part of the daily pattern, where wraps happen.
let now = Date.UTC(2026, 0, 6, 13, 0, 0);
const clock = () => now;
const env = { NETOPS_CRED_SIM_COMMUNITY: 'sim-ro' };

function dev(lab: SnmpLab, name: string, vendor: Vendor): Device {
  const ep = lab.endpoint(name);
  return {
    name,
    vendor,
    host: ep.host,
    port: 22,
    credential: 'x',
    tags: [],
    legacyAlgorithms: false,
    enabled: true,
    snmp: { version: '2c', port: ep.port, credential: 'sim', timeoutMs: 1_000, retries: 0 },
  };
}

describe('poller + counter maths against the simulated agents', () => {
  let lab: SnmpLab;
  const poller = createPoller({ credentials: createCredentialResolver({ env }), clock });
  beforeAll(async () => {
    lab = await startSnmpLab({
      seed: 42,
      clock,
      community: 'sim-ro',
      devices: [
        { name: 'wrap64', vendor: 'arista_eos', interfaces: 8, counterStart: 'near-wrap', rebootPerDay: 0 },
        { name: 'legacy32', vendor: 'cisco_iosxe', interfaces: 8, hc: false, rebootPerDay: 0 },
        { name: 'reboots', vendor: 'juniper_junos', interfaces: 6, rebootPerDay: 0 },
      ],
    });
  });
  afterAll(async () => {
    poller.close();
    await lab?.close();
  });

  /** Polls `name` every `stepMs` for `polls` rounds; checks every known rate against the model. */
  async function pollSeries(name: string, vendor: Vendor, stepMs: number, polls: number) {
    const d = dev(lab, name, vendor);
    const sim = lab.device(name);
    let prev: PollResult | undefined;
    let wraps = 0;
    let checked = 0;
    for (let k = 0; k < polls; k++) {
      const cur = (await poller.poll(d)) as PollResult;
      expect(cur.status).toBe('ok');
      if (prev) {
        const { samples, reset } = computeRates(prev, cur);
        expect(reset).toBeNull();
        for (const s of samples) {
          const spec = sim.model.interfaces[s.ifIndex - 1]!;
          const a = prev.interfaces.find((i) => i.ifIndex === s.ifIndex)!.counters.inOctets!;
          const b = cur.interfaces.find((i) => i.ifIndex === s.ifIndex)!.counters.inOctets!;
          if (b < a) wraps++;
          const expected = avgOctetRate(spec, 0, prev.ts, cur.ts) * 8;
          const wrap = cur.interfaces[0]!.hc ? WRAP64 : WRAP32;
          // one wrap per interval is resolvable; more is physically ambiguous and not asserted
          if ((expected / 8) * ((cur.ts - prev.ts) / 1000) < Number(wrap)) {
            expect(s.inBps).not.toBeNull();
            expect(Math.abs(s.inBps! - expected)).toBeLessThanOrEqual(Math.max(1, expected * 1e-6));
            expect(s.inBps!).toBeLessThanOrEqual(spec.speedBps);
            checked++;
          }
        }
      }
      prev = cur;
      now += stepMs;
    }
    return { wraps, checked, last: prev! };
  }

  it('computes exact rates across Counter64 wraps', async () => {
    const { wraps, checked } = await pollSeries('wrap64', 'arista_eos', 60_000, 6);
    expect(wraps).toBeGreaterThan(0);
    expect(checked).toBeGreaterThan(20);
  });

  it('falls back to 32-bit counters and computes exact rates across their wraps', async () => {
    const r = (await poller.poll(dev(lab, 'legacy32', 'cisco_iosxe'))) as PollResult;
    expect(r.interfaces.every((i) => !i.hc)).toBe(true);
    const { wraps, checked } = await pollSeries('legacy32', 'cisco_iosxe', 20_000, 12);
    expect(wraps).toBeGreaterThan(0);
    expect(checked).toBeGreaterThan(20);
  });

  it('resets the baseline on reboot and on cleared counters, then recovers', async () => {
    const d = dev(lab, 'reboots', 'juniper_junos');
    const a = (await poller.poll(d)) as PollResult;
    now += 60_000;
    lab.device('reboots').reboot(now - 20_000);
    const b = (await poller.poll(d)) as PollResult;
    expect(b.uptimeCs).toBe(2_000);
    const rb = computeRates(a, b);
    expect(rb.reset).toBe('reboot');
    expect(rb.samples.every((s) => s.inBps === null && s.outBps === null)).toBe(true);
    now += 60_000;
    const c = (await poller.poll(d)) as PollResult;
    const rc = computeRates(b, c);
    expect(rc.reset).toBeNull();
    const up = rc.samples.find((s) => lab.device('reboots').model.interfaces[s.ifIndex - 1]!.operUp)!;
    expect(up.inBps).toBeGreaterThan(0);
    now += 60_000;
    lab.device('reboots').clearCounters(up.ifIndex, now - 30_000);
    const e = (await poller.poll(d)) as PollResult;
    const re = computeRates(c, e);
    expect(re.reset).toBeNull();
    expect(re.resetInterfaces).toEqual([up.ifIndex]);
    expect(re.samples.find((s) => s.ifIndex === up.ifIndex)!.inBps).toBeNull();
    // a falling counter that a wrap cannot explain (cleared without a discontinuity time) is unknown, not a spike
    const fake: DeviceReading = { ...e, ts: e.ts + 60_000, uptimeCs: e.uptimeCs! + 6_000 };
    fake.interfaces = e.interfaces.map((i) => ({
      ...i,
      counters: { ...i.counters, inOctets: i.counters.inOctets! / 2n },
    }));
    const rf = computeRates(e, fake);
    let fell = 0;
    for (const s of rf.samples) {
      const before = e.interfaces.find((i) => i.ifIndex === s.ifIndex)!.counters.inOctets!;
      if (before / 2n < before) {
        fell++;
        expect(s.inBps).toBeNull();
      }
    }
    expect(fell).toBeGreaterThan(0);
  });
});
