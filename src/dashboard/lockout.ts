/**
 * Failed logins per client address: after `max` wrong credentials within `windowMs` the address is
 * refused (429, with Retry-After) until that window has passed, right credentials or not, so a
 * password cannot be guessed at the speed of HTTP. A request without credentials (a browser's
 * first request, before it asks) is not a failure. Kept in the bot's memory: each bot process
 * counts on its own, and a restart forgets (the limit slows guessing; it is not an audit trail).
 * Behind a reverse proxy every client has the proxy's address, so the proxy should limit too.
 */
export interface Lockout {
  /** Milliseconds until `address` may try again, or 0 when it may now. */
  blockedFor(address: string, now?: number): number;
  /** Records a wrong guess; true when this one locked the address. */
  failed(address: string, now?: number): boolean;
  /** A right guess clears the address's count. */
  succeeded(address: string): void;
}

interface Entry {
  since: number;
  count: number;
}

export function createLockout(options: { max: number; windowMs: number; maxAddresses?: number }): Lockout {
  const { max, windowMs } = options;
  const maxAddresses = options.maxAddresses ?? 10_000;
  const entries = new Map<string, Entry>();
  const live = (address: string, now: number): Entry | undefined => {
    const e = entries.get(address);
    if (e && now - e.since >= windowMs) {
      entries.delete(address);
      return undefined;
    }
    return e;
  };
  const prune = (now: number) => {
    for (const [a, e] of entries) if (now - e.since >= windowMs) entries.delete(a);
    // Still full (a spray from many addresses): forget the oldest windows first.
    for (const a of entries.keys()) {
      if (entries.size < maxAddresses) break;
      entries.delete(a);
    }
  };
  return {
    blockedFor(address, now = Date.now()) {
      const e = live(address, now);
      return e && e.count >= max ? e.since + windowMs - now : 0;
    },
    failed(address, now = Date.now()) {
      let e = live(address, now);
      if (!e) {
        if (entries.size >= maxAddresses) prune(now);
        e = { since: now, count: 0 };
        entries.set(address, e);
      }
      e.count++;
      return e.count === max;
    },
    succeeded(address) {
      entries.delete(address);
    },
  };
}
