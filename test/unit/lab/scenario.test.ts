import { expect, it } from 'vitest';
import { parseSyslog } from '../../../src/configs/syslog/parse.js';
import { alertmanagerPayload, colleagueChange, pastVersions } from '../../../src/lab/scenario.js';
import type { SimSite } from '../../../src/lab/sim-site.js';
import { withOriginId } from '../../../src/lab/sim-site.js';

it('regression: config-change syslog from simulated IOS devices names the device (they all send from 127.0.0.1)', () => {
  const line =
    '<189>12: *Nov 25 10:15:36.123: %SYS-5-CONFIG_I: Configured from console by dave on vty0 (127.0.0.1)';
  const tagged = withOriginId(line, 'core1-ams');
  expect(parseSyslog(tagged)?.hostname).toBe('core1-ams');
  expect(parseSyslog(tagged)?.message).toMatch(/^%SYS-5-CONFIG_I/);
  // Junos lines carry their host already and pass unchanged.
  const junos =
    "<189>Nov 25 10:15:36 edge1-fra mgd[4242]: UI_COMMIT: User 'dave' requested 'commit' operation";
  expect(withOriginId(junos, 'edge1-fra')).toBe(junos);
});

it('config history: every version differs from the next, the last is today, older ones lack later lines', () => {
  const current = [
    'hostname core1',
    'interface Gi1/0/1',
    ' description uplink to core2',
    'interface Gi1/0/2',
    ' description access',
    'interface Gi1/0/3',
    ' description spare',
    'interface Gi1/0/4',
    ' description server',
    'logging host 192.0.2.10',
    'ntp server 192.0.2.1',
    'snmp-server community x RO',
  ].join('\n');
  const versions = pastVersions(current, 4);
  expect(versions).toHaveLength(5);
  expect(versions.at(-1)).toBe(current);
  for (let i = 1; i < versions.length; i++) expect(versions[i]).not.toBe(versions[i - 1]);
  expect(versions[0]).not.toMatch(/ntp server/);
  expect(versions[0]).not.toMatch(/description uplink to core2/);
});

it('alerts follow the Alertmanager webhook format (version 4)', () => {
  const p = alertmanagerPayload(
    { name: 'HighCPU', device: 'core2-ams', severity: 'warning', summary: 'CPU above 85%' },
    'firing',
    new Date('2026-11-29T12:00:00Z'),
  ) as {
    version: string;
    status: string;
    alerts: Array<{ labels: Record<string, string>; startsAt: string }>;
  };
  expect(p.version).toBe('4');
  expect(p.status).toBe('firing');
  expect(p.alerts[0]!.labels).toEqual({ alertname: 'HighCPU', device: 'core2-ams', severity: 'warning' });
  expect(p.alerts[0]!.startsAt).toBe('2026-11-29T12:00:00.000Z');
});

it("regression: the lab's colleague never edits a device with a change request open (the edit voided the request as stale)", () => {
  const edited: string[] = [];
  const device = (name: string, vendor: string) => ({
    name,
    vendor,
    configure: () => edited.push(name),
  });
  const site = {
    fleet: {
      devices: [
        device('core1-ams', 'cisco_iosxe'),
        device('core2-ams', 'arista_eos'),
        device('rr1-fra', 'frr'),
      ],
    },
  } as unknown as SimSite;
  // Every pick of the generator, low and high, over many draws.
  let seed = 7;
  const pick = () => {
    seed = (seed * 16807) % 2147483647;
    return (seed - 1) / 2147483646;
  };
  for (let i = 0; i < 200; i++) colleagueChange(site, pick, new Set(['core1-ams']));
  expect(edited).toHaveLength(200);
  expect(new Set(edited)).toEqual(new Set(['core2-ams']));
  // Without a change open, core1-ams is a candidate again; FRR never is (no config mode simulated).
  edited.length = 0;
  for (let i = 0; i < 200; i++) colleagueChange(site, pick);
  expect(new Set(edited)).toEqual(new Set(['core1-ams', 'core2-ams']));
  expect(colleagueChange(site, pick, new Set(['core1-ams', 'core2-ams']))).toBeUndefined();
});
