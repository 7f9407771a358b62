import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type CounterWidth,
  type DeviceReading,
  WRAP32,
  WRAP64,
  computeRates,
  counterRate,
  deviceReset,
  parseReading,
  serialiseReading,
  toCounter,
} from '../../../src/snmp/counters.js';

const u64 = fc.bigInt({ min: 0n, max: WRAP64 - 1n });
const width = fc.constantFrom<CounterWidth>(32, 64);

function be(n: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(n);
  return b;
}

describe('toCounter', () => {
  it('reads a Counter64 buffer of any length as an unsigned big-endian BigInt', () => {
    fc.assert(
      fc.property(u64, (n) => {
        expect(toCounter(be(n))).toBe(n);
        // agents may send the minimal encoding; net-snmp passes the raw bytes through
        const hex = n.toString(16);
        const minimal = Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex');
        expect(toCounter(minimal)).toBe(n);
      }),
    );
  });
  it('takes Counter32 numbers and rejects junk', () => {
    expect(toCounter(4294967295)).toBe(4294967295n);
    expect(toCounter(-1)).toBeUndefined();
    expect(toCounter(1.5)).toBeUndefined();
    expect(toCounter(null)).toBeUndefined();
    expect(toCounter('12')).toBeUndefined();
  });
});

describe('counterRate', () => {
  it('recovers the true rate across wraps whenever it fits the port speed', () => {
    fc.assert(
      fc.property(
        width,
        u64,
        fc.integer({ min: 1, max: 3600 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer({ min: 1, max: 400 }),
        (w, p, dt, frac, gbps) => {
          const wrap = w === 32 ? WRAP32 : WRAP64;
          const prev = p % wrap;
          const maxPerSec = (gbps * 1e9) / 8;
          // a true delta that fits both the port and one wrap of the counter
          const maxDelta = BigInt(Math.floor(maxPerSec * dt));
          const cap = maxDelta < wrap - 1n ? maxDelta : wrap - 1n;
          const delta = BigInt(Math.floor(Number(cap) * frac));
          const cur = (prev + delta) % wrap;
          const r = counterRate(prev, cur, w, dt, { maxPerSec, tolerance: 0 });
          expect(r).not.toBeNull();
          expect(r!).toBeCloseTo(Number(delta) / dt, 3);
        },
      ),
    );
  });

  it('never exceeds the port speed', () => {
    fc.assert(
      fc.property(
        width,
        u64,
        u64,
        fc.integer({ min: 1, max: 600 }),
        fc.integer({ min: 1, max: 100_000 }),
        (w, a, b, dt, mbps) => {
          const wrap = w === 32 ? WRAP32 : WRAP64;
          const maxPerSec = (mbps * 1e6) / 8;
          const r = counterRate(a % wrap, b % wrap, w, dt, { maxPerSec });
          if (r !== null) expect(r).toBeLessThanOrEqual(maxPerSec);
        },
      ),
    );
  });

  it('calls a decrease unknown when the implied wrap would be faster than the port', () => {
    // 64-bit counter falls from 10^12 to 5: a wrap would mean ~2^64 bytes in 60 s
    expect(counterRate(1_000_000_000_000n, 5n, 64, 60, { maxPerSec: 1.25e9 })).toBeNull();
    // 32-bit on 1 Gb/s: 2^32 − 1000 → 10^6 in 60 s is ~16.7 kB/s after the wrap: fine
    expect(counterRate(WRAP32 - 1000n, 1_000_000n, 32, 60, { maxPerSec: 1.25e8 })).toBeCloseTo(
      1_001_000 / 60,
      6,
    );
    // 32-bit on 10 Mb/s: a wrap needs 4 GB in 60 s: that is a reset, not a wrap
    expect(counterRate(3_000_000_000n, 1_000n, 32, 60, { maxPerSec: 1.25e6 })).toBeNull();
    // unknown speed: no guessing
    expect(counterRate(10n, 5n, 32, 60, {})).toBeNull();
  });

  it('treats a huge increase (a silent reset, or garbage) as unknown, and a small overshoot as line rate', () => {
    expect(counterRate(0n, 10n ** 12n, 64, 60, { maxPerSec: 1.25e8 })).toBeNull();
    expect(counterRate(0n, 7_800_000_000n, 64, 60, { maxPerSec: 1.25e8 })).toBe(1.25e8);
  });
});

function reading(
  ts: number,
  uptimeCs: number,
  octets: bigint,
  extra: Partial<DeviceReading['interfaces'][0]> = {},
): DeviceReading {
  return {
    ts,
    uptimeCs,
    interfaces: [
      {
        ifIndex: 1,
        speedBps: 1e9,
        hc: true,
        discontinuity: 0,
        counters: { inOctets: octets, outOctets: octets, inErrors: 0n },
        ...extra,
      },
    ],
  };
}

describe('computeRates', () => {
  it('computes bits per second from octets', () => {
    const a = reading(0, 100_000, 1_000n);
    const b = reading(60_000, 106_000, 1_000n + 7_500_000n);
    const { samples, reset } = computeRates(a, b);
    expect(reset).toBeNull();
    expect(samples[0]!.inBps).toBeCloseTo(1_000_000, 6);
    expect(samples[0]!.inErrors).toBe(0);
    expect(samples[0]!.inPps).toBeNull(); // not polled
  });

  it('resets the baseline on reboot (uptime going back, or shorter than the interval)', () => {
    const a = reading(0, 100_000, 5_000_000n);
    expect(computeRates(a, reading(60_000, 3_000, 10n)).reset).toBe('reboot');
    expect(computeRates(a, reading(60_000, 3_000, 10n)).samples[0]!.inBps).toBeNull();
    // rebooted 10 minutes ago although the last poll was an hour ago, uptime looks "bigger"
    const b = reading(3_600_000, 200_000, 10n);
    expect(deviceReset(reading(0, 100_000, 1n), b)).toBe('reboot');
    expect(computeRates(undefined, a).reset).toBe('first-poll');
    // a baseline from before a long outage is not averaged over
    const late = reading(3 * 3_600_000, 100_000 + 3 * 360_000, 9_000_000n);
    expect(computeRates(a, late).reset).toBeNull();
    expect(computeRates(a, late, { maxGapMs: 900_000 }).reset).toBe('stale');
  });

  it('resets one interface when its discontinuity time changes', () => {
    const a = reading(0, 100_000, 5_000_000n);
    const b = reading(60_000, 106_000, 10n, { discontinuity: 105_000 });
    const r = computeRates(a, b);
    expect(r.reset).toBeNull();
    expect(r.resetInterfaces).toEqual([1]);
    expect(r.samples[0]!.inBps).toBeNull();
  });

  it('writes the same JSON the replacer-based form wrote (stored baselines stay readable)', () => {
    const old = (r: DeviceReading) => JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v));
    const counters = fc.dictionary(
      fc.constantFrom('inOctets', 'outOctets', 'inPkts', 'outPkts', 'inErrors', 'outErrors'),
      u64,
    );
    const iface = fc.record(
      {
        ifIndex: fc.integer({ min: 1, max: 1_000_000 }),
        speedBps: fc.oneof(fc.constant(1e10), fc.integer({ min: 0, max: 4_294_967_295 })),
        discontinuity: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
        hc: fc.boolean(),
        counters,
      },
      { requiredKeys: ['ifIndex', 'hc', 'counters'] },
    );
    fc.assert(
      fc.property(
        fc.record(
          {
            ts: fc.integer({ min: 0, max: 2 ** 45 }),
            uptimeCs: fc.nat(),
            interfaces: fc.array(iface, { maxLength: 5 }),
          },
          { requiredKeys: ['ts', 'interfaces'] },
        ),
        (r) => {
          const reading = r as DeviceReading;
          expect(serialiseReading(reading)).toBe(old(reading));
          expect(parseReading(serialiseReading(reading))).toEqual(reading);
        },
      ),
    );
  });

  it('reads Counter64 buffers of every length as the big-endian number they hold', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 9 }), (bytes) => {
        let want = 0n;
        for (const b of bytes) want = (want << 8n) | BigInt(b);
        expect(toCounter(Buffer.from(bytes))).toBe(want);
      }),
    );
  });

  it('round-trips a reading through its JSON form', () => {
    fc.assert(
      fc.property(u64, fc.integer({ min: 0, max: 2 ** 32 - 1 }), (n, up) => {
        const r = reading(1_700_000_000_000, up, n);
        expect(parseReading(serialiseReading(r))).toEqual(r);
      }),
    );
  });
});
