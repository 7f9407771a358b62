import { describe, expect, it } from 'vitest';
import { type AnomalyRow, groupMessage, parseFeedbackValue } from '../../../src/anomalies/index.js';

const a = (over: Partial<AnomalyRow> = {}): AnomalyRow => ({
  id: 1,
  groupId: 7,
  device: 'core1',
  ifindex: 1,
  ifname: 'Gi0/1',
  metric: 'in_bps',
  kind: 'spike',
  side: 'high',
  since: new Date('2026-01-13T14:05:00Z'),
  detectedAt: new Date('2026-01-13T14:10:00Z'),
  clearedAt: null,
  observed: 7.8e9,
  expected: 1.8e9,
  low: 1.1e9,
  high: 2.4e9,
  peak: 7.8e9,
  explanation: 'core1 Gi0/1 in 7.8 Gbps vs 1.1 Gbps–2.4 Gbps expected for Tuesday 14:00, since 14:05 (spike)',
  ...over,
});

describe('anomaly message', () => {
  it('lists the open anomalies with the four feedback buttons carrying the group id', () => {
    const m = groupMessage(
      { groupId: 7, device: 'core1', anomalies: [a()], feedback: [], closedAt: null },
      'UTC',
    );
    expect(m.text).toContain(':rotating_light: *core1*: 1 anomaly now');
    expect(m.text).toContain('expected for Tuesday 14:00');
    const actions = (m.blocks as { type: string; elements?: { value: string }[] }[]).find(
      (b) => b.type === 'actions',
    )!;
    expect(actions.elements!.map((e) => e.value)).toEqual(['7:mute:4h', '7:mute:7d', '7:widen', '7:real']);
  });

  it('when cleared: says so, strikes the lines through, keeps the feedback, drops the buttons', () => {
    const closed = new Date('2026-01-13T14:40:00Z');
    const m = groupMessage(
      {
        groupId: 7,
        device: 'core1',
        anomalies: [a({ clearedAt: closed })],
        feedback: [
          { groupId: 7, userId: 'U1', verdict: 'real', action: null, until: null, createdAt: closed },
        ],
        closedAt: closed,
      },
      'UTC',
    );
    expect(m.text).toMatch(
      /^:white_check_mark: \*core1\*: cleared at 14:40\n~core1 Gi0\/1 .*~ \(cleared 14:40\)$/,
    );
    expect(JSON.stringify(m.blocks)).toContain('<@U1> marked this a real problem');
    expect((m.blocks as { type: string }[]).some((b) => b.type === 'actions')).toBe(false);
  });

  it('button values parse to a verdict; forged ones do not', () => {
    expect(parseFeedbackValue('7:mute:4h')).toEqual({
      groupId: 7,
      verdict: 'expected',
      action: 'mute',
      durationMs: 4 * 3_600_000,
    });
    expect(parseFeedbackValue('7:widen')).toEqual({
      groupId: 7,
      verdict: 'expected',
      action: 'widen',
      durationMs: null,
    });
    expect(parseFeedbackValue('7:real')).toEqual({
      groupId: 7,
      verdict: 'real',
      action: null,
      durationMs: null,
    });
    for (const bad of ['', '7:mute:99y', 'x:real', '7:real;DROP', '1'.repeat(20) + ':real'])
      expect(parseFeedbackValue(bad)).toBeUndefined();
  });
});
