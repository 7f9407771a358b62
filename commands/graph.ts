import { z } from 'zod';
import { isValidTimeZone } from '../src/charts/index.js';
import { ErrorCode, NetopsError } from '../src/errors.js';
import { isGlob } from '../src/inventory/index.js';
import { defineCommand } from '../src/registry/index.js';

// `--compare` sits after the interface in the usage because it compares against that interface.
const USAGE =
  'graph <device|glob> [interface|glob [--compare <device:if>]] [range] [--metric util|errors|discards]';
const RANGE = /^(\d+)(m|h|d|w)$/i;
const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 } as const;
export const MIN_RANGE_MS = 5 * 60_000;
export const MAX_RANGE_MS = 365 * 86_400_000;
const DEFAULT_RANGE_MS = 86_400_000;

function bad(message: string, hint = `Usage: \`${USAGE}\``): NetopsError {
  return new NetopsError(ErrorCode.BAD_ARGS, `graph: ${message}`, { userMessage: message, hint });
}

/** "24h" → ms, with the limits a chart makes sense for. */
export function parseRange(text: string): number {
  const m = RANGE.exec(text);
  if (!m) throw bad(`\`${text}\` is not a time range.`, 'Use e.g. `1h`, `24h`, `7d` or `30d`.');
  const ms = Number(m[1]) * UNIT_MS[m[2]!.toLowerCase() as keyof typeof UNIT_MS];
  if (ms < MIN_RANGE_MS) throw bad(`\`${text}\` is too short to chart.`, 'Use at least `5m`.');
  if (ms > MAX_RANGE_MS)
    throw bad(`\`${text}\` is longer than the year of data kept.`, 'Use at most `365d`.');
  return ms;
}

/** "core2:Ethernet1/1" → target; the interface part may itself contain ':' (e.g. "ge-0/0/0:1"). */
export function parseTarget(text: string): { device: string; iface: string } {
  const i = text.indexOf(':');
  if (i <= 0 || i === text.length - 1) {
    throw bad(`\`${text}\` is not a \`device:interface\` pair.`, 'Example: `--compare core2:Ethernet1/1`.');
  }
  return { device: text.slice(0, i), iface: text.slice(i + 1) };
}

export default defineCommand({
  name: 'graph',
  aliases: ['chart'],
  summary:
    'Chart an interface (or compare several) from stored samples: traffic, errors, discards; top-N without an interface',
  usage: USAGE,
  action: 'read',
  targetOf: (args) => args.positionals[0],
  examples: [
    'graph core1-ams Gi1/0/1',
    'graph core2-ams Ethernet1 7d',
    'graph leaf1-fra "Ethernet1/*" 24h',
    'graph core1-ams Gi1/0/1 24h --metric errors',
    'graph core1-ams Gi1/0/1 --compare core2-ams:Et1',
    'graph core1-ams 7d',
    'graph "*-fra" 7d',
  ],
  args: z.object({
    positionals: z
      .array(z.string())
      .min(1, 'name a device')
      .max(3, 'at most a device, an interface and a range'),
    flags: z
      .object({
        metric: z.enum(['util', 'errors', 'discards'], 'one of util, errors, discards').optional(),
        compare: z.string().min(3).max(400).optional(),
        range: z.string().optional(),
        tz: z.string().max(64).optional(),
        theme: z.enum(['light', 'dark'], 'light or dark').optional(),
      })
      .strict(),
  }),
  async run({ args, enqueue, inventory }) {
    const [deviceWord, ...rest] = args.positionals;
    // the range may come anywhere after the device: `graph core1 24h` or `graph core1 Et1/1 24h`
    const rangeWords = rest.filter((w) => RANGE.test(w));
    const ifaceWords = rest.filter((w) => !RANGE.test(w));
    if (rangeWords.length + (args.flags.range ? 1 : 0) > 1) throw bad('Give one time range.');
    if (ifaceWords.length > 1) throw bad('Name one interface or glob; use `--compare device:if` for more.');
    const rangeMs = parseRange(rangeWords[0] ?? args.flags.range ?? `${DEFAULT_RANGE_MS / 3_600_000}h`);
    const iface = ifaceWords[0];

    const devices = inventory.resolve(deviceWord!).map((d) => d.name);
    if (iface && devices.length > 1) {
      throw bad(
        `\`${deviceWord}\` matches ${devices.length} devices; name one device to chart an interface.`,
        'Use `--compare device:if` to put interfaces of other devices on the same chart.',
      );
    }
    const compare = (args.flags.compare ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
      .map(parseTarget);
    if (compare.length && !iface)
      throw bad(
        '`--compare` needs an interface to compare with: name one after the device.',
        'Example: `graph core1-ams Gi1/0/1 --compare core2-ams:Ethernet1`.',
      );
    for (const c of compare) inventory.require(c.device);
    if (args.flags.tz && !isValidTimeZone(args.flags.tz)) {
      throw bad(
        `\`${args.flags.tz}\` is not a timezone.`,
        'Use an IANA name such as `Europe/Paris` or `UTC`.',
      );
    }

    await enqueue(
      'graph',
      {
        devices,
        ...(iface ? { iface } : {}),
        rangeMs,
        metric: args.flags.metric ?? 'util',
        compare,
        ...(isGlob(deviceWord!) || deviceWord === 'all' ? { scope: deviceWord } : {}),
        ...(args.flags.tz ? { timezone: args.flags.tz } : {}),
        ...(args.flags.theme ? { theme: args.flags.theme } : {}),
      },
      {
        describe: `chart of ${iface ? `${devices[0]} ${iface}` : deviceWord}`,
        devices: [...devices, ...compare.map((c) => c.device)].map((n) => inventory.require(n)),
      },
    );
  },
});
