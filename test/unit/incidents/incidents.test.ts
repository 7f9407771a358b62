import { createHmac } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { getVendor } from '../../../src/devices/index.js';
import {
  authenticate,
  labelFingerprint,
  PayloadError,
  parseAlertPayload,
  parentMessage,
  place,
  planDiagnostics,
  routeChannel,
  worseSeverity,
} from '../../../src/incidents/index.js';
import type { Incident, RouteRule } from '../../../src/incidents/index.js';

const grafana = readFileSync(new URL('../../fixtures/alerts/grafana-firing.json', import.meta.url), 'utf8');
const devices = new Map([
  ['core1', { name: 'core1', host: '10.0.0.1', site: 'ams1' }],
  ['edge1', { name: 'edge1', host: '10.0.0.2', site: 'fra1', channel: 'C0EDGE' }],
]);
const findDevice = (k: string) => devices.get(k) ?? [...devices.values()].find((d) => d.host === k);

describe('payloads', () => {
  it('reads a recorded Grafana alerting webhook', () => {
    const b = parseAlertPayload('grafana', grafana);
    expect(b.alerts).toHaveLength(1);
    const a = b.alerts[0]!;
    expect(a).toMatchObject({
      status: 'firing',
      alertname: 'High interface utilisation',
      fingerprint: '7d3f9c2a1b0e4f55',
      endsAt: null,
    });
    expect(a.labels.interface).toBe('GigabitEthernet1/0/1');
    expect(a.groupKey).toContain('High interface utilisation');
  });
  it('reads Alertmanager v4: 0001-01-01 is "not ended"; a resolved alert keeps its end', () => {
    const body = {
      version: '4',
      status: 'resolved',
      groupKey: 'g',
      truncatedAlerts: 3,
      alerts: [
        {
          status: 'firing',
          labels: { alertname: 'A' },
          startsAt: '2026-01-01T00:00:00Z',
          endsAt: '0001-01-01T00:00:00Z',
        },
        {
          status: 'resolved',
          labels: { alertname: 'B' },
          startsAt: '2026-01-01T00:00:00Z',
          endsAt: '2026-01-01T01:00:00Z',
        },
      ],
    };
    const b = parseAlertPayload('alertmanager', JSON.stringify(body));
    expect(b.truncated).toBe(3);
    expect(b.alerts[0]!.endsAt).toBeNull();
    expect(b.alerts[1]!.endsAt?.toISOString()).toBe('2026-01-01T01:00:00.000Z');
    // no fingerprint sent: derived from the labels, stable across deliveries
    expect(b.alerts[0]!.fingerprint).toBe(labelFingerprint({ alertname: 'A' }));
  });
  it('reads the generic format and fills labels from its fields', () => {
    const b = parseAlertPayload(
      'generic',
      JSON.stringify({
        alerts: [{ name: 'LinkDown', device: 'core1', interface: 'Gi1/0/1', severity: 'critical' }],
      }),
    );
    expect(b.alerts[0]!.labels).toEqual({
      alertname: 'LinkDown',
      device: 'core1',
      interface: 'Gi1/0/1',
      severity: 'critical',
    });
  });
  it('lists every problem of a malformed body', () => {
    try {
      parseAlertPayload('alertmanager', JSON.stringify({ status: 'weird', alerts: [{ labels: { a: 1 } }] }));
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(PayloadError);
      expect((err as PayloadError).problems.length).toBeGreaterThanOrEqual(2);
    }
    expect(() => parseAlertPayload('generic', '[]')).toThrow(PayloadError);
    expect(() => parseAlertPayload('generic', JSON.stringify({ alerts: [{ name: 'x', extra: 1 }] }))).toThrow(
      PayloadError,
    );
  });
  it('fuzz: any body is either a batch or a PayloadError, never a crash (10,000 inputs per source)', () => {
    for (const source of ['alertmanager', 'grafana', 'generic'] as const) {
      fc.assert(
        fc.property(
          fc.oneof(
            fc.string(),
            fc.json(),
            fc.jsonValue().map((v) => JSON.stringify({ alerts: [v] })),
          ),
          (body) => {
            try {
              const b = parseAlertPayload(source, body);
              return b.alerts.length > 0;
            } catch (err) {
              return err instanceof PayloadError;
            }
          },
        ),
        { numRuns: 10_000, seed: 42 },
      );
    }
  });
});

describe('authentication', () => {
  const req = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;
  it('bearer: exact token only', () => {
    const auth = { auth: 'bearer' as const, secret: 's3cret' };
    expect(authenticate(req({ authorization: 'Bearer s3cret' }), '', auth, 0)).toBeUndefined();
    expect(authenticate(req({ authorization: 'Bearer s3cre' }), '', auth, 0)).toBe('wrong bearer token');
    expect(authenticate(req({}), '', auth, 0)).toBe('missing bearer token');
  });
  it('hmac: body digest, and Grafana-style timestamped digest within five minutes', () => {
    const body = '{"alerts":[]}';
    const auth = { auth: 'hmac' as const, secret: 'k' };
    const sig = createHmac('sha256', 'k').update(body).digest('hex');
    expect(authenticate(req({ 'x-netops-signature': `sha256=${sig}` }), body, auth, 0)).toBeUndefined();
    expect(authenticate(req({ 'x-netops-signature': sig }), `${body} `, auth, 0)).toBe('wrong signature');
    const g = {
      ...auth,
      header: 'X-Grafana-Alerting-Signature',
      timestampHeader: 'X-Grafana-Alerting-Signature-Timestamp',
    };
    const now = 1_800_000_000_000;
    const ts = String(now / 1000);
    const gsig = createHmac('sha256', 'k').update(`${ts}:${body}`).digest('hex');
    const h = { 'x-grafana-alerting-signature': gsig, 'x-grafana-alerting-signature-timestamp': ts };
    expect(authenticate(req(h), body, g, now)).toBeUndefined();
    expect(authenticate(req(h), body, g, now + 10 * 60_000)).toBe('stale signature timestamp');
  });
});

describe('grouping and routing', () => {
  const alert = (labels: Record<string, string>, extra: Record<string, unknown> = {}) => ({
    source: 'alertmanager' as const,
    fingerprint: labelFingerprint(labels),
    status: 'firing' as const,
    alertname: labels.alertname ?? 'A',
    labels,
    annotations: {},
    startsAt: new Date(),
    endsAt: null,
    ...extra,
  });
  it('a device label (or an instance address with a port) groups by device', () => {
    expect(
      place({ alert: alert({ alertname: 'LinkDown', device: 'core1', interface: 'Gi1' }), findDevice }).key,
    ).toBe('device:core1');
    const p = place({ alert: alert({ alertname: 'SnmpDown', instance: '10.0.0.2:161' }), findDevice });
    expect(p).toMatchObject({ key: 'device:edge1', device: 'edge1', site: 'fra1' });
  });
  it('unknown devices group by group key, then host, then site, then alert name', () => {
    expect(
      place({ alert: alert({ alertname: 'X', instance: 'db9:9100' }, { groupKey: 'gk' }), findDevice }).key,
    ).toBe('group:gk');
    expect(place({ alert: alert({ alertname: 'X', instance: 'db9:9100' }), findDevice }).key).toBe(
      'host:db9',
    );
    expect(place({ alert: alert({ alertname: 'X', site: 'par1' }), findDevice }).key).toBe('site:par1:X');
    expect(place({ alert: alert({ alertname: 'X' }), findDevice }).key).toBe('alert:X');
  });
  it('a device-down alert is recognised; an interface alert is not', () => {
    expect(place({ alert: alert({ alertname: 'DeviceDown', device: 'core1' }), findDevice }).deviceDown).toBe(
      true,
    );
    expect(place({ alert: alert({ alertname: 'up', device: 'core1' }), findDevice }).deviceDown).toBe(true);
    expect(
      place({ alert: alert({ alertname: 'InterfaceDown', device: 'core1', interface: 'Gi1' }), findDevice })
        .deviceDown,
    ).toBe(false);
  });
  it('routes: first matching rule, else the device channel, else the default', () => {
    const rules: RouteRule[] = [
      { match: { severity: ['critical', 'major'], site: 'ams1' }, channel: 'C0CRIT' },
      { match: { team: 'dc' }, channel: 'C0DC' },
    ];
    expect(routeChannel({ severity: 'critical', site: 'ams1' }, rules, { channel: 'C0DEF' })).toBe('C0CRIT');
    expect(routeChannel({ severity: 'warning', site: 'ams1', team: 'dc' }, rules, { channel: 'C0DEF' })).toBe(
      'C0DC',
    );
    expect(routeChannel({}, rules, { device: devices.get('edge1'), channel: 'C0DEF' })).toBe('C0EDGE');
    expect(routeChannel({}, rules, { channel: 'C0DEF' })).toBe('C0DEF');
  });
  it('severity: the worse one wins', () => {
    expect(worseSeverity('warning', 'critical')).toBe('critical');
    expect(worseSeverity(undefined, 'info')).toBe('info');
    expect(worseSeverity('weird', 'info')).toBe('info');
  });
});

describe('diagnostics plan', () => {
  it('what changed first, then the vendor commands per interface and device, then a chart', () => {
    const steps = planDiagnostics([
      { device: 'core1', vendor: getVendor('cisco_iosxe'), interfaces: ['Gi1/0/1'] },
    ]);
    expect(steps[0]).toEqual({ kind: 'changes', devices: ['core1'], sinceMs: 86_400_000 });
    const cmds = steps.filter((s) => s.kind === 'show').map((s) => (s as { command: string }).command);
    expect(cmds).toContain('show interfaces Gi1/0/1');
    expect(cmds).toContain('show ip bgp summary');
    expect(cmds).toContain('show lldp neighbors');
    expect(steps.at(-1)).toMatchObject({ kind: 'graph', device: 'core1', iface: 'Gi1/0/1' });
    expect(steps[1]).toEqual({ kind: 'anomalies', devices: ['core1'], rangeMs: 6 * 3_600_000 });
  });
  it('an interface label that is not an interface name never reaches a CLI', () => {
    const steps = planDiagnostics([
      { device: 'core1', vendor: getVendor('cisco_iosxe'), interfaces: ['Gi1; reload', 'Gi1\nreload'] },
    ]);
    expect(JSON.stringify(steps)).not.toContain('reload');
  });
  it('every vendor diagnostic passes its own read-only allowlist', async () => {
    const { validateReadOnly, listVendors } = await import('../../../src/devices/index.js');
    for (const v of listVendors()) {
      for (const c of [...(v.diagnostics?.device ?? []), ...(v.diagnostics?.interface ?? [])]) {
        const iface = v.name === 'juniper_junos' ? 'ge-0/0/1' : v.name === 'linux' ? 'eth0' : 'Ethernet1';
        expect(
          () => validateReadOnly(v.name, c.replaceAll('{interface}', iface)),
          `${v.name}: ${c}`,
        ).not.toThrow();
      }
    }
  });
});

describe('parent message', () => {
  const base: Incident = {
    id: '7',
    key: 'device:core1',
    state: 'firing',
    title: 'LinkDown on core1 Gi1',
    severity: 'critical',
    site: 'ams1',
    devices: ['core1'],
    channel: 'C1',
    threadTs: null,
    openedAt: new Date('2026-11-29T10:00:00Z'),
    ackedAt: null,
    ackedBy: null,
    resolvedAt: null,
    resolvedBy: null,
    summaryPosted: false,
    diagnosticsAt: null,
    updatedAt: new Date(),
    firing: 2,
    resolved: 1,
  };
  it('shows state, counts and the buttons a state allows', () => {
    const m = parentMessage(base, []);
    expect(m.text).toContain('firing (2 firing · 1 resolved)');
    const ids = (m.blocks.at(-1) as { elements: { action_id: string }[] }).elements.map((e) => e.action_id);
    expect(ids).toEqual([
      'incident.ack',
      'incident.resolve',
      'incident.silence.1h',
      'incident.silence.4h',
      'incident.rerun',
      'incident.diff',
    ]);
    const acked = parentMessage({ ...base, state: 'acknowledged', ackedBy: 'U1', ackedAt: new Date() }, []);
    expect(JSON.stringify(acked.blocks)).toContain('acknowledged* by <@U1>');
    const done = parentMessage(
      { ...base, state: 'resolved', resolvedBy: 'alert', resolvedAt: new Date('2026-11-29T10:30:00Z') },
      [],
    );
    expect(JSON.stringify(done.blocks)).toContain('all alerts resolved after 30 min');
  });
});
