import fc from 'fast-check';
import { expect, it } from 'vitest';
import { applyLines, commandsToReach, diffTrees, parseConfig } from '../../../src/changes/index.js';

const RUNNING = parseConfig(`hostname r1
interface Ethernet1
 description one
 mtu 9000
interface Ethernet2
 shutdown
router bgp 65000
 neighbor 10.0.0.1 remote-as 65001
ntp server 10.1.1.1`);

const iface = fc.constantFrom('Ethernet1', 'Ethernet2', 'Ethernet3');
const line = fc.oneof(
  fc
    .tuple(
      iface,
      fc.constantFrom(
        'description a',
        'description b',
        'mtu 1500',
        'shutdown',
        'no shutdown',
        'no description',
      ),
    )
    .map(([i, c]) => [`interface ${i}`, ` ${c}`]),
  fc.integer({ min: 1, max: 4 }).map((n) => [`ntp server 10.9.9.${n}`]),
  fc.integer({ min: 1, max: 4 }).map((n) => [`no ntp server 10.1.1.${n}`]),
  fc.integer({ min: 2, max: 4 }).map((n) => ['router bgp 65000', ` neighbor 10.0.0.${n} remote-as 6500${n}`]),
);

it('for any change, the commands that restore the backup give back the backup (FRR-style rollback)', () => {
  fc.assert(
    fc.property(fc.array(line, { minLength: 1, maxLength: 8 }), (chunks) => {
      const after = applyLines(RUNNING, chunks.flat());
      const restored = applyLines(after, commandsToReach(after, RUNNING));
      expect(diffTrees(RUNNING, restored).lines).toEqual([]);
    }),
    { numRuns: 300 },
  );
});

it('the diff counts match the lines it shows', () => {
  fc.assert(
    fc.property(fc.array(line, { minLength: 1, maxLength: 8 }), (chunks) => {
      const d = diffTrees(RUNNING, applyLines(RUNNING, chunks.flat()));
      expect(d.lines.filter((l) => l.startsWith('+')).length).toBe(d.added);
      expect(d.lines.filter((l) => l.startsWith('-')).length).toBe(d.removed);
    }),
  );
});
