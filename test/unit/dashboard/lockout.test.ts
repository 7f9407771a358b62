import { describe, expect, it } from 'vitest';
import { createLockout } from '../../../src/dashboard/lockout.js';

describe('dashboard failed-login lockout', () => {
  it('locks an address after max wrong guesses in the window, until the window ends', () => {
    const l = createLockout({ max: 3, windowMs: 60_000 });
    expect(l.failed('10.0.0.1', 0)).toBe(false);
    expect(l.failed('10.0.0.1', 1_000)).toBe(false);
    expect(l.blockedFor('10.0.0.1', 1_000)).toBe(0);
    expect(l.failed('10.0.0.1', 2_000)).toBe(true);
    expect(l.blockedFor('10.0.0.1', 2_000)).toBe(58_000);
    // another address is not affected
    expect(l.blockedFor('10.0.0.2', 2_000)).toBe(0);
    expect(l.blockedFor('10.0.0.1', 59_999)).toBe(1);
    expect(l.blockedFor('10.0.0.1', 60_000)).toBe(0);
    // a fresh window starts from nothing
    expect(l.failed('10.0.0.1', 60_001)).toBe(false);
    expect(l.blockedFor('10.0.0.1', 60_001)).toBe(0);
  });

  it('a right guess clears the count; guesses spread wider than the window never lock', () => {
    const l = createLockout({ max: 3, windowMs: 10_000 });
    l.failed('a', 0);
    l.failed('a', 1);
    l.succeeded('a');
    expect(l.failed('a', 2)).toBe(false);
    expect(l.failed('a', 3)).toBe(false);
    for (let t = 20_000; t < 200_000; t += 11_000) expect(l.failed('b', t)).toBe(false);
    expect(l.blockedFor('b', 200_000)).toBe(0);
  });

  it('stays bounded under a spray from many addresses', () => {
    const l = createLockout({ max: 2, windowMs: 60_000, maxAddresses: 100 });
    for (let i = 0; i < 10_000; i++) l.failed(`10.0.${i >> 8}.${i & 255}`, i);
    // the most recent addresses are still counted
    expect(l.failed('10.0.39.15', 10_001)).toBe(true);
    expect(l.blockedFor('10.0.39.15', 10_001)).toBeGreaterThan(0);
  });
});
