import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeTimes,
  decodeValues,
  encodeTimes,
  encodeValues,
  type ValueKind,
} from '../../../src/metrics/codec.js';
import { computeRates, type DeviceReading } from '../../../src/snmp/counters.js';

function same(a: ArrayLike<number>, b: ArrayLike<number | null>): void {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) {
    const want = b[i] ?? Number.NaN;
    // Object.is: bit-for-bit, -0 and NaN included
    if (!Object.is(a[i], want)) throw new Error(`value ${i}: got ${a[i]}, want ${want}`);
  }
}

const times = fc
  .tuple(
    fc.integer({ min: 1_600_000_000_000, max: 1_900_000_000_000 }),
    fc.array(fc.integer({ min: 1, max: 600_000 }), { minLength: 0, maxLength: 200 }),
    fc.boolean(),
  )
  .map(([t0, steps, micro]) => {
    const out = [t0 * 1000];
    for (const s of steps) out.push(out[out.length - 1]! + s * 1000 + (micro ? s % 997 : 0));
    return out;
  });

describe('sample codec', () => {
  it('gives back any timestamps exactly (ms and µs)', () => {
    fc.assert(
      fc.property(times, (ts) => {
        same(decodeTimes(encodeTimes(ts), ts.length), ts);
      }),
    );
  });

  it('gives back any doubles bit for bit, nulls as NaN, for every kind', () => {
    const value = fc.oneof(
      fc.double({ noNaN: false }),
      fc.constant(null),
      fc.constant(0),
      fc.integer({ min: -1e6, max: 1e6 }),
    );
    fc.assert(
      fc.property(
        times.chain((ts) =>
          fc.tuple(fc.constant(ts), fc.array(value, { minLength: ts.length, maxLength: ts.length })),
        ),
        fc.constantFrom<ValueKind>('bits', 'rate', 'int'),
        ([ts, vs], kind) => {
          const back = decodeValues(kind, encodeValues(kind, vs, ts), ts);
          same(
            back,
            vs.map((v) => (v === null || Number.isNaN(v) ? Number.NaN : v)),
          );
        },
      ),
    );
  });

  it('stores the poller’s own rates in a few bytes each, exactly', () => {
    // an hour of 1-minute polls of a 10G port with noisy traffic, through the real counter maths
    let octets = 123_456_789_000n;
    let pkts = 9_000_000n;
    let ts = 1_767_225_600_000;
    let prev: DeviceReading | undefined;
    const rows: ReturnType<typeof computeRates>['samples'] = [];
    let seed = 7;
    const rnd = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed / 2_147_483_648;
    };
    for (let i = 0; i < 61; i++) {
      const dt = 60_000 + Math.round((rnd() - 0.5) * 400);
      ts += dt;
      octets += BigInt(Math.round(((3e9 + rnd() * 5e8) * (dt / 1000)) / 8));
      pkts += BigInt(Math.round(4e5 * (dt / 1000) * (0.9 + rnd() * 0.2)));
      const cur: DeviceReading = {
        ts,
        uptimeCs: 1_000_000 + i * 6000,
        interfaces: [
          {
            ifIndex: 1,
            hc: true,
            speedBps: 10e9,
            counters: {
              inOctets: octets,
              outOctets: octets / 2n,
              inPkts: pkts,
              outPkts: pkts / 2n,
              inErrors: 0n,
              outErrors: 0n,
              inDiscards: BigInt(i >> 4),
              outDiscards: 5n,
            },
          },
        ],
      };
      if (prev) rows.push(...computeRates(prev, cur).samples);
      prev = cur;
    }
    const tsUs = rows.map((r) => r.ts.getTime() * 1000);
    let bytes = encodeTimes(tsUs).length;
    for (const [kind, key] of [
      ['bits', 'inBps'],
      ['bits', 'outBps'],
      ['rate', 'inPps'],
      ['rate', 'outPps'],
      ['rate', 'inErrors'],
      ['rate', 'outErrors'],
      ['rate', 'inDiscards'],
      ['rate', 'outDiscards'],
    ] as const) {
      const vs = rows.map((r) => r[key]);
      const enc = encodeValues(kind, vs, tsUs);
      same(decodeValues(kind, enc, tsUs), vs);
      bytes += enc.length;
      // traffic counts cost ~4 bytes; a value kept raw would cost 9
      expect(enc.length / vs.length, key).toBeLessThan(/Errors|Discards/.test(key) ? 0.5 : 5.5);
    }
    // the figure bench/metrics reports: bytes per value over all eight metrics
    expect(bytes / (rows.length * 8)).toBeLessThan(3);
  });
});
