import { describe, expect, it } from 'vitest';
import { formatBps, formatRate, formatSpeed, utilisation } from '../../../src/snmp/format.js';
import { desiredSchedules, fileSdTargets, summaryText } from '../../../src/inventory/reconcile.js';
import { parseFileConfig } from '../../../src/config.js';

describe('interface table formatting', () => {
  it('formats rates, speeds and utilisation', () => {
    expect(formatBps(null)).toBe('-');
    expect(formatBps(950)).toBe('950 bps');
    expect(formatBps(1_234_567)).toBe('1.2 Mbps');
    expect(formatBps(987_000_000)).toBe('987 Mbps');
    expect(formatSpeed(1e10)).toBe('10G');
    expect(formatSpeed(1e8)).toBe('100M');
    expect(utilisation(2e8, 5e8, 1e9)).toBe(50);
    expect(utilisation(null, null, 1e9)).toBeNull();
    expect(formatRate(0)).toBe('0');
    expect(formatRate(0.5)).toBe('0.50');
  });
});

describe('reconcile plans (pure)', () => {
  const cfg = parseFileConfig(`
schedules: { poll: { every: 30s, mode: jobs }, backup: { every: 2h, jitter: 5m } }
devices:
  - { name: a, vendor: frr, host: 10.0.0.1, credential: x, snmp: { credential: ro, port: 1161 } }
  - { name: b, vendor: linux, host: 10.0.0.2, credential: x }
  - { name: c, vendor: frr, host: 10.0.0.3, credential: x, enabled: false, snmp: { credential: ro } }
`).config!;
  it('polls enabled SNMP devices, backs up every enabled device, and phases polls stably', () => {
    const d = desiredSchedules(cfg);
    expect(d.map((s) => s.id).sort()).toEqual([
      'config.backup:a',
      'config.backup:b',
      'maint:config.retention',
      'maint:snmp.rollup',
      'poll:a',
    ]);
    expect(d.find((s) => s.id === 'maint:config.retention')).toMatchObject({
      jobName: 'config.retention',
      every: 86_400_000,
    });
    const poll = d.find((s) => s.id === 'poll:a')!;
    expect(poll).toMatchObject({ jobName: 'snmp.poll', every: 30_000, data: { device: 'a' } });
    expect(poll.offsetMs).toBeLessThan(30_000);
    expect(desiredSchedules(cfg).find((s) => s.id === 'poll:a')!.offsetMs).toBe(poll.offsetMs);
    expect(d.find((s) => s.id === 'config.backup:b')).toMatchObject({
      jobName: 'config.backup',
      every: 7_200_000,
    });
  });
  it('in rounds mode (the default) schedules no per-device polls: the round loop polls the fleet', () => {
    const rounds = parseFileConfig(`
schedules: { poll: { every: 30s } }
devices:
  - { name: a, vendor: frr, host: 10.0.0.1, credential: x, snmp: { credential: ro, port: 1161 } }
`).config!;
    expect(rounds.schedules.poll.mode).toBe('rounds');
    expect(desiredSchedules(rounds).map((s) => s.id)).not.toContain('poll:a');
    expect(desiredSchedules(rounds).map((s) => s.id)).toContain('config.backup:a');
  });
  it('exports only enabled SNMP devices as file_sd targets', () => {
    expect(fileSdTargets(cfg.devices)).toEqual([
      {
        targets: ['10.0.0.1:1161'],
        labels: {
          device: 'a',
          vendor: 'frr',
          site: '',
          role: '',
          tags: '',
          __param_auth: 'ro',
          __param_module: 'if_mib',
        },
      },
    ]);
  });
  it('summarises changes in one line', () => {
    expect(summaryText({ added: ['x', 'y', 'z'], removed: ['w'], changed: [] })).toBe(
      'monitoring updated: +3 −1 devices (+x +y +z −w)',
    );
  });
});
