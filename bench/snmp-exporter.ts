import { createCredentialResolver } from '../src/credentials/index.js';
/**
 * bench/snmp-exporter: the poller against Debian's prometheus-snmp-exporter (0.21) on the same
 * simulated agents and the same OIDs.
 *
 *   npx tsx bench/snmp-exporter.ts                 (BENCH_DEVICES=10000 by default)
 *   BENCH_DEVICES=1000 npx tsx bench/snmp-exporter.ts
 *
 * The Debian package's /etc/prometheus/snmp.yml is an empty placeholder, so this writes a module
 * (v2c, the agents' community) that walks exactly the columns the poller walks in steady state on
 * these agents (IF-MIB common + 64-bit columns, HOST-RESOURCES processor and storage) and gets
 * sysUpTime, with a metric per column so the exporter decodes everything it walks. Both sides
 * poll every device once as a warm-up (sessions, capabilities), then once timed, with the same
 * concurrency. Throughput = devices per second; the ratio is ours ÷ the exporter's.
 * Prints one JSON object as the last line. 10,000 agents and the poller's 10,000 sessions take
 * 20,000 of the machine's ~28,000 ephemeral UDP ports: one such bench at a time.
 */
import { fork, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Device, Vendor } from '../src/config.js';
import { HOST_RESOURCES, IF_COLUMNS, SYS } from '../src/snmp/oids.js';
import { createPoller } from '../src/snmp/poller.js';

const N = Number(process.env.BENCH_DEVICES ?? 10_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 200);
const VENDORS: Vendor[] = ['cisco_iosxe', 'cisco_nxos', 'arista_eos', 'juniper_junos', 'frr'];
const log = (...a: unknown[]) => console.error('[bench/snmp-exporter]', ...a);

// What the poller walks on a 64-bit-capable agent (src/snmp/poller.ts COMMON + HC columns, HR).
const COLUMNS: [string, string, 'counter' | 'gauge' | 'DisplayString'][] = [
  ['ifName', IF_COLUMNS.ifName, 'DisplayString'],
  ['ifAlias', IF_COLUMNS.ifAlias, 'DisplayString'],
  ['ifOperStatus', IF_COLUMNS.ifOperStatus, 'gauge'],
  ['ifAdminStatus', IF_COLUMNS.ifAdminStatus, 'gauge'],
  ['ifInErrors', IF_COLUMNS.ifInErrors, 'counter'],
  ['ifOutErrors', IF_COLUMNS.ifOutErrors, 'counter'],
  ['ifInDiscards', IF_COLUMNS.ifInDiscards, 'counter'],
  ['ifOutDiscards', IF_COLUMNS.ifOutDiscards, 'counter'],
  ['ifCounterDiscontinuityTime', IF_COLUMNS.ifCounterDiscontinuityTime, 'gauge'],
  ['ifHCInOctets', IF_COLUMNS.ifHCInOctets, 'counter'],
  ['ifHCOutOctets', IF_COLUMNS.ifHCOutOctets, 'counter'],
  ['ifHCInUcastPkts', IF_COLUMNS.ifHCInUcastPkts, 'counter'],
  ['ifHCOutUcastPkts', IF_COLUMNS.ifHCOutUcastPkts, 'counter'],
  ['ifHighSpeed', IF_COLUMNS.ifHighSpeed, 'gauge'],
  ['hrProcessorLoad', HOST_RESOURCES.hrProcessorLoad, 'gauge'],
  ['hrStorageType', HOST_RESOURCES.hrStorageType, 'gauge'],
  ['hrStorageSize', HOST_RESOURCES.hrStorageSize, 'gauge'],
  ['hrStorageUsed', HOST_RESOURCES.hrStorageUsed, 'gauge'],
];

function moduleYaml(community: string): string {
  const lines = ['netops:', '  walk:'];
  for (const [, oid] of COLUMNS) lines.push(`    - ${oid}`);
  lines.push('  get:', `    - ${SYS.upTime}`, '  metrics:');
  lines.push(`    - name: sysUpTime`, `      oid: ${SYS.upTime.replace(/\.0$/, '')}`, '      type: gauge');
  for (const [name, oid, type] of COLUMNS) {
    const index = name.startsWith('hr') ? 'hrIndex' : 'ifIndex';
    lines.push(`    - name: ${name}`, `      oid: ${oid}`, `      type: ${type}`, '      indexes:');
    lines.push(`        - labelname: ${index}`, '          type: gauge');
  }
  lines.push(
    '  version: 2',
    '  max_repetitions: 25',
    '  retries: 2',
    '  timeout: 5s',
    '  auth:',
    `    community: ${community}`,
  );
  return `${lines.join('\n')}\n`;
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function pool<T>(
  items: readonly T[],
  n: number,
  fn: (x: T) => Promise<boolean>,
): Promise<{ s: number; ok: number }> {
  const t = performance.now();
  let next = 0;
  let ok = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) if (await fn(items[next++]!).catch(() => false)) ok++;
    }),
  );
  return { s: (performance.now() - t) / 1000, ok };
}

async function main() {
  const child = fork(fileURLToPath(new URL('../src/lab/snmp/serve.ts', import.meta.url)), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const specs = Array.from({ length: N }, (_, i) => ({
    name: `sim${i}`,
    vendor: VENDORS[i % 5]!,
    interfaces: 48,
  }));
  const endpoints = await new Promise<Record<string, { host: string; port: number }>>((resolve) => {
    child.once('message', (m: { endpoints: Record<string, { host: string; port: number }> }) =>
      resolve(m.endpoints),
    );
    child.send({ devices: specs, seed: 7, community: 'bench-ro' });
  });
  log(`${N} simulated agents up`);
  const dir = mkdtempSync(join(tmpdir(), 'netops-snmpexp-'));
  writeFileSync(join(dir, 'snmp.yml'), moduleYaml('bench-ro'));
  const port = await freePort();
  const exporter = spawn(
    '/usr/bin/prometheus-snmp-exporter',
    [`--config.file=${join(dir, 'snmp.yml')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=error'],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  try {
    for (
      let i = 0;
      !(await fetch(`http://127.0.0.1:${port}/`).then(
        (r) => r.ok,
        () => false,
      ));
      i++
    ) {
      if (i > 100) throw new Error('snmp_exporter did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
    const targets = specs.map((s) => `${endpoints[s.name]!.host}:${endpoints[s.name]!.port}`);
    let series = 0;
    const scrape = async (target: string) => {
      const res = await fetch(`http://127.0.0.1:${port}/snmp?module=netops&target=${target}`);
      const text = await res.text();
      if (!res.ok || !text.includes('ifHCInOctets{')) return false;
      series = text.split('\n').filter((l) => l.startsWith('ifHCInOctets{')).length;
      return true;
    };
    const devices: Device[] = specs.map((s) => ({
      name: s.name,
      vendor: s.vendor,
      host: endpoints[s.name]!.host,
      port: 22,
      credential: 'x',
      tags: [],
      legacyAlgorithms: false,
      enabled: true,
      snmp: {
        version: '2c',
        port: endpoints[s.name]!.port,
        credential: 'bench',
        timeoutMs: 5_000,
        retries: 2,
      },
    }));
    const poller = createPoller({
      credentials: createCredentialResolver({ env: { NETOPS_CRED_BENCH_COMMUNITY: 'bench-ro' } }),
    });
    const pollOne = async (d: Device) => {
      const r = await poller.poll(d);
      return r.status === 'ok' && r.interfaces.length === 48;
    };
    // CPU seconds each side spends (this process for the poller; the exporter's own process),
    // which a loaded machine does not distort the way it distorts wall time
    const exporterCpu = () => {
      const f = readFileSync(`/proc/${exporter.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      return (Number(f[11]) + Number(f[12])) / 100;
    };
    const ourCpu = () => {
      const u = process.cpuUsage();
      return (u.user + u.system) / 1e6;
    };
    const pass = async <T>(what: string, items: readonly T[], fn: (x: T) => Promise<boolean>) => {
      const c0 = what.startsWith('poller') ? ourCpu() : exporterCpu();
      const r = await pool(items, CONCURRENCY, fn);
      const cpu = (what.startsWith('poller') ? ourCpu() : exporterCpu()) - c0;
      log(
        `${what}: ${r.ok}/${items.length} ok in ${r.s.toFixed(1)} s, ${cpu.toFixed(1)} CPU s (load ${loadavg()[0]!.toFixed(1)})`,
      );
      return { ...r, cpu };
    };
    // alternate which goes first so neither always gets the warmer machine
    await pass('snmp_exporter warm-up', targets, scrape);
    await pass('poller warm-up', devices, pollOne);
    const ours1 = await pass('poller', devices, pollOne);
    const theirs1 = await pass('snmp_exporter', targets, scrape);
    // BENCH_TIMED_PASSES=1: one timed pass each (a loaded machine makes each pass minutes long)
    const twice = Number(process.env.BENCH_TIMED_PASSES ?? 2) > 1;
    const theirs2 = twice ? await pass('snmp_exporter', targets, scrape) : theirs1;
    const ours2 = twice ? await pass('poller', devices, pollOne) : ours1;
    poller.close();
    const ours = Math.min(ours1.s, ours2.s);
    const theirs = Math.min(theirs1.s, theirs2.s);
    const oursCpu = Math.min(ours1.cpu, ours2.cpu);
    const theirsCpu = Math.min(theirs1.cpu, theirs2.cpu);
    const out = {
      poll_ratio_vs_snmp_exporter: Math.round((theirs / ours) * 100) / 100,
      devices: N,
      interfaces_per_device: 48,
      cpu_ratio_vs_snmp_exporter: Math.round((theirsCpu / oursCpu) * 100) / 100,
      ours_round_s: Math.round(ours * 100) / 100,
      ours_round_cpu_s: Math.round(oursCpu * 100) / 100,
      snmp_exporter_round_cpu_s: Math.round(theirsCpu * 100) / 100,
      snmp_exporter_round_s: Math.round(theirs * 100) / 100,
      ours_ok: Math.min(ours1.ok, ours2.ok),
      snmp_exporter_ok: Math.min(theirs1.ok, theirs2.ok),
      snmp_exporter_if_series_per_device: series,
      concurrency: CONCURRENCY,
      loadavg_1m: Math.round(loadavg()[0]! * 100) / 100,
    };
    console.log(JSON.stringify(out));
  } finally {
    exporter.kill('SIGTERM');
    child.disconnect();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
