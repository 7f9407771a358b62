import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { servicesFor, unmetNeeds } from '../../../src/queue/index.js';
import { defineJob } from '../../../src/services/index.js';

const job = defineJob({
  name: 't.typed',
  needs: ['clock', 'inventory'],
  schema: z.object({ device: z.string() }),
  async process(data, { services }) {
    // Typed by `needs`: these compile...
    const now: Date = services.clock();
    const device = services.inventory.get(data.device);
    // ...and a service the job did not ask for does not (tsc fails if this ever compiles).
    // @ts-expect-error devices is not in this job's needs
    void services.devices;
    return { summary: `${device?.name ?? 'none'} at ${now.toISOString()}` };
  },
});

describe('defineJob({ needs })', () => {
  it('hands a job exactly the services it declared', () => {
    const all = { clock: () => new Date(0), inventory: {}, devices: {}, pool: {} };
    expect(Object.keys(servicesFor(job, all)).sort()).toEqual(['clock', 'inventory']);
  });

  it('lists every unmet need, job by job', () => {
    expect(unmetNeeds([job], { clock: () => new Date() })).toEqual(['t.typed needs inventory']);
    expect(unmetNeeds([job], { clock: () => new Date(), inventory: undefined })).toEqual([
      't.typed needs inventory',
    ]);
    expect(unmetNeeds([job], { clock: () => new Date(), inventory: {} })).toEqual([]);
  });
});
