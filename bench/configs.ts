/**
 * Config-tracking benchmark. Prints one JSON object (last line):
 *   list_versions_100k_ms  latest page of a device with 100,000 versions stored (target < 100)
 *   search_10k_devices_ms  regex search over the latest configs of 10,000 devices (target < 1000)
 *   search_node_10k_ms     the same search done by streaming blobs into Node (the alternative we rejected)
 *   backup_500_devices_s   backup of 500 simulated devices over SSH through the fleet (target < 60)
 *   export_100k_versions_s the 100k-version history written as git commits (fast-import)
 *   normalise_20k_lines_ms normalise + scrub of a 20,000-line IOS-XE config
 * Uses a fresh schema in TEST_DATABASE_URL (default postgres://root@127.0.0.1:5432/test) and drops it.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportConfigs } from '../src/cli/export-configs.js';
import pg from 'pg';
import type { Device } from '../src/config.js';
import type { SimVendor as Vendor } from '../src/lab/vendors.js';
import { backupDevice, createConfigStore, normalise, rulesFor, sha256Hex } from '../src/configs/index.js';
import { createSshCredentials, createDeviceService } from '../src/devices/index.js';
import { startFleet } from '../src/lab/fleet/index.js';
import { searchConfigs, toPostgresRegex } from '../src/configs/search.js';
import { createPool, migrate, quoteIdent } from '../src/storage/index.js';
import { synthConfig } from './lib/common.js';

const URL_ = process.env.TEST_DATABASE_URL ?? 'postgres://root@127.0.0.1:5432/test';

/** A plausible ~300-line IOS-XE config, unique per device (shared with bench/metrics). */
export { synthConfig };

async function main() {
  const schema = `bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: URL_ });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${quoteIdent(schema)}`);
  const pool = createPool({ connectionString: URL_, schema, max: 8 });
  const result: Record<string, number> = {};
  try {
    await migrate(pool);
    const store = createConfigStore(pool);

    // 1. 100,000 versions of one device, bulk-loaded (the store's own path is exercised below).
    await pool.query(
      `INSERT INTO config_blobs (sha256, body, bytes) VALUES ('bench-blob', 'hostname big', 12)`,
    );
    await pool.query(
      `INSERT INTO config_versions (device, sha256, collected_at, trigger, author)
       SELECT 'big', 'bench-blob', timestamptz '2015-01-01' + (g || ' minutes')::interval, 'schedule', NULL
         FROM generate_series(1, 100000) g`,
    );
    await store.record({
      device: 'big',
      body: 'hostname big\n! now\n',
      collectedAt: new Date(),
      trigger: 'manual',
    });
    await pool.query('ANALYZE config_versions');
    const listTimes: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t0 = performance.now();
      const page = await store.list('big', { limit: 50 });
      const page2 = await store.list('big', { limit: 50, before: page.next! });
      listTimes.push(performance.now() - t0);
      if (page.versions.length !== 50 || page2.versions.length !== 50)
        throw new Error('list returned a short page');
    }
    listTimes.sort((a, b) => a - b);
    result.list_versions_100k_ms = round(listTimes[Math.floor(listTimes.length / 2)]!);

    // The same 100k-version history written out as git commits (fast-import).
    {
      const dir = mkdtempSync(join(tmpdir(), 'netops-bench-export-'));
      const t0 = performance.now();
      const r = await exportConfigs(pool, join(dir, 'repo'));
      result.export_100k_versions_s = round((performance.now() - t0) / 1000);
      rmSync(dir, { recursive: true, force: true });
      if (r.commits !== 100_001) throw new Error(`exported ${r.commits} commits`);
    }

    // Normalising a 20,000-line running config (IOS-XE rules, secrets and volatile lines included).
    {
      const base = readFileSync(
        new URL('../test/unit/configs/fixtures/cisco_iosxe.cfg', import.meta.url),
        'utf8',
      );
      let big = base;
      while (big.split('\n').length < 20_000) big += base;
      const rules = rulesFor('cisco_iosxe');
      normalise(big, rules);
      const t0 = performance.now();
      for (let i = 0; i < 5; i++) normalise(big, rules);
      result.normalise_20k_lines_ms = round((performance.now() - t0) / 5);
    }

    // 2. 10,000 devices with distinct ~10 KB configs.
    const N = Number(process.env.BENCH_DEVICES ?? 10_000);
    for (let start = 0; start < N; start += 500) {
      const shas: string[] = [];
      const bodies: string[] = [];
      const devices: string[] = [];
      for (let i = start; i < Math.min(N, start + 500); i++) {
        const body = synthConfig(i);
        bodies.push(body);
        shas.push(sha256Hex(body));
        devices.push(`dev${String(i).padStart(5, '0')}`);
      }
      await pool.query(
        `INSERT INTO config_blobs (sha256, body, bytes) SELECT s, b, octet_length(b) FROM unnest($1::text[], $2::text[]) AS t(s, b)`,
        [shas, bodies],
      );
      await pool.query(
        `WITH v AS (INSERT INTO config_versions (device, sha256, collected_at, trigger)
                    SELECT d, s, now(), 'schedule' FROM unnest($1::text[], $2::text[]) AS t(d, s) RETURNING id, device, sha256, collected_at)
         INSERT INTO config_latest (device, sha256, version_id, collected_at, checked_at, body)
         SELECT v.device, v.sha256, v.id, v.collected_at, v.collected_at, t.b FROM v JOIN unnest($1::text[], $3::text[]) AS t(d, b) ON t.d = v.device`,
        [devices, shas, bodies],
      );
    }
    await pool.query('VACUUM ANALYZE config_blobs');
    await pool.query('VACUUM ANALYZE config_latest');
    const { rows: size } = await pool.query(`SELECT sum(bytes)::int AS bytes FROM config_blobs`);
    const pattern = '^ntp server 10\\.9\\.9\\.99';
    const searchTimes: number[] = [];
    let hits = 0;
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      const r = await searchConfigs(pool, { pattern, context: 1 });
      searchTimes.push(performance.now() - t0);
      hits = r.hits.length;
    }
    if (hits !== Math.ceil(N / 10)) throw new Error(`expected ${Math.ceil(N / 10)} hits, got ${hits}`);
    searchTimes.sort((a, b) => a - b);
    result.search_10k_devices_ms = round(searchTimes[Math.floor(searchTimes.length / 2)]!);
    // A pattern that matches nothing forces a full scan of every body.
    {
      const t0 = performance.now();
      await searchConfigs(pool, { pattern: 'snmp-server community \\S+ RW' });
      result.search_10k_nomatch_ms = round(performance.now() - t0);
    }
    {
      const t0 = performance.now();
      const r = await searchConfigs(pool, { pattern: '^hostname', context: 2 });
      result.search_10k_all_match_ms = round(performance.now() - t0);
      if (r.hits.length !== N + 1) throw new Error('all-match search missed devices');
    }

    // The alternative: stream every latest blob to Node and match there.
    {
      const re = new RegExp(pattern, 'm');
      const t0 = performance.now();
      const { rows } = await pool.query<{ device: string; body: string }>(
        'SELECT device, body FROM config_latest',
      );
      const n = rows.filter((r) => re.test(r.body)).length;
      result.search_node_10k_ms = round(performance.now() - t0);
      if (n !== hits) throw new Error('node search disagrees');
    }
    result.search_corpus_mb = round(size[0].bytes / 1e6);
    void toPostgresRegex;

    // 3. Back up 500 simulated devices over real SSH (first backup: fetch, normalise, store).
    if (process.env.BENCH_SKIP_FLEET !== '1')
      Object.assign(result, await backupFleet(pool, Number(process.env.BENCH_FLEET ?? 500)));
  } finally {
    await pool.end();
    if (process.env.BENCH_KEEP) console.error(`kept schema ${schema}`);
    else await admin.query(`DROP SCHEMA ${quoteIdent(schema)} CASCADE`);
    await admin.end();
  }
  console.log(JSON.stringify(result));
}

async function backupFleet(pool: pg.Pool, n: number): Promise<Record<string, number>> {
  const vendors: Vendor[] = ['cisco_iosxe', 'cisco_nxos', 'arista_eos', 'juniper_junos', 'frr'];
  const fleet = await startFleet({
    devices: Array.from({ length: n }, (_, i) => ({
      name: `sim${String(i).padStart(4, '0')}`,
      vendor: vendors[i % vendors.length]!,
    })),
  });
  const env: Record<string, string> = {};
  const inventory: Device[] = fleet.devices.map((d, i) => {
    env[`NETOPS_CRED_B${i}_USERNAME`] = d.credential.username;
    env[`NETOPS_CRED_B${i}_PASSWORD`] = d.credential.password;
    if (d.credential.enable) env[`NETOPS_CRED_B${i}_ENABLE`] = d.credential.enable;
    return { ...fleet.inventory(`b${i}`)[i]!, credential: `b${i}` };
  });
  const devices = createDeviceService({ credentials: createSshCredentials({ env }), tofu: false });
  const store = createConfigStore(pool);
  const deps = { devices, store, clock: () => new Date(), channelFor: () => undefined };
  const pass = async () => {
    const queue = [...inventory];
    let failed = 0;
    let changed = 0;
    const worker = async () => {
      for (let d = queue.shift(); d; d = queue.shift()) {
        try {
          if ((await backupDevice(deps, d, { trigger: 'schedule' })).changed) changed++;
        } catch {
          failed++;
        }
      }
    };
    const t0 = performance.now();
    // Like 4 workers × WORKER_CONCURRENCY 16 against one device layer.
    await Promise.all(Array.from({ length: 64 }, worker));
    return { s: (performance.now() - t0) / 1000, failed, changed };
  };
  try {
    const first = await pass();
    const second = await pass();
    if (first.changed !== n - first.failed) throw new Error(`first pass stored ${first.changed}/${n}`);
    if (second.changed !== 0)
      throw new Error(`second pass made ${second.changed} versions (volatile lines leaked)`);
    return {
      backup_500_devices_s: round(first.s),
      backup_500_devices_unchanged_s: round(second.s),
      backup_failed: first.failed + second.failed,
      backup_devices: n,
    };
  } finally {
    await devices.close();
    await fleet.stop();
  }
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}

await main();
