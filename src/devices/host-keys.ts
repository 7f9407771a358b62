import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { HostKeyStore } from './service.js';

/**
 * Trust-on-first-use host keys kept in a small JSON file (`{ "<device>": "SHA256:…" }`), so a worker
 * restart still refuses a changed key. Writes go through a temp file and a rename: a crash mid-write
 * leaves the old file whole. A pinned `hostKey` in the inventory always wins over this store.
 */
export function fileHostKeyStore(path: string): HostKeyStore {
  let keys: Record<string, string> = {};
  try {
    const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
    if (parsed && typeof parsed === 'object') keys = parsed as Record<string, string>;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  return {
    get: (device) => keys[device],
    set(device, fingerprint) {
      if (keys[device] === fingerprint) return;
      keys = { ...keys, [device]: fingerprint };
      mkdirSync(dirname(path), { recursive: true });
      const tmp = `${path}.${process.pid}.tmp`;
      writeFileSync(tmp, `${JSON.stringify(keys, null, 1)}\n`, { mode: 0o644 });
      renameSync(tmp, path);
    },
  };
}
