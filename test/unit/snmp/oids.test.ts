import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareOids } from '../../../src/snmp/oids.js';

/** The obvious definition the fast comparison must agree with. */
function reference(a: string, b: string): number {
  const x = a.split('.').map(Number);
  const y = b.split('.').map(Number);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}

const oid = fc
  .array(fc.integer({ min: 0, max: 4_294_967_295 }), { minLength: 1, maxLength: 14 })
  .map((a) => a.join('.'));

describe('compareOids', () => {
  it('orders OIDs numerically arc by arc, a prefix first', () => {
    expect(Math.sign(compareOids('1.3.6.1.2.1.2.2.1.10.9', '1.3.6.1.2.1.2.2.1.10.10'))).toBe(-1);
    expect(Math.sign(compareOids('1.3.6.1', '1.3.6.1.2'))).toBe(-1);
    expect(Math.sign(compareOids('1.3.6.1.2', '1.3.6.1'))).toBe(1);
    expect(compareOids('1.3.6.1.2.1.31.1.1.1.6.48', '1.3.6.1.2.1.31.1.1.1.6.48')).toBe(0);
  });
  it('agrees in sign with splitting on dots', () => {
    fc.assert(
      fc.property(oid, oid, (a, b) => {
        expect(Math.sign(compareOids(a, b))).toBe(Math.sign(reference(a, b)));
        expect(Math.sign(compareOids(a, a))).toBe(0);
      }),
      { numRuns: 2000 },
    );
  });
});
