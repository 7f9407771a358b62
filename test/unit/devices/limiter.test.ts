import { describe, expect, it } from 'vitest';
import { Semaphore } from '../../../src/devices/limiter.js';
import { ErrorCode, NetopsError } from '../../../src/errors.js';

describe('Semaphore', () => {
  it('never lets more than the limit in, and serves waiters in order', async () => {
    const s = new Semaphore(2);
    let inside = 0;
    let most = 0;
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 8 }, async (_, i) => {
        const release = await s.acquire();
        order.push(i);
        inside++;
        most = Math.max(most, inside);
        await new Promise((r) => setTimeout(r, 5));
        inside--;
        release();
        release(); // idempotent
      }),
    );
    expect(most).toBe(2);
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(s.inUse).toBe(0);
  });

  it('gives up waiting when the signal aborts', async () => {
    const s = new Semaphore(1);
    const held = await s.acquire();
    const ac = new AbortController();
    const waiting = s.acquire(ac.signal);
    ac.abort();
    const err = (await waiting.catch((e: unknown) => e)) as NetopsError;
    expect(err).toBeInstanceOf(NetopsError);
    expect(err.code).toBe(ErrorCode.DEVICE_TIMEOUT);
    held();
    const again = await s.acquire();
    expect(s.inUse).toBe(1);
    again();
  });
});

describe('regression: a waiter whose signal was already aborted still took a slot later', () => {
  it('is refused at once and never takes a slot', async () => {
    const s = new Semaphore(1);
    const held = await s.acquire();
    const ac = new AbortController();
    ac.abort();
    const err = (await s.acquire(ac.signal).catch((e: unknown) => e)) as NetopsError;
    expect(err.code).toBe(ErrorCode.DEVICE_TIMEOUT);
    held();
    expect(s.inUse).toBe(0);
    // the next waiter gets the slot; nobody is left holding one
    const next = await s.acquire();
    expect(s.inUse).toBe(1);
    next();
    expect(s.inUse).toBe(0);
  });

  it('is refused even when a slot is free', async () => {
    const s = new Semaphore(2);
    const ac = new AbortController();
    ac.abort();
    await expect(s.acquire(ac.signal)).rejects.toMatchObject({ code: ErrorCode.DEVICE_TIMEOUT });
    expect(s.inUse).toBe(0);
  });
});
