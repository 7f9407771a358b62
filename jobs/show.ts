import { z } from 'zod';
import { DEFAULT_SECRET_MARKER, maskLine, rulesFor } from '../src/configs/index.js';
import type { Device } from '../src/config.js';
import { MAX_COMMAND_LENGTH, validateReadOnly } from '../src/devices/index.js';
import { ErrorCode, type NetopsError, userText } from '../src/errors.js';
import { defineJob } from '../src/services/index.js';
import type { FileUpload } from '../src/chat/index.js';

/** Per-device outputs above this many devices go up as one combined file instead of one each. */
const FILES_PER_DEVICE_MAX = 10;
/** Devices started at once by this job; the device service applies its own global limit under it. */
const FAN_OUT = 64;

interface DeviceResult {
  device: Device;
  ok: boolean;
  ms: number;
  output?: string;
  error?: string;
  code?: string;
}

function slug(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 40) || 'output'
  );
}

/** Device output can hold config secrets (`show run`): mask them with the vendor's rules. */
function masked(device: Device, text: string): string {
  const rules = rulesFor(device.vendor).secrets;
  return text
    .split('\n')
    .map((l) => maskLine(l, rules, DEFAULT_SECRET_MARKER))
    .join('\n');
}

async function mapLimited<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  });
  await Promise.all(workers);
  return out;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** `/net show <device|glob> <command…>`: a read-only command on one device, or on many in parallel. */
export default defineJob({
  name: 'device.show',
  needs: ['devices', 'inventory'],
  queue: 'devices',
  schema: z
    .object({
      target: z.string().min(1).max(200),
      command: z.string().min(1).max(MAX_COMMAND_LENGTH),
    })
    .strict(),
  // A read-only command; failures are reported per device, not retried behind the user's back.
  attempts: 1,
  timeoutMs: 300_000,
  describe: (d) => `\`${d.command}\` on \`${d.target}\``,
  async process(data, { services, signal, progress, log }) {
    const devices = services.devices;
    const targets = services.inventory.resolve(data.target).filter((d) => d.enabled);
    // Defence in depth: the command was validated at enqueue time against the inventory of that moment.
    for (const d of targets) validateReadOnly(d.vendor, data.command);

    if (targets.length === 1) {
      const device = targets[0]!;
      const [out] = await devices.run(device, [data.command], { signal });
      const text = masked(device, out!.output);
      return {
        summary: `\`${device.name}\`: \`${data.command}\` (${seconds(out!.durationMs)})`,
        code: {
          content: text || '(no output)',
          filename: `${device.name}-${slug(data.command)}.txt`,
          language: 'text',
        },
      };
    }

    let done = 0;
    const results = await mapLimited(targets, FAN_OUT, async (device): Promise<DeviceResult> => {
      const t0 = performance.now();
      try {
        const [out] = await devices.run(device, [data.command], { signal });
        return { device, ok: true, ms: performance.now() - t0, output: masked(device, out!.output) };
      } catch (err) {
        log.warn(
          { device: device.name, command: data.command, code: (err as NetopsError).code },
          'show failed on device',
        );
        return {
          device,
          ok: false,
          ms: performance.now() - t0,
          error: userText(err),
          code: (err as NetopsError).code ?? ErrorCode.INTERNAL,
        };
      } finally {
        if (++done % 25 === 0 && done < targets.length)
          await progress(`${done}/${targets.length} devices…`).catch(() => undefined);
      }
    });

    const failed = results.filter((r) => !r.ok);
    const width = Math.max(6, ...targets.map((d) => d.name.length));
    const table = [
      `${'device'.padEnd(width)}  result  time     detail`,
      ...results.map((r) =>
        `${r.device.name.padEnd(width)}  ${(r.ok ? 'ok' : 'failed').padEnd(6)}  ${seconds(r.ms).padEnd(7)}  ${r.ok ? '' : r.error}`.trimEnd(),
      ),
    ].join('\n');
    const ok = results.filter((r) => r.ok);
    const files: FileUpload[] =
      ok.length === 0
        ? []
        : ok.length <= FILES_PER_DEVICE_MAX
          ? ok.map((r) => ({
              filename: `${r.device.name}-${slug(data.command)}.txt`,
              content: r.output || '(no output)',
              title: `${r.device.name}: ${data.command}`,
            }))
          : [
              {
                filename: `${slug(data.target)}-${slug(data.command)}.txt`,
                content: ok
                  .map((r) => `===== ${r.device.name} =====\n${r.output || '(no output)'}\n`)
                  .join('\n'),
                title: `${data.command} on ${ok.length} devices`,
              },
            ];
    return {
      summary: `\`${data.command}\` on ${targets.length} devices: ${ok.length} ok, ${failed.length} failed`,
      code: { content: table, filename: `${slug(data.target)}-summary.txt`, language: 'text' },
      files,
      ok: failed.length === 0,
    };
  },
});
