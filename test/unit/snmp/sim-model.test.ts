import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TAG, Writer, decodeOid, encodeOidBody } from '../../../src/lab/snmp/ber.js';
import {
  avgOctetRate,
  buildDeviceModel,
  integrate,
  rebootsBetween,
  simInterfaces,
  utilAtKnot,
} from '../../../src/lab/snmp/model.js';

describe('simulated traffic model', () => {
  it('names interfaces the way each vendor CLI does', () => {
    expect(simInterfaces('cisco_iosxe', 2)).toEqual(['GigabitEthernet1/0/1', 'GigabitEthernet1/0/2']);
    expect(simInterfaces('cisco_nxos', 1)).toEqual(['Ethernet1/1']);
    expect(simInterfaces('arista_eos', 2)).toEqual(['Ethernet1', 'Ethernet2']);
    expect(simInterfaces('juniper_junos', 2)).toEqual(['ge-0/0/0', 'ge-0/0/1']);
    expect(simInterfaces('frr', 2)).toEqual(['eth0', 'eth1']);
  });

  it('is deterministic from the seed and differs between seeds', () => {
    const a = buildDeviceModel(7, 'sw1', 'arista_eos', 48);
    const b = buildDeviceModel(7, 'sw1', 'arista_eos', 48);
    const c = buildDeviceModel(8, 'sw1', 'arista_eos', 48);
    const t = Date.UTC(2026, 0, 6, 12) / 60_000;
    const series = (m: typeof a) => m.interfaces.map((i) => utilAtKnot(i, t, 0));
    expect(series(a)).toEqual(series(b));
    expect(series(a)).not.toEqual(series(c));
  });

  it('stays within port speed and follows the day (afternoon busier than night)', () => {
    const m = buildDeviceModel(1, 'core', 'cisco_nxos', 48);
    const day = Date.UTC(2026, 0, 6);
    let night = 0;
    let noon = 0;
    for (const i of m.interfaces) {
      night += avgOctetRate(i, 0, day + 3 * 3_600_000, day + 4 * 3_600_000);
      noon += avgOctetRate(i, 0, day + 14 * 3_600_000, day + 15 * 3_600_000);
      for (let k = 0; k < 1440; k += 7) expect(utilAtKnot(i, day / 60_000 + k, 1)).toBeLessThanOrEqual(0.97);
    }
    expect(noon).toBeGreaterThan(2 * night);
  });

  it('integrates additively over any split of an interval', () => {
    const i = buildDeviceModel(3, 'x', 'frr', 4).interfaces[3]!;
    const f = (k: number) => utilAtKnot(i, k, 0) * 1e9;
    const base = Date.UTC(2026, 0, 6);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 86_400_000 }),
        fc.integer({ min: 0, max: 3_600_000 }),
        fc.integer({ min: 0, max: 3_600_000 }),
        (a, x, y) => {
          const t0 = base + a;
          const whole = integrate(f, t0, t0 + x + y);
          const parts = integrate(f, t0, t0 + x) + integrate(f, t0 + x, t0 + x + y);
          expect(Math.abs(whole - parts)).toBeLessThanOrEqual(Math.max(1e-6, whole * 1e-12));
        },
      ),
    );
  });

  it('reboots on a few days out of a hundred at the configured probability', () => {
    const m = buildDeviceModel(5, 'r', 'juniper_junos', 4, 0.1);
    const n = rebootsBetween(m, 0, 1000 * 86_400_000).length;
    expect(n).toBeGreaterThan(50);
    expect(n).toBeLessThan(160);
  });
});

describe('BER', () => {
  it('round-trips OIDs', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 2 ** 31 - 1 }), { minLength: 1, maxLength: 20 }),
        (rest) => {
          const oid = [1, 3, ...rest];
          const body = encodeOidBody(oid);
          expect(decodeOid(body, 0, body.length)).toEqual(oid);
        },
      ),
    );
  });
  it('encodes unsigned counters with a leading zero when the top bit is set', () => {
    const w = new Writer(64);
    w.int(TAG.COUNTER32, 0xffffffff);
    expect([...w.buf.subarray(0, w.pos)]).toEqual([0x41, 5, 0, 0xff, 0xff, 0xff, 0xff]);
    w.reset();
    w.big(TAG.COUNTER64, (1n << 64n) - 1n);
    expect(w.pos).toBe(11);
    w.reset();
    w.int(TAG.INTEGER, -2);
    expect([...w.buf.subarray(0, w.pos)]).toEqual([0x02, 1, 0xfe]);
  });
});

describe('fleetSnmpSpecs', () => {
  it('mirrors CLI fleet facts: interface count, link state, LLDP with lab addresses', async () => {
    const { fleetSnmpSpecs } = await import('../../../src/lab/snmp/agent.js');
    const specs = fleetSnmpSpecs(
      [
        {
          name: 'sw1',
          vendor: 'cisco_iosxe',
          interfaceCount: 24,
          lldp: [
            { local: 1, remoteName: 'core1', remotePort: 'Ethernet3' },
            { local: 2, remoteName: 'elsewhere', remotePort: 'x' },
          ],
        },
        { name: 'core1', vendor: 'arista_eos', interfaceCount: 48 },
      ],
      { hostFor: (n) => ({ sw1: '127.0.5.1', core1: '127.0.5.2' })[n], linkUp: (_d, i) => !i.endsWith('/3') },
    );
    expect(specs[0]).toMatchObject({ name: 'sw1', interfaces: 24, host: '127.0.5.1' });
    expect(specs[0]!.neighbours).toEqual([
      { localIfIndex: 1, sysName: 'core1', portId: 'Ethernet3', manAddr: '127.0.5.2' },
      { localIfIndex: 2, sysName: 'elsewhere', portId: 'x', manAddr: '192.0.2.1' },
    ]);
    const m = buildDeviceModel(1, 'sw1', 'cisco_iosxe', 24, 0, specs[0]!.linkUp);
    expect(m.interfaces[2]!.operUp).toBe(false);
  });
});
