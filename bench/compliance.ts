/**
 * Compliance evaluation:
 *   evaluate_50_rules_10k_devices_s  50 rules (present, absent, section; templates with site
 *                                    variables; ordered blocks) over 10,000 synthetic configs of
 *                                    four vendor shapes, each ~150 lines (pure engine, in memory)
 *   reevaluate_one_device_ms         one device after a new version: evaluate its 50 rules and
 *                                    record the results in Postgres (median of 50)
 * Uses a fresh schema in TEST_DATABASE_URL (default postgres://root@127.0.0.1:5432/test) and drops it.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import {
  type ComplianceConfig,
  complianceSchema,
  createComplianceStore,
  type DeviceInfo,
  evaluateDevice,
  prepareConfig,
} from '../src/compliance/index.js';
import type { Vendor } from '../src/config.js';
import { createPool, migrate, quoteIdent } from '../src/storage/index.js';

const URL_ = process.env.TEST_DATABASE_URL ?? 'postgres://root@127.0.0.1:5432/test';
const DEVICES = 10_000;
const SITES = ['ams1', 'fra1', 'lon1', 'par1'];
const opts = { secretMarker: '<removed>' };

function rules(): ComplianceConfig {
  const r: unknown[] = [
    {
      name: 'ntp',
      kind: 'present',
      lines: '{{#site.ntp}}\nntp server {{.}}\n{{/site.ntp}}',
      vendors: {
        juniper_junos: { lines: 'system {\n ntp {\n{{#site.ntp}}\n  server {{.}};\n{{/site.ntp}}\n }\n}' },
      },
    },
    {
      name: 'ntp-exact',
      kind: 'section',
      match: '^ntp server ',
      lines: '{{#site.ntp}}\nntp server {{.}}\n{{/site.ntp}}',
      vendors: {
        juniper_junos: {
          match: '^ntp \\{',
          lines: 'system {\n ntp {\n{{#site.ntp}}\n  server {{.}};\n{{/site.ntp}}\n }\n}',
        },
      },
    },
    {
      name: 'no-http',
      kind: 'absent',
      lines: 'ip http server',
      vendors: { juniper_junos: { patterns: ['^telnet$'] } },
    },
    {
      name: 'mgmt-acl',
      kind: 'present',
      ordered: true,
      lines: 'ip access-list extended MGMT\n 10 permit ip 10.0.0.0 0.0.0.255 any\n 20 deny ip any any',
      scope: { role: 'core' },
    },
  ];
  for (let i = r.length; i < 50; i++) {
    const k = i % 3;
    if (k === 0)
      r.push({
        name: `present-${i}`,
        kind: 'present',
        lines: `logging host 10.9.${i}.1`,
        vendors: { juniper_junos: { lines: `system {\n syslog {\n  host 10.9.${i}.1;\n }\n}` } },
      });
    else if (k === 1)
      r.push({ name: `absent-${i}`, kind: 'absent', patterns: [`^snmp-server community public${i}\\b`] });
    else
      r.push({
        name: `block-${i}`,
        kind: 'present',
        lines: `interface Loopback${i % 5}\n description mgmt {{device.name}}`,
        vendors: {
          juniper_junos: { lines: `interfaces {\n lo0 {\n  description "mgmt {{device.name}}";\n }\n}` },
        },
        scope: { site: SITES[i % 4] },
      });
  }
  return complianceSchema.parse({
    sites: Object.fromEntries(SITES.map((s, i) => [s, { ntp: [`10.${i}.0.1`, `10.${i}.0.2`] }])),
    rules: r,
  });
}

function iosConfig(d: DeviceInfo, i: number): string {
  const site = SITES.indexOf(d.site!);
  const out = [`hostname ${d.name}`, '!'];
  for (let p = 0; p < 24; p++)
    out.push(`interface GigabitEthernet1/0/${p}`, ` description port ${p}`, ' switchport mode access', '!');
  for (let l = 0; l < 5; l++) out.push(`interface Loopback${l}`, ` description mgmt ${d.name}`, '!');
  out.push(`ntp server 10.${site}.0.1`);
  if (i % 7) out.push(`ntp server 10.${site}.0.2`);
  if (i % 11 === 0) out.push('ip http server');
  out.push(
    'ip access-list extended MGMT',
    ' 10 permit ip 10.0.0.0 0.0.0.255 any',
    ' 20 deny ip any any',
    '!',
  );
  for (let h = 3; h < 50; h += 3) if ((i + h) % 5) out.push(`logging host 10.9.${h}.1`);
  out.push(
    'router bgp 65000',
    ` bgp router-id 10.255.${i % 255}.1`,
    ' neighbor 10.0.0.2 remote-as 65001',
    '!',
    'end',
  );
  return `${out.join('\n')}\n`;
}

function junosConfig(d: DeviceInfo, i: number): string {
  const site = SITES.indexOf(d.site!);
  const out = ['system {', `    host-name ${d.name};`, '    ntp {', `        server 10.${site}.0.1;`];
  if (i % 7) out.push(`        server 10.${site}.0.2;`);
  out.push('    }', '    syslog {');
  for (let h = 3; h < 50; h += 3) if ((i + h) % 5) out.push(`        host 10.9.${h}.1;`);
  out.push(
    '    }',
    '    services {',
    '        ssh;',
    ...(i % 11 ? [] : ['        telnet;']),
    '    }',
    '}',
    'interfaces {',
  );
  for (let p = 0; p < 24; p++) out.push(`    ge-0/0/${p} {`, `        description "port ${p}";`, '    }');
  out.push('    lo0 {', `        description "mgmt ${d.name}";`, '    }', '}');
  return `${out.join('\n')}\n`;
}

const VENDOR_MIX: Vendor[] = ['cisco_iosxe', 'arista_eos', 'juniper_junos', 'frr'];

function fleet(): { device: DeviceInfo; config: string }[] {
  return Array.from({ length: DEVICES }, (_, i) => {
    const vendor = VENDOR_MIX[i % 4]!;
    const device: DeviceInfo = {
      name: `dev${i}`,
      vendor,
      site: SITES[i % 4],
      role: i % 3 ? 'access' : 'core',
      tags: [],
    };
    return { device, config: vendor === 'juniper_junos' ? junosConfig(device, i) : iosConfig(device, i) };
  });
}

async function main() {
  const cfg = rules();
  const devices = fleet();
  const t0 = performance.now();
  let checks = 0;
  let failing = 0;
  for (const { device, config } of devices) {
    const res = evaluateDevice(cfg, device, prepareConfig(device.vendor, config), opts);
    checks += res.length;
    for (const r of res) if (r.status !== 'compliant') failing++;
  }
  const fleetS = (performance.now() - t0) / 1000;

  const schema = `bench_compliance_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: URL_ });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${quoteIdent(schema)}`);
  const pool = createPool({ connectionString: URL_, schema, max: 4 });
  const times: number[] = [];
  try {
    await migrate(pool);
    const store = createComplianceStore(pool);
    const one = devices[0]!;
    for (let k = 0; k < 50; k++) {
      // Alternate between two versions so each round changes results (history rows written).
      const body = k % 2 ? one.config.replace(/ntp server 10\.0\.0\.2\n/, '') : one.config;
      const t = performance.now();
      const res = evaluateDevice(cfg, one.device, body, opts);
      await store.record(
        one.device.name,
        { id: k + 1, n: k + 1, collectedAt: new Date(), author: 'bench' },
        res,
        new Date(),
      );
      times.push(performance.now() - t);
    }
  } finally {
    await pool.end();
    await admin.query(`DROP SCHEMA ${quoteIdent(schema)} CASCADE`);
    await admin.end();
  }
  times.sort((a, b) => a - b);
  console.log(
    JSON.stringify({
      evaluate_50_rules_10k_devices_s: Math.round(fleetS * 100) / 100,
      checks,
      failing_checks: failing,
      rules: cfg.rules.length,
      devices: DEVICES,
      reevaluate_one_device_ms: Math.round(times[times.length >> 1]! * 10) / 10,
      reevaluate_one_device_p95_ms: Math.round(times[Math.floor(times.length * 0.95)]! * 10) / 10,
    }),
  );
}

await main();
