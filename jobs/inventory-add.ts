import { z } from 'zod';
import { addFromButtonValue, deviceFromButtonValue } from '../src/inventory/index.js';
import { defineJob } from '../src/services/index.js';

/** Facts of the proposed device, for the worker's policy decision; none when the value is malformed. */
function proposed(value: string, allowedSubnets: readonly string[]) {
  try {
    const d = deviceFromButtonValue(value, { allowedSubnets: [...allowedSubnets] });
    return [{ name: d.name, site: d.site, role: d.role, tags: d.tags }];
  } catch {
    return [];
  }
}

/**
 * The Add button of a discovery proposal: writes the device into netops.yaml and reconciles. Runs
 * in the worker, which decides `inventory.add` again on the user who clicked before writing.
 */
export default defineJob({
  name: 'inventory.add',
  needs: ['config', 'discovery', 'reconciler'],
  schema: z
    .object({
      /** The button's value: the proposed device as JSON (validated again here). */
      device: z.string().min(2).max(4_000),
    })
    .strict(),
  attempts: 1,
  action: 'inventory.add',
  devicesOf: (data, services) => proposed(data.device, services.discovery.policy.allowedSubnets),
  describe: () => 'adding a discovered device',
  async process(data, { services, origin }) {
    const device = await addFromButtonValue(
      services.config.configPath,
      data.device,
      services.discovery.policy,
    );
    await services.reconciler.runOnce();
    const who = origin?.userId ? `<@${origin.userId}>` : 'Discovery';
    return {
      summary: `added ${device.name}`,
      text: `${who} added \`${device.name}\` (${device.vendor}, ${device.host}) to the inventory; polling and backups start with the next reconcile.`,
    };
  },
});
