import { z } from 'zod';
import { getVendor, validateReadOnly } from '../src/devices/index.js';
import { ErrorCode, isNetopsError, NetopsError } from '../src/errors.js';
import { defineCommand } from '../src/registry/index.js';

const USAGE = 'show <device|glob> <command…>';

// First words that are commands in their own right (changes, mode switches): never read as `show <word>`.
const NOT_IMPLIED = [
  'configure',
  'copy',
  'write',
  'reload',
  'delete',
  'erase',
  'clear',
  'debug',
  'undebug',
  'request',
  'set',
  'commit',
  'rollback',
  'start',
  'restart',
  'enable',
  'disable',
  'terminal',
  'format',
  'install',
  'file',
  'edit',
  'load',
  'monitor',
  'test',
  'exit',
  'end',
  'no',
  'shutdown',
  'archive',
  'license',
  'boot',
  'save',
];

function impliesShow(command: string): boolean {
  const first = command.trim().split(/\s+/)[0]?.toLowerCase() ?? '';
  if (/^(?:sh|sho|show)$/.test(first)) return false;
  return !NOT_IMPLIED.some((w) => w.startsWith(first));
}

/** The command text as typed: everything after the target word, quotes and `|` kept. */
function commandText(raw: string, positionals: string[]): string {
  const rest = raw.trim().replace(/^("[^"]*"|'[^']*'|\S+)\s*/, '');
  return rest || positionals.slice(1).join(' ');
}

export default defineCommand({
  name: 'show',
  aliases: ['run'],
  summary: 'Run a read-only command (show, ping, traceroute …) on a device or a glob of devices over SSH',
  usage: USAGE,
  action: 'show',
  targetOf: (args) => args.positionals[0],
  examples: [
    'show core1-ams show ip bgp summary',
    'show core1-ams show ip interface brief',
    'show "leaf*" show version',
    'show edge1-fra show interfaces terse | match ge-0/0/1',
    'show "*-fra" show version',
  ],
  args: z.object({
    positionals: z.array(z.string()).min(2, `name a device and a command, e.g. \`show core1 show version\``),
    // Device commands carry their own dashes (`ip -br addr`); they are read from the raw text.
    flags: z.record(z.string(), z.union([z.string(), z.boolean()])),
  }),
  async run({ args, raw, inventory, enqueue }) {
    const target = args.positionals[0]!;
    const devices = inventory.resolve(target).filter((d) => d.enabled);
    if (devices.length === 0) {
      throw new NetopsError(ErrorCode.UNKNOWN_DEVICE, `every device matching ${target} is disabled`, {
        userMessage: `Every device matching \`${target}\` is disabled in the inventory.`,
      });
    }
    let command = commandText(raw.raw, args.positionals);
    const vendors = [...new Set(devices.map((d) => d.vendor))];
    const check = (text: string) => {
      for (const v of vendors) validateReadOnly(v, text);
      return text.trim();
    };
    try {
      command = check(command);
    } catch (err) {
      // `show core1 ip bgp summary` means `show ip bgp summary` on a CLI (never on a shell).
      const implied = `show ${command}`;
      if (!isNetopsError(err) || vendors.some((v) => getVendor(v).shell) || !impliesShow(command)) throw err;
      try {
        command = check(implied);
      } catch {
        throw err;
      }
    }
    await enqueue(
      'device.show',
      { target, command },
      {
        devices,
        describe: `\`${command}\` on ${devices.length === 1 ? `\`${devices[0]!.name}\`` : `${devices.length} devices (\`${target}\`)`}`,
      },
    );
  },
});
