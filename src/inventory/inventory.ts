import { EventEmitter } from 'node:events';
import type { Device } from '../config.js';
import { ErrorCode, NetopsError } from '../errors.js';
import { compileGlob, isGlob } from '../text/index.js';

export interface DeviceFilter {
  /** Name or glob (`core*`); also matches site/role/tag when given as `site:x`, `role:y`, `tag:z`. */
  pattern?: string;
  site?: string;
  role?: string;
  tag?: string;
  vendor?: string;
}

export interface InventoryDiff {
  added: Device[];
  removed: Device[];
  changed: Device[];
}

export interface Inventory {
  list(): readonly Device[];
  get(name: string): Device | undefined;
  /** A device by name, or NETOPS_UNKNOWN_DEVICE with the closest names as a hint. */
  require(name: string): Device;
  match(filter: DeviceFilter): Device[];
  /** Devices named by a word a user typed: a name, a glob, or `all`. Throws when nothing matches. */
  resolve(target: string): Device[];
  /** Replaces the device list; emits 'change' with the diff when anything differs. */
  replace(devices: readonly Device[]): InventoryDiff;
  on(event: 'change', listener: (diff: InventoryDiff) => void): void;
  off(event: 'change', listener: (diff: InventoryDiff) => void): void;
}

export function levenshtein(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length]!;
}

/** The closest candidates to a mistyped word, best first (at most `limit`). */
export function closest(word: string, candidates: readonly string[], limit = 3): string[] {
  const w = word.toLowerCase();
  return candidates
    .map((c) => ({ c, d: c.toLowerCase().startsWith(w) ? 0 : levenshtein(w, c.toLowerCase()) }))
    .filter((x) => x.d <= Math.max(2, Math.floor(word.length / 2)))
    .sort((a, b) => a.d - b.d || a.c.localeCompare(b.c))
    .slice(0, limit)
    .map((x) => x.c);
}

function same(a: Device, b: Device): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export function createInventory(initial: readonly Device[] = []): Inventory {
  const events = new EventEmitter();
  let byName = new Map<string, Device>();
  for (const d of initial) byName.set(d.name, d);

  const inv: Inventory = {
    list: () => [...byName.values()],
    get: (name) =>
      byName.get(name) ?? [...byName.values()].find((d) => d.name.toLowerCase() === name.toLowerCase()),
    require(name) {
      const d = inv.get(name);
      if (d) return d;
      const near = closest(name, [...byName.keys()]);
      throw new NetopsError(ErrorCode.UNKNOWN_DEVICE, `unknown device ${name}`, {
        context: { device: name },
        userMessage: `There is no device called \`${name}\` in the inventory.`,
        hint: near.length
          ? `Did you mean ${near.map((n) => `\`${n}\``).join(', ')}?`
          : 'Run `devices` to list them.',
      });
    },
    match(filter) {
      let pattern = filter.pattern;
      const f = { ...filter };
      const m = pattern ? /^(site|role|tag|vendor):(.+)$/.exec(pattern) : null;
      if (m) {
        f[m[1] as 'site'] = m[2]!;
        pattern = undefined;
      }
      const re = pattern ? compileGlob(isGlob(pattern) ? pattern : `*${pattern}*`) : undefined;
      return inv
        .list()
        .filter(
          (d) =>
            (!re || re.test(d.name)) &&
            (!f.site || d.site?.toLowerCase() === f.site.toLowerCase()) &&
            (!f.role || d.role?.toLowerCase() === f.role.toLowerCase()) &&
            (!f.vendor || d.vendor === f.vendor) &&
            (!f.tag || d.tags.some((t) => t.toLowerCase() === f.tag!.toLowerCase())),
        )
        .sort((a, b) => a.name.localeCompare(b.name));
    },
    resolve(target) {
      if (target === 'all') return inv.list().filter((d) => d.enabled);
      if (!isGlob(target) && !/^(site|role|tag|vendor):/.test(target)) return [inv.require(target)];
      const glob = isGlob(target) ? compileGlob(target) : undefined;
      const found = glob ? inv.list().filter((d) => glob.test(d.name)) : inv.match({ pattern: target });
      if (!found.length) {
        throw new NetopsError(ErrorCode.UNKNOWN_DEVICE, `no device matches ${target}`, {
          userMessage: `No device matches \`${target}\`.`,
          hint: 'Run `devices` to list the inventory.',
        });
      }
      return found.sort((a, b) => a.name.localeCompare(b.name));
    },
    replace(devices) {
      const next = new Map(devices.map((d) => [d.name, d] as const));
      const diff: InventoryDiff = { added: [], removed: [], changed: [] };
      for (const [name, d] of next) {
        const old = byName.get(name);
        if (!old) diff.added.push(d);
        else if (!same(old, d)) diff.changed.push(d);
      }
      for (const [name, d] of byName) if (!next.has(name)) diff.removed.push(d);
      byName = next;
      if (diff.added.length || diff.removed.length || diff.changed.length) events.emit('change', diff);
      return diff;
    },
    on: (event, l) => void events.on(event, l),
    off: (event, l) => void events.off(event, l),
  };
  return inv;
}
