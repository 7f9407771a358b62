import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Device } from '../../../src/config.js';
import { backupSchedules } from '../../../src/configs/index.js';

const dev = (name: string, enabled = true): Device => ({
  name,
  vendor: 'frr',
  host: '127.0.0.1',
  port: 22,
  credential: 'lab',
  tags: [],
  legacyAlgorithms: false,
  enabled,
});

describe('backupSchedules', () => {
  it('one hourly schedule per enabled device, stable ids, deterministic jitter', () => {
    const s = backupSchedules([dev('b'), dev('a'), dev('off', false)]);
    expect(s.map((x) => x.id)).toEqual(['config.backup:a', 'config.backup:b']);
    expect(s[0]).toMatchObject({
      jobName: 'config.backup',
      data: { device: 'a', trigger: 'schedule' },
      every: 3_600_000,
    });
    expect(backupSchedules([dev('a')])[0]!.offsetMs).toBe(s[0]!.offsetMs);
  });

  it('offsets stay inside min(jitter, every) and spread a fleet out', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1_000, max: 86_400_000 }),
        fc.integer({ min: 0, max: 86_400_000 }),
        (every, jitter) => {
          const s = backupSchedules(
            Array.from({ length: 20 }, (_, i) => dev(`d${i}`)),
            { every, jitter },
          );
          for (const x of s) {
            expect(x.offsetMs).toBeGreaterThanOrEqual(0);
            expect(x.offsetMs).toBeLessThan(Math.max(1, Math.min(jitter, every)));
          }
        },
      ),
    );
    const fleet = backupSchedules(
      Array.from({ length: 500 }, (_, i) => dev(`edge${i}`)),
      { every: 3_600_000, jitter: 600_000 },
    );
    const perMinute = new Map<number, number>();
    for (const x of fleet)
      perMinute.set(
        Math.floor(x.offsetMs / 60_000),
        (perMinute.get(Math.floor(x.offsetMs / 60_000)) ?? 0) + 1,
      );
    expect(perMinute.size).toBe(10);
    expect(Math.max(...perMinute.values())).toBeLessThan(80);
  });
});
