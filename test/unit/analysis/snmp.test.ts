import { describe, expect, it } from 'vitest';
import { detectFlaps, sanitise, speedIssue } from '../../../src/analysis/index.js';
import { T0 } from './helpers.js';

const M = 60_000;

describe('SNMP realities', () => {
  it('gaps, negative and impossible rates become gaps, counted apart', () => {
    const s = sanitise(
      [
        { t: 1, v: 5e8 },
        { t: 2, v: null },
        { t: 3, v: 2e9 },
        { t: 4, v: -1 },
        { t: 5, v: Number.NaN },
      ],
      'in_bps',
      1e9,
    );
    expect(s.points.map((p) => p.v)).toEqual([5e8, null, null, null, null]);
    expect(s).toMatchObject({ gaps: 3, impossible: 1 });
  });

  it('errors have no speed ceiling', () => {
    expect(sanitise([{ t: 1, v: 5e9 }], 'in_errors', 1e9).points[0]!.v).toBe(5e9);
  });

  it('a zero speed on a port with traffic is reported; an idle port with zero speed is not', () => {
    expect(speedIssue(0, [{ t: 1, v: 1e6 }])?.kind).toBe('zero-speed');
    expect(speedIssue(null, [{ t: 1, v: 0 }])).toBeNull();
  });

  it('a speed that several rates exceed is reported as wrong; one jittery sample is not', () => {
    const over = [1.2e8, 1.3e8, 1.25e8, 9e7].map((v, i) => ({ t: i, v }));
    expect(speedIssue(1e8, over)).toMatchObject({ kind: 'wrong-speed', impossible: 3, maxBps: 1.3e8 });
    expect(
      speedIssue(1e8, [
        { t: 0, v: 1.2e8 },
        { t: 1, v: 5e7 },
      ]),
    ).toBeNull();
    // Within the 5 % poll-jitter tolerance.
    expect(
      speedIssue(
        1e8,
        [1.04e8, 1.04e8, 1.04e8].map((v, i) => ({ t: i, v })),
      ),
    ).toBeNull();
  });
});

describe('link flaps from oper-status', () => {
  const st = (pairs: [number, string][]) => pairs.map(([m, status]) => ({ t: T0 + m * M, status }));

  it('down/up twice within 15 minutes is a flap', () => {
    const f = detectFlaps(
      st([
        [0, 'up'],
        [1, 'down'],
        [2, 'up'],
        [4, 'down'],
        [5, 'up'],
        [6, 'down'],
        [7, 'up'],
      ]),
    );
    expect(f).toEqual([{ since: T0 + M, until: T0 + 6 * M, downs: 3 }]);
  });

  it('one sustained down is not a flap, nor are two downs hours apart', () => {
    expect(
      detectFlaps(
        st([
          [0, 'up'],
          [1, 'down'],
          [120, 'down'],
        ]),
      ),
    ).toEqual([]);
    expect(
      detectFlaps(
        st([
          [0, 'up'],
          [1, 'down'],
          [2, 'up'],
          [200, 'lowerLayerDown'],
          [201, 'up'],
        ]),
      ),
    ).toEqual([]);
  });

  it('a port that starts down and comes up has not flapped', () => {
    expect(
      detectFlaps(
        st([
          [0, 'down'],
          [1, 'up'],
        ]),
      ),
    ).toEqual([]);
  });
});
