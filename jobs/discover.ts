import { z } from 'zod';
import { ErrorCode, NetopsError } from '../src/errors.js';
import { defineJob } from '../src/queue/index.js';
import { addDiscoveredDevice, discover, proposalBlocks } from '../src/snmp/index.js';

/** `/net discover <ip|cidr|device>`: probe, propose new devices with an Add button (or add them where policy allows). */
export default defineJob({
  name: 'snmp.discover',
  queue: 'snmp',
  schema: z.object({ target: z.string().min(1) }).strict(),
  attempts: 1,
  // With autoAdd the job writes netops.yaml itself: the worker then decides inventory.add.
  action: (_data, services) => (services.config.discovery.autoAdd ? 'inventory.add' : 'discover'),
  timeoutMs: 300_000,
  describe: (d) => `discovery of \`${d.target}\``,
  async process(data, { services, progress }) {
    const monitoring = services.monitoring;
    if (!monitoring) throw new NetopsError(ErrorCode.INTERNAL, 'snmp.discover needs JobServices.monitoring');
    await progress(`probing ${data.target}…`);
    const r = await discover(data.target, { inventory: services.inventory, policy: monitoring.discovery });
    if (monitoring.discovery.autoAdd && r.proposals.length) {
      for (const p of r.proposals) await addDiscoveredDevice(services.config.configPath, p.device);
      await monitoring.reconciler?.runOnce();
      return {
        summary: `added ${r.proposals.length} device(s): ${r.proposals.map((p) => p.device.name).join(', ')}`,
        text: 'Added to netops.yaml; they are polled and backed up from the next reconcile.',
      };
    }
    return {
      summary: r.proposals.length
        ? `${r.proposals.length} new device(s) found`
        : `nothing new (${r.probed} probed)`,
      blocks: proposalBlocks(r, data.target),
    };
  },
});
