import { z } from 'zod';
import { createIncidentStore } from '../src/incidents/index.js';
import { addDeviceToFile, proposalBlocks } from '../src/inventory/index.js';
import { defineJob } from '../src/services/index.js';

/** `/net discover <ip|cidr|device>`: probe, propose new devices with an Add button (or add them where policy allows). */
export default defineJob({
  name: 'snmp.discover',
  needs: ['config', 'discovery', 'inventory', 'pool', 'reconciler'],
  queue: 'snmp',
  schema: z.object({ target: z.string().min(1) }).strict(),
  attempts: 1,
  // With autoAdd the job writes netops.yaml itself: the worker then decides inventory.add.
  actionOf: (_data, services) => (services.discovery.policy.autoAdd ? 'inventory.add' : 'discover'),
  timeoutMs: 300_000,
  describe: (d) => `discovery of \`${d.target}\``,
  async process(data, { services, progress }) {
    await progress(`probing ${data.target}…`);
    const r = await services.discovery.discover(data.target, services.inventory);
    // LLDP links are kept: a neighbour's link-down then joins the incident of a device that is down.
    if (r.links?.length) {
      const store = createIncidentStore(services.pool);
      for (const l of r.links) await store.recordLink(l.device, l.interface, l.neighbor, l.neighborInterface);
    }
    if (services.discovery.policy.autoAdd && r.proposals.length) {
      for (const p of r.proposals) await addDeviceToFile(services.config.configPath, p.device);
      await services.reconciler.runOnce();
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
