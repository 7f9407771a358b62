import { z } from 'zod';
import {
  backupDevice,
  createConfigStore,
  noticeChannel,
  resolveSettings,
  TRIGGERS,
} from '../src/configs/index.js';
import { defineJob } from '../src/services/index.js';

export const configBackupSchema = z
  .object({
    device: z.string().min(1),
    trigger: z.enum(TRIGGERS).default('manual'),
    /** Who changed the device (syslog) or asked for the backup (manual). */
    author: z.string().max(200).optional(),
  })
  .strict();

/** Back up one device; a new version posts its diff to the device's channel. */
export default defineJob({
  name: 'config.backup',
  needs: ['clock', 'config', 'configs', 'devices', 'inventory', 'pool', 'responder'],
  queue: 'devices',
  schema: configBackupSchema,
  attempts: 3,
  backoffMs: 5_000,
  timeoutMs: 120_000,
  describe: (d) => `config backup of \`${d.device}\``,
  async process(data, { services, signal }) {
    const device = services.inventory.require(data.device);
    const settings = resolveSettings(services.configs);
    const out = await backupDevice(
      {
        devices: services.devices,
        store: createConfigStore(services.pool),
        responder: services.responder,
        clock: services.clock,
        channelFor: (d) => noticeChannel(services.config, d),
        secretMarker: settings.secretMarker,
      },
      device,
      { trigger: data.trigger, author: data.author ?? null, signal },
    );
    if (!out.changed) {
      const late = out.notified ? `; posted its pending change notice in <#${out.notified}>` : '';
      return { summary: `${device.name}: no change (latest is v${out.version.n})${late}` };
    }
    if (!out.previous) {
      return {
        summary: `${device.name}: first version stored (v${out.version.n}, ${out.version.bytes} bytes)`,
      };
    }
    const where = out.notified ? `; diff posted in <#${out.notified}>` : '';
    return {
      summary: `${device.name}: new version v${out.version.n} (+${out.added} −${out.removed})${where}`,
    };
  },
});
