import { describe, expect, it } from 'vitest';
import { linesSummary, planFleetRemediation } from '../../../src/compliance/index.js';
import type { Device } from '../../../src/config.js';

const dev = (name: string, vendor: Device['vendor']): Device => ({
  name,
  vendor,
  host: '127.0.0.1',
  port: 22,
  credential: 'x',
  tags: [],
  legacyAlgorithms: false,
  enabled: true,
});
const MARK = '<secret hidden>';

describe('planFleetRemediation', () => {
  const devices = [
    dev('xe1', 'cisco_iosxe'),
    dev('jun1', 'juniper_junos'),
    dev('ok1', 'cisco_iosxe'),
    dev('lnx1', 'linux'),
    dev('busy1', 'arista_eos'),
  ];
  const results = [
    {
      device: 'xe1',
      rule: 'ntp',
      status: 'noncompliant' as const,
      missing: [['ntp server 10.0.0.1']],
      extra: [],
    },
    {
      device: 'xe1',
      rule: 'no-http',
      status: 'noncompliant' as const,
      missing: [],
      extra: [['ip http server']],
    },
    {
      device: 'jun1',
      rule: 'ntp',
      status: 'noncompliant' as const,
      missing: [['system'], ['system', 'ntp'], ['system', 'ntp', 'server 10.0.0.1']],
      extra: [],
    },
    { device: 'ok1', rule: 'ntp', status: 'compliant' as const, missing: [], extra: [] },
    { device: 'lnx1', rule: 'ntp', status: 'noncompliant' as const, missing: [['ntp server x']], extra: [] },
    { device: 'busy1', rule: 'ntp', status: 'noncompliant' as const, missing: [['ntp server y']], extra: [] },
  ];

  it('each device gets its own vendor-correct lines; the rest are skipped with the reason', () => {
    const plan = planFleetRemediation(results, devices, {
      secretMarker: MARK,
      locked: new Map([['busy1', 'CR-7']]),
    });
    expect(plan.deviceLines).toEqual({
      xe1: ['no ip http server', 'ntp server 10.0.0.1'],
      jun1: ['set system ntp server 10.0.0.1'],
    });
    expect(plan.rules).toEqual(['no-http', 'ntp']);
    expect(plan.skipped).toEqual([
      { device: 'lnx1', why: expect.stringMatching(/not supported/) },
      { device: 'busy1', why: 'locked by change CR-7' },
    ]);
  });

  it('a fix made only of secrets is skipped and counted, never pushed', () => {
    const plan = planFleetRemediation(
      [
        {
          device: 'xe1',
          rule: 'snmp',
          status: 'noncompliant',
          missing: [[`snmp-server community ${MARK} RO`]],
          extra: [],
        },
      ],
      devices,
      { secretMarker: MARK },
    );
    expect(plan.deviceLines).toEqual({});
    expect(plan.withheld).toBe(1);
    expect(plan.skipped[0]).toEqual({ device: 'xe1', why: expect.stringMatching(/secret/) });
  });
});

describe('linesSummary', () => {
  it('groups devices that get the same lines', () => {
    expect(linesSummary({ a: ['x'], b: ['y', 'z'], c: ['x'] })).toEqual(['# a, c', 'x', '# b', 'y', 'z']);
  });
});
