/**
 * SNMP benchmarks. Prints one JSON object as its last line:
 * - poll_ratio_vs_bare_walk: the poller's full poll of one 48-interface simulated device ÷ a bare
 *   net-snmp subtree walk of ifTable + ifXTable on the same agent (median of many); also against
 *   Debian's snmpd (`_snmpd`).
 * - poll_1000x48_wall_s: one polling round (steady state: sessions and capabilities known) over 1,000
 *   simulated devices × 48 interfaces served by a separate process, rates included.
 * - poll_and_store_1000x48_wall_s: the same round as the snmp.poll job does it (baseline load/save,
 *   rates, samples + interfaces + device gauges written to Postgres).
 * - sample_insert_rows_per_s: batched inserts into `samples` on the local Postgres.
 */
import { createCredentialResolver } from '../src/credentials/index.js';
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import snmp from 'net-snmp';
import type { Device, Vendor } from '../src/config.js';
import { startSnmpLab } from '../src/lab/snmp/agent.js';
import { backfill } from '../src/lab/snmp/backfill.js';
import { startSnmpd } from '../src/lab/snmp/snmpd.js';
import { type SampleRow, insertSamples } from '../src/metrics/store.js';
import { type DeviceReading, computeRates } from '../src/snmp/counters.js';
import { IFX_TABLE, IF_TABLE } from '../src/snmp/oids.js';
import { type PollResult, createPoller } from '../src/snmp/poller.js';
import { ensurePartitions } from '../src/metrics/partitions.js';
import { createMonitoringService } from '../src/snmp/service.js';
import { createPool } from '../src/storage/index.js';
import { TEST_DATABASE_URL, freshDb } from '../test/helpers/pg.js';

const env = { NETOPS_CRED_BENCH_COMMUNITY: 'bench-ro' };
const VENDORS: Vendor[] = ['cisco_iosxe', 'cisco_nxos', 'arista_eos', 'juniper_junos', 'frr'];

function device(
  name: string,
  host: string,
  port: number,
  vendor: Vendor = 'arista_eos',
  timeoutMs = 2_000,
): Device {
  return {
    name,
    vendor,
    host,
    port: 22,
    credential: 'x',
    tags: [],
    legacyAlgorithms: false,
    enabled: true,
    snmp: { version: '2c', port, credential: 'bench', timeoutMs, retries: 2 },
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function bareWalk(host: string, port: number, community: string): Promise<number> {
  const session = snmp.createSession(host, community, { port, version: snmp.Version2c, timeout: 2_000 });
  let n = 0;
  for (const table of [IF_TABLE, IFX_TABLE]) {
    await new Promise<void>((resolve, reject) =>
      session.subtree(
        table,
        20,
        (vbs) => {
          n += vbs.length;
          return undefined;
        },
        (err) => (err ? reject(err) : resolve()),
      ),
    );
  }
  session.close();
  return n;
}

async function ratio(host: string, port: number, community: string, rounds: number) {
  const poller = createPoller({
    credentials: createCredentialResolver({ env: { NETOPS_CRED_BENCH_COMMUNITY: community } }),
  });
  const d = device('one', host, port);
  await poller.poll(d); // learn capabilities, open the session
  await bareWalk(host, port, community);
  const polls: number[] = [];
  const walks: number[] = [];
  for (let i = 0; i < rounds; i++) {
    let t = performance.now();
    await poller.poll(d);
    polls.push(performance.now() - t);
    t = performance.now();
    await bareWalk(host, port, community);
    walks.push(performance.now() - t);
  }
  poller.close();
  return { poll: median(polls), walk: median(walks), ratio: median(polls) / median(walks) };
}

async function fleet(count: number, ifCount: number) {
  const child = fork(fileURLToPath(new URL('../src/lab/snmp/serve.ts', import.meta.url)), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const devices = Array.from({ length: count }, (_, i) => ({
    name: `sim${i}`,
    vendor: VENDORS[i % VENDORS.length]!,
    interfaces: ifCount,
  }));
  const endpoints = await new Promise<Record<string, { host: string; port: number }>>((resolve) => {
    child.once('message', (m: { endpoints: Record<string, { host: string; port: number }> }) =>
      resolve(m.endpoints),
    );
    child.send({ devices, seed: 7, community: 'bench-ro' });
  });
  const poller = createPoller({ credentials: createCredentialResolver({ env }) });
  const inv = devices.map((d) =>
    device(d.name, endpoints[d.name]!.host, endpoints[d.name]!.port, d.vendor, 5_000),
  );
  const baselines = new Map<string, DeviceReading>();
  const round = async () => {
    const t = performance.now();
    let next = 0;
    let ok = 0;
    let failed = 0;
    let samples = 0;
    const worker = async () => {
      while (next < inv.length) {
        const d = inv[next++]!;
        try {
          const r = (await poller.poll(d)) as PollResult;
          samples += computeRates(baselines.get(d.name), r).samples.length;
          baselines.set(d.name, r);
          ok++;
        } catch {
          failed++;
        }
      }
    };
    await Promise.all(Array.from({ length: 100 }, worker));
    return { s: (performance.now() - t) / 1000, ok, failed, samples };
  };
  const first = await round();
  const second = await round();
  // End to end as the poll job does it: baseline from Postgres, rates, samples/interfaces/gauges stored.
  const db = await freshDb('benchpoll');
  const pool = createPool({ connectionString: TEST_DATABASE_URL, schema: db.schema, max: 20 });
  const monitoring = createMonitoringService({
    pool,
    credentials: createCredentialResolver({ env }),
    poller,
  });
  const stored = async () => {
    const t = performance.now();
    let next = 0;
    let failed = 0;
    const worker = async () => {
      while (next < inv.length) {
        const d = inv[next++]!;
        await monitoring.pollAndStore(d).catch(() => failed++);
      }
    };
    await Promise.all(Array.from({ length: 50 }, worker));
    return { s: (performance.now() - t) / 1000, failed };
  };
  await ensurePartitions(pool, new Date(Date.now() - 86_400_000), new Date(Date.now() + 86_400_000));
  await stored();
  const third = await stored();
  await pool.end();
  await db.drop();
  poller.close();
  child.disconnect();
  return { first, second, stored: third };
}

async function inserts(rows: number) {
  const db = await freshDb('bench');
  try {
    const t0 = Date.UTC(2026, 0, 10);
    const batch: SampleRow[] = Array.from({ length: rows }, (_, i) => ({
      device: `d${i % 1000}`,
      ifIndex: 1 + (i % 48),
      ts: new Date(t0 + Math.floor(i / 48_000) * 60_000),
      inBps: i * 1.5,
      outBps: i * 0.5,
      inPps: 100,
      outPps: 50,
      inErrors: 0,
      outErrors: 0,
      inDiscards: 0,
      outDiscards: 0,
      speedBps: 1e9,
    }));
    await db.pool.query(
      `CREATE TABLE samples_20260110 PARTITION OF samples FOR VALUES FROM ('2026-01-10') TO ('2026-01-11')`,
    );
    const t = performance.now();
    await Promise.all(
      [0, 1, 2, 3].map((k) => insertSamples(db.pool, batch.slice((k * rows) / 4, ((k + 1) * rows) / 4))),
    );
    const insertRate = rows / ((performance.now() - t) / 1000);
    const bf = await backfill(
      db.pool,
      [
        { name: 'bf1', vendor: 'cisco_iosxe' },
        { name: 'bf2', vendor: 'arista_eos' },
      ],
      {
        days: 7,
        stepSec: 300,
        end: new Date(Date.UTC(2026, 0, 20)),
      },
    );
    return { insertRate, backfillRate: bf.rows / (bf.ms / 1000) };
  } finally {
    await db.drop();
  }
}

const lab = await startSnmpLab({
  devices: [{ name: 'one', vendor: 'arista_eos', interfaces: 48 }],
  community: 'bench-ro',
});
const sim = await ratio(lab.endpoint('one').host, lab.endpoint('one').port, 'bench-ro', 40);
await lab.close();
const agent = await startSnmpd({ community: 'bench-ro' });
const real = await ratio(agent.host, agent.port, 'bench-ro', 40);
await agent.stop();
const f = await fleet(Number(process.env.BENCH_DEVICES ?? 1000), 48);
const ins = await inserts(200_000);
const out = {
  poll_ratio_vs_bare_walk: Number(sim.ratio.toFixed(3)),
  poll_ms_sim48: Number(sim.poll.toFixed(2)),
  bare_walk_ms_sim48: Number(sim.walk.toFixed(2)),
  poll_ratio_vs_bare_walk_snmpd: Number(real.ratio.toFixed(3)),
  poll_1000x48_wall_s: Number(f.second.s.toFixed(2)),
  poll_1000x48_first_round_wall_s: Number(f.first.s.toFixed(2)),
  poll_1000x48_failed: f.second.failed,
  poll_and_store_1000x48_wall_s: Number(f.stored.s.toFixed(2)),
  poll_and_store_failed: f.stored.failed,
  poll_1000x48_samples: f.second.samples,
  sample_insert_rows_per_s: Math.round(ins.insertRate),
  backfill_rows_per_s: Math.round(ins.backfillRate),
};
console.log(JSON.stringify(out));
process.exit(0);
