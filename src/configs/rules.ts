import { getVendor } from '../devices/index.js';
import type { ConfigRules, SecretBlockRule } from './normalise.js';

/**
 * A vendor's config rules (volatile lines, secrets, comment and block style) live in its vendor
 * file (src/devices/vendors/<vendor>.ts). configs/ adds only what holds for every vendor.
 */

/** PEM private keys can appear in any vendor's config (certificates, SSH host keys on Linux/FRR). */
const PEM: SecretBlockRule = {
  begin: /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/,
  end: /-----END [A-Z0-9 ]*PRIVATE KEY-----/,
};

const EVERY_VENDOR: ConfigRules = {
  volatile: [],
  secrets: [],
  secretBlocks: [PEM],
  comment: '!',
  blocks: 'indent',
};

/** Union of two rule sets: every volatile pattern and secret rule from both sides applies. */
export function mergeRules(base: ConfigRules, extra?: Partial<ConfigRules>): ConfigRules {
  if (!extra) return base;
  const uniq = <T extends { source: string; flags: string }>(xs: T[]) => {
    const seen = new Set<string>();
    return xs.filter((x) => {
      const k = `${x.source}/${x.flags}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
  };
  const secrets = [...base.secrets, ...(extra.secrets ?? [])];
  const seenSecret = new Set<string>();
  return {
    volatile: uniq([...base.volatile, ...(extra.volatile ?? [])]),
    secrets: secrets.filter((r) => {
      const k = `${r.pattern.source}/${r.pattern.flags}/${r.group ?? 1}`;
      if (seenSecret.has(k)) return false;
      seenSecret.add(k);
      return true;
    }),
    secretBlocks: [...(base.secretBlocks ?? []), ...(extra.secretBlocks ?? [])],
    comment: extra.comment ?? base.comment,
    blocks: extra.blocks ?? base.blocks,
  };
}

const merged = new WeakMap<object, ConfigRules>();

/** Rules for a vendor: its vendor file's `configRules` plus what holds for every vendor (cached). */
export function rulesFor(vendor: string): ConfigRules {
  const def = getVendor(vendor);
  let r = merged.get(def);
  if (!r) {
    r = mergeRules(EVERY_VENDOR, def.configRules);
    merged.set(def, r);
  }
  return r;
}
