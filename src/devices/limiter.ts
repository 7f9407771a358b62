import { ErrorCode, NetopsError } from '../errors.js';

/** A FIFO counting semaphore. `acquire` resolves to a release function (idempotent). */
export class Semaphore {
  private active = 0;
  private waiting: Array<() => void> = [];

  constructor(readonly limit: number) {}

  get inUse(): number {
    return this.active;
  }

  acquire(signal?: AbortSignal): Promise<() => void> {
    const grant = (): (() => void) => {
      this.active++;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        this.active--;
        this.waiting.shift()?.();
      };
    };
    const gaveUp = () => new NetopsError(ErrorCode.DEVICE_TIMEOUT, 'gave up waiting for a free SSH slot');
    // An already-aborted signal never fires 'abort' again: without this check the waiter would sit
    // in the queue and later take a slot nobody releases.
    if (signal?.aborted) return Promise.reject(gaveUp());
    if (this.active < this.limit) return Promise.resolve(grant());
    return new Promise((resolve, reject) => {
      const wake = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve(grant());
      };
      const onAbort = () => {
        this.waiting = this.waiting.filter((w) => w !== wake);
        reject(gaveUp());
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(wake);
    });
  }
}
