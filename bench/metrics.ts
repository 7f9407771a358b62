import { createCredentialResolver } from '../src/credentials/index.js';
/**
 * bench/metrics: the figures of issue 17 from one run.
 *
 *   npx tsx bench/metrics.ts
 *   BENCH_10M_ROWS=2000000 npx tsx bench/metrics.ts     (smaller downsample range)
 *   BENCH_ONLY=storage,graph,search,poll npx tsx bench/metrics.ts
 *
 * - storage: a fleet slice (devices × 48 interfaces × 24 h of 1-minute polls, rates from the
 *   poller's own counter maths) written as rows, then compacted. bytes_per_value = on-disk bytes
 *   (heap, TOAST and indexes) ÷ stored metric values (8 per sample), for the old row layout, the
 *   alternatives measured (float8[] per interface-hour compressed by pglz and by lz4, XOR/Gorilla
 *   floats computed here) and the packed layout chosen.
 * - graph: one interface with 1M samples (1 s apart) in the packed layout: query + summary (peak
 *   and its moment, exact p95, average, latest: same pass) + M4 + PNG, end to end; then 10M samples
 *   downsampled to the plot width (raw, no rollups): pixel columns that hold whole hours read
 *   from the rows' heads, so p95 is left out (downsample_10m_raw_ms); with the exact p95, which
 *   decodes every sample (downsample_10m_raw_with_p95_ms). (This replaces bench/charts' figures.)
 * - poll: 10,000 simulated devices × 48 interfaces polled in rounds and stored (see poll()).
 * - victoriametrics (BENCH_BACKENDS=postgres to skip): graph and poll again with the samples in a
 *   victoria-metrics started here (see victoria()); printed under `victoriametrics`.
 * Sets up its own schema, drops it at the end; prints one JSON object as the last line.
 */
import type pg from 'pg';
import { createChartRenderer, utilisationChart } from '../src/charts/index.js';
import { bucketsToM4, withGaps } from '../src/metrics/downsample.js';
import {
  compactBefore,
  KIND,
  PERIOD_MS,
  type PackedPeriod,
  packPeriod,
  writePacked,
} from '../src/metrics/packed.js';
import { METRICS } from '../src/metrics/names.js';
import { ensurePartitions } from '../src/metrics/partitions.js';
import { findInterface, querySeriesFor, querySummary } from '../src/metrics/query.js';
import { type MetricsBackend, victoriaBackend } from '../src/metrics/backend.js';
import { insertSamples, type SampleRow, upsertInterfaces } from '../src/metrics/store.js';
import { computeRates, type DeviceReading } from '../src/snmp/counters.js';
import {
  buildDeviceModel,
  discardsAtKnot,
  errorsAtKnot,
  integrate,
  utilAtKnot,
} from '../src/lab/snmp/model.js';
import { lcg, load1, logger, median, r1, r2, synthConfig, timed, withBenchSchema } from './lib/common.js';

const FLEET_DEVICES = Number(process.env.BENCH_FLEET_DEVICES ?? 20);
const ROWS_1M = Number(process.env.BENCH_1M_ROWS ?? 1_000_000);
const ROWS_10M = Number(process.env.BENCH_10M_ROWS ?? 10_000_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const SEARCH_DEVICES = Number(process.env.BENCH_SEARCH_DEVICES ?? 100_000);
const POLL_DEVICES = Number(process.env.BENCH_POLL_DEVICES ?? 10_000);
const POLL_INTERVAL_MS = Number(process.env.BENCH_POLL_INTERVAL_S ?? 60) * 1000;
/**
 * Rounds polled (default 2); the last is the one measured. VictoriaMetrics creates each series on
 * its first sample, which is round 2's work: BENCH_POLL_ROUNDS=3 measures a round after that.
 */
const POLL_ROUNDS = Math.max(2, Number(process.env.BENCH_POLL_ROUNDS ?? 2));
const ONLY = new Set((process.env.BENCH_ONLY ?? 'storage,graph,search,poll').split(','));
/** Backends measured: postgres always; victoriametrics (the Debian binary) unless left out. */
const BACKENDS = new Set((process.env.BENCH_BACKENDS ?? 'postgres,victoriametrics').split(','));
const DAY = 86_400_000;
const START = Date.parse('2026-01-01T00:00:00Z');
const SPIKE = 9.9e9;

const log = logger('metrics');

/** Bytes of a (partitioned) table with its TOAST and indexes. */
async function tableBytes(pool: pg.Pool, table: string): Promise<number> {
  const { rows } = await pool.query(
    `SELECT coalesce(sum(pg_total_relation_size(relid)), 0)::float8 AS b FROM pg_partition_tree($1::regclass)`,
    [table],
  );
  return Number(rows[0].b);
}

/** Bits Gorilla's XOR float encoding (Pelkonen et al. 2015) would take for a series. */
function gorillaBits(vs: readonly (number | null)[]): number {
  const f = new Float64Array(1);
  const u = new BigUint64Array(f.buffer);
  let prev = 0n;
  let prevLead = -1;
  let prevTrail = -1;
  let bits = 0;
  for (const v of vs) {
    f[0] = v ?? Number.NaN;
    const cur = u[0]!;
    const x = cur ^ prev;
    prev = cur;
    if (x === 0n) {
      bits += 1;
      continue;
    }
    const s = x.toString(2).padStart(64, '0');
    const lead = Math.min(31, s.indexOf('1'));
    const trail = 63 - s.lastIndexOf('1');
    if (prevLead >= 0 && lead >= prevLead && trail >= prevTrail) bits += 2 + (64 - prevLead - prevTrail);
    else {
      bits += 2 + 5 + 6 + (64 - lead - trail);
      prevLead = lead;
      prevTrail = trail;
    }
  }
  return bits;
}

async function storage(pool: pg.Pool): Promise<Record<string, unknown>> {
  const t0 = START + 20 * DAY;
  await ensurePartitions(pool, new Date(t0 - DAY), new Date(t0 + 2 * DAY));
  const rnd = lcg(17);
  let samples = 0;
  const series: Record<string, (number | null)[]> = {};
  const vendors = ['cisco_iosxe', 'arista_eos', 'juniper_junos', 'cisco_nxos'] as const;
  for (let d = 0; d < FLEET_DEVICES; d++) {
    const device = `edge${String(d).padStart(3, '0')}`;
    // the simulated fleet's own traffic model (what the lab's SNMP agents serve), no reboots
    const model = buildDeviceModel(1, device, vendors[d % vendors.length]!, 48, 0);
    await upsertInterfaces(
      pool,
      device,
      model.interfaces.map((i) => ({ ifIndex: i.ifIndex, name: i.name, speedBps: i.speedBps })),
    );
    const ctr = model.interfaces.map(() => ({
      inOct: BigInt(Math.floor(rnd() * 1e12)),
      outOct: BigInt(Math.floor(rnd() * 1e12)),
      inPkt: 0n,
      outPkt: 0n,
      inErr: 0n,
      outErr: 0n,
      inDisc: 0n,
      outDisc: 0n,
    }));
    let prev: DeviceReading | undefined;
    let rows: SampleRow[] = [];
    let t = t0 + Math.floor(rnd() * 60_000);
    for (let p = 0; p <= 1440; p++) {
      // the poller's clock: a minute apart, give or take a few hundred ms
      const dt = 60_000 + Math.round((rnd() - 0.5) * 500);
      const a = t;
      t += dt;
      model.interfaces.forEach((i, k) => {
        const c = ctr[k]!;
        const inB = integrate((x) => (utilAtKnot(i, x, 0) * i.speedBps) / 8, a, t);
        const outB = integrate((x) => (utilAtKnot(i, x, 1) * i.speedBps) / 8, a, t);
        c.inOct += BigInt(Math.round(inB));
        c.outOct += BigInt(Math.round(outB));
        c.inPkt += BigInt(Math.round(inB / i.pktBytes));
        c.outPkt += BigInt(Math.round(outB / i.pktBytes));
        c.inErr += BigInt(Math.round(integrate((x) => errorsAtKnot(i, x, 0), a, t)));
        c.outErr += BigInt(Math.round(integrate((x) => errorsAtKnot(i, x, 1), a, t)));
        c.inDisc += BigInt(Math.round(integrate((x) => discardsAtKnot(i, x, 0), a, t)));
        c.outDisc += BigInt(Math.round(integrate((x) => discardsAtKnot(i, x, 1), a, t)));
      });
      const cur: DeviceReading = {
        ts: t,
        uptimeCs: 100_000_000 + p * 6000,
        interfaces: model.interfaces.map((i, k) => {
          const c = ctr[k]!;
          return {
            ifIndex: i.ifIndex,
            hc: true,
            speedBps: i.speedBps,
            counters: {
              inOctets: c.inOct,
              outOctets: c.outOct,
              inPkts: c.inPkt,
              outPkts: c.outPkt,
              inErrors: c.inErr,
              outErrors: c.outErr,
              inDiscards: c.inDisc,
              outDiscards: c.outDisc,
            },
          };
        }),
      };
      const r = computeRates(prev, cur);
      prev = cur;
      if (r.reset) continue;
      for (const s of r.samples) {
        rows.push({ device, ...s });
        if (d === 0) {
          for (const k of [
            'inBps',
            'outBps',
            'inPps',
            'outPps',
            'inErrors',
            'outErrors',
            'inDiscards',
            'outDiscards',
          ] as const) {
            const key = `${s.ifIndex}.${k}`;
            series[key] = series[key] ?? [];
            series[key].push(s[k]);
          }
        }
      }
      if (rows.length >= 20_000) {
        samples += await insertSamples(pool, rows);
        rows = [];
      }
    }
    samples += await insertSamples(pool, rows);
  }
  await pool.query('VACUUM ANALYZE samples');
  const values = samples * 8;
  const rowsBytes = await tableBytes(pool, 'samples');
  log(
    `fleet slice: ${FLEET_DEVICES} devices × 48 interfaces × 24 h = ${samples} samples, rows ${rowsBytes} B`,
  );

  // the alternatives: one row per interface-hour with float8[] columns, compressed by PostgreSQL
  const alt: Record<string, number> = {};
  for (const method of ['pglz', 'lz4']) {
    const t = `alt_${method}`;
    const cols = METRICS;
    await pool.query(
      `CREATE TABLE ${t} (device text, ifindex int, period timestamptz, ts timestamptz[] COMPRESSION ${method},
        ${cols.map((c) => `${c} float8[] COMPRESSION ${method}`).join(', ')}, PRIMARY KEY (device, ifindex, period))`,
    );
    await pool.query(
      `INSERT INTO ${t} SELECT device, ifindex, date_trunc('hour', ts), array_agg(ts ORDER BY ts),
         ${cols.map((c) => `array_agg(${c} ORDER BY ts)`).join(', ')} FROM samples GROUP BY 1, 2, 3`,
    );
    await pool.query(`VACUUM ANALYZE ${t}`);
    alt[method] =
      Number((await pool.query('SELECT pg_total_relation_size($1::regclass)::float8 AS b', [t])).rows[0].b) /
      values;
    await pool.query(`DROP TABLE ${t}`);
  }
  let gBits = 0;
  let gValues = 0;
  for (const vs of Object.values(series)) {
    gBits += gorillaBits(vs);
    gValues += vs.length;
  }

  const c0 = performance.now();
  const compacted = await compactBefore(pool, new Date(t0 + 3 * DAY));
  const compactMs = performance.now() - c0;
  await pool.query('VACUUM ANALYZE samples_packed');
  const packedBytes = await tableBytes(pool, 'samples_packed');
  const left = (await pool.query('SELECT count(*)::int AS n FROM samples')).rows[0].n;
  if (left !== 0 || compacted.samples !== samples) throw new Error(`compaction left ${left} rows`);
  return {
    bytes_per_value: r2(packedBytes / values),
    bytes_per_value_rows_before: r2(rowsBytes / values),
    bytes_per_value_alt_float8_array_pglz: r2(alt.pglz!),
    bytes_per_value_alt_float8_array_lz4: r2(alt.lz4!),
    bytes_per_value_alt_gorilla_xor_values_only: r2(gBits / 8 / gValues),
    storage_samples: samples,
    storage_values: values,
    compact_samples_per_s: Math.round(samples / (compactMs / 1000)),
    compact_rows_written: compacted.rows,
  };
}

/** One interface with n samples at 1 s, written straight as packed hours with heads (setup, not timed). */
async function packedInterface(pool: pg.Pool, device: string, ifindex: number, n: number): Promise<void> {
  const rnd = lcg(ifindex * 31);
  const spikeAt = Math.floor(n / 3);
  await upsertInterfaces(pool, device, [{ ifIndex: ifindex, name: `Ethernet1/${ifindex}`, speedBps: 1e10 }]);
  await ensurePartitions(pool, new Date(START), new Date(START + n * 1000));
  let batch: PackedPeriod[] = [];
  for (let h = 0; h * 3600 < n; h++) {
    const m = Math.min(3600, n - h * 3600);
    const ts = new Float64Array(m);
    const cols = Object.fromEntries(Object.keys(KIND).map((k) => [k, new Float64Array(m)])) as Record<
      keyof typeof KIND,
      Float64Array
    >;
    for (let i = 0; i < m; i++) {
      const j = h * 3600 + i;
      ts[i] = (START + j * 1000) * 1000;
      // byte counts per second, as a counter delta would give them
      const inB = j === spikeAt ? SPIKE / 8 : Math.round((3e9 + 2e9 * Math.sin(j / 8000) + rnd() * 5e8) / 8);
      const outB = Math.round((1.8e9 + 6e8 * Math.cos(j / 9000) + rnd() * 2e8) / 8);
      cols.in_bps[i] = inB * 8;
      cols.out_bps[i] = outB * 8;
      cols.in_pps[i] = Math.round(inB / 700);
      cols.out_pps[i] = Math.round(outB / 700);
      cols.in_discards[i] = rnd() < 0.001 ? 1 : 0;
      cols.speed_bps[i] = 1e10;
    }
    batch.push(packPeriod(START + h * PERIOD_MS, { device, ifindex, tsUs: ts, values: cols }));
    if (batch.length >= 200) {
      await writePacked(pool, batch);
      batch = [];
    }
  }
  await writePacked(pool, batch);
}

async function graph(pool: pg.Pool): Promise<Record<string, unknown>> {
  const g0 = performance.now();
  await packedInterface(pool, 'core1', 1, ROWS_1M);
  await packedInterface(pool, 'core1', 2, ROWS_10M);
  await pool.query('VACUUM ANALYZE samples_packed');
  log(`packed ${ROWS_1M} + ${ROWS_10M} samples in ${Math.round(performance.now() - g0)} ms`);
  const renderer = createChartRenderer({ width: 1200, height: 600 });
  const plot = renderer.plotWidth(1200);
  await renderer.render(
    utilisationChart({ title: 'warm', from: START, to: START + DAY, inbound: [], outbound: [] }),
  );
  const if1 = (await findInterface(pool, 'core1', { ifindex: 1 }))!;
  const if2 = (await findInterface(pool, 'core1', { ifindex: 2 }))!;

  const total: number[] = [];
  const queryMs: number[] = [];
  const summaryMs: number[] = [];
  const renderMs: number[] = [];
  let peakOk = true;
  const to1 = START + ROWS_1M * 1000;
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    const res = await querySeriesFor(pool, if1, {
      metrics: ['in_bps', 'out_bps'],
      from: new Date(START),
      to: new Date(to1),
      widthPx: plot,
      resolution: 'raw',
    });
    const t1 = performance.now();
    const summary = await querySummary(pool, res);
    const t2 = performance.now();
    const inbound = withGaps(bucketsToM4(res.series.in_bps!), res.bucketMs * 3);
    const outbound = withGaps(bucketsToM4(res.series.out_bps!), res.bucketMs * 3);
    const t3 = performance.now();
    await renderer.render(
      utilisationChart({
        title: 'core1 Ethernet1/1',
        from: START,
        to: to1,
        inbound,
        outbound,
        speedBps: 1e10,
      }),
    );
    total.push(performance.now() - t0);
    queryMs.push(t1 - t0);
    summaryMs.push(t2 - t1);
    renderMs.push(performance.now() - t3);
    const s = summary.find((x) => x.metric === 'in_bps');
    peakOk &&=
      Math.max(...inbound.filter((p) => Number.isFinite(p.y)).map((p) => p.y)) === SPIKE &&
      s?.peak === SPIKE &&
      Number.isFinite(s.p95) &&
      res.rowsScanned === ROWS_1M;
  }

  // 10M samples (116 days at 1 s) to the plot width, raw, no rollups: the pixel buckets with
  // peak, average and latest (columns holding whole hours read from the rows' heads) ...
  const to2 = START + ROWS_10M * 1000;
  const tenQuery = (p95: boolean) =>
    querySeriesFor(pool, if2, {
      metrics: ['in_bps', 'out_bps'],
      from: new Date(START),
      to: new Date(to2),
      widthPx: plot,
      resolution: 'raw',
      p95,
    });
  const ten = await timed(Math.max(3, Math.ceil(RUNS / 2)), async () => {
    const res = await tenQuery(false);
    const pts = bucketsToM4(res.series.in_bps!);
    peakOk &&=
      Math.max(...pts.map((p) => p.y)) === SPIKE &&
      res.summaries?.find((s) => s.metric === 'in_bps')?.peak === SPIKE &&
      res.rowsScanned === ROWS_10M;
    return res;
  });
  // ... and with the exact p95 too, which decodes every sample
  const tenP95 = await timed(2, async () => {
    const res = await tenQuery(true);
    peakOk &&= Math.max(...res.series.in_bps!.map((b) => b.max)) === SPIKE;
    return res;
  });
  const full = tenP95.last.summaries!.find((s) => s.metric === 'in_bps')!;
  const fromHeads = ten.last.summaries!.find((s) => s.metric === 'in_bps')!;
  // heads and a full decode agree on everything but the p95 heads cannot give
  const headsAgree =
    full.peak === fromHeads.peak &&
    full.peakAt === fromHeads.peakAt &&
    full.current === fromHeads.current &&
    Math.abs(full.avg - fromHeads.avg) <= 1e-9 * full.avg;
  return {
    graph_1m_end_to_end_ms: r1(median(total)),
    graph_1m_end_to_end_max_ms: r1(Math.max(...total)),
    graph_1m_query_ms: r1(median(queryMs)),
    graph_1m_summary_ms: r1(median(summaryMs)),
    graph_1m_render_ms: r1(median(renderMs)),
    downsample_10m_raw_ms: r1(median(ten.ms)),
    downsample_10m_raw_max_ms: r1(Math.max(...ten.ms)),
    downsample_10m_raw_with_p95_ms: r1(median(tenP95.ms)),
    downsample_10m_heads_agree_with_full_decode: headsAgree,
    rows_1m: ROWS_1M,
    rows_10m: ROWS_10M,
    plot_width_px: plot,
    peak_preserved: peakOk,
  };
}

export { packedInterface };

async function search(pool: pg.Pool): Promise<Record<string, unknown>> {
  const { searchConfigs } = await import('../src/configs/search.js');
  const { createHash } = await import('node:crypto');
  const n = SEARCH_DEVICES;
  const s0 = performance.now();
  // the index is built once after loading, as a restore would; maintained per row it costs more
  await pool.query('DROP INDEX IF EXISTS config_latest_body_trgm');
  for (let start = 0; start < n; start += 2000) {
    const bodies: string[] = [];
    const shas: string[] = [];
    const devices: string[] = [];
    for (let i = start; i < Math.min(n, start + 2000); i++) {
      const b = synthConfig(i, { digits: 6, auditLines: true });
      bodies.push(b);
      shas.push(createHash('sha256').update(b).digest('hex'));
      devices.push(`dev${String(i).padStart(6, '0')}`);
    }
    await pool.query(
      'INSERT INTO config_blobs (sha256, body, bytes) SELECT s, b, octet_length(b) FROM unnest($1::text[], $2::text[]) t(s, b)',
      [shas, bodies],
    );
    await pool.query(
      `INSERT INTO config_latest (device, sha256, version_id, collected_at, checked_at, body)
       SELECT d, s, $4::int + row_number() OVER (), now(), now(), b FROM unnest($1::text[], $2::text[], $3::text[]) t(d, s, b)`,
      [devices, shas, bodies, start],
    );
  }
  const i0 = performance.now();
  await pool.query("SET maintenance_work_mem = '256MB'");
  await pool.query(
    'CREATE INDEX config_latest_body_trgm ON config_latest USING gin (body public.gin_trgm_ops)',
  );
  const indexMs = performance.now() - i0;
  await pool.query('VACUUM ANALYZE config_latest');
  log(
    `search corpus: ${n} configs loaded in ${Math.round(i0 - s0)} ms, trigram index in ${Math.round(indexMs)} ms`,
  );
  const size = await pool.query(
    `SELECT sum(octet_length(body))::float8 AS b, pg_total_relation_size('config_latest')::float8 AS t,
            pg_relation_size('config_latest_body_trgm')::float8 AS i FROM config_latest`,
  );
  const run = async (pattern: string, runs: number) => {
    const times: number[] = [];
    let r: Awaited<ReturnType<typeof searchConfigs>> | undefined;
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      r = await searchConfigs(pool, { pattern, context: 1, timeoutMs: 120_000 });
      times.push(performance.now() - t0);
    }
    return { ms: median(times), method: r!.method, plan: r!.plan, hits: r!.hits.length };
  };
  // an audit: which devices still have a read-write community (selective trigrams)
  const audit = await run('snmp-server community \\S+ RW', 5);
  if (audit.hits !== Math.ceil((n - 7) / 1000)) throw new Error(`audit search found ${audit.hits}`);
  // a tenth of the fleet, and its only trigrams are words every config has (the index cannot narrow)
  const common = await run('^ntp server 10\\.9\\.9\\.99', 3);
  if (common.hits !== Math.ceil(n / 10)) throw new Error(`search found ${common.hits} devices`);
  // no trigrams at all: every config is scanned, in parallel
  const fb = await run('^\\s+ip\\s+ad', 1);
  return {
    search_100k_devices_ms: r1(audit.ms),
    search_devices: n,
    search_corpus_mb: r1(Number(size.rows[0].b) / 1e6),
    search_method: audit.method,
    search_hits: audit.hits,
    search_common_words_10pct_hits_ms: r1(common.ms),
    search_common_words_method: common.method,
    search_common_words_plan: common.plan,
    search_fallback_full_scan_ms: r1(fb.ms),
    search_fallback_method: fb.method,
    search_trgm_index_mb: r1(Number(size.rows[0].i) / 1e6),
    search_trgm_index_build_s: r1(indexMs / 1000),
  };
}

/**
 * poll_and_store: a simulated fleet (the lab's agents, in their own process so agents and poller
 * each get a core) polled in rounds (src/snmp/rounds.ts) and stored in Postgres. Round 1 sets
 * baselines and learns each device; round 2, on its tick, is the steady state measured.
 */
async function poll(pool: pg.Pool, metrics?: MetricsBackend): Promise<Record<string, unknown>> {
  const { fork } = await import('node:child_process');
  const { fileURLToPath } = await import('node:url');
  const { createPoller } = await import('../src/snmp/poller.js');
  const { createPollRounds } = await import('../src/snmp/rounds.js');
  const n = POLL_DEVICES;
  const child = fork(fileURLToPath(new globalThis.URL('../src/lab/snmp/serve.ts', import.meta.url)), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const vendors = ['cisco_iosxe', 'cisco_nxos', 'arista_eos', 'juniper_junos', 'frr'] as const;
  const specs = Array.from({ length: n }, (_, i) => ({
    name: `sim${i}`,
    vendor: vendors[i % 5]!,
    interfaces: 48,
  }));
  const l0 = performance.now();
  const endpoints = await new Promise<Record<string, { host: string; port: number }>>((resolve) => {
    child.once('message', (m: { endpoints: Record<string, { host: string; port: number }> }) =>
      resolve(m.endpoints),
    );
    child.send({ devices: specs, seed: 7, community: 'bench-ro' });
  });
  log(`${n} simulated agents up in ${Math.round(performance.now() - l0)} ms`);
  const devices = specs.map((s) => ({
    name: s.name,
    vendor: s.vendor,
    host: endpoints[s.name]!.host,
    port: 22,
    credential: 'x',
    tags: [],
    legacyAlgorithms: false,
    enabled: true,
    snmp: {
      version: '2c' as const,
      port: endpoints[s.name]!.port,
      credential: 'bench',
      timeoutMs: 5_000,
      retries: 2,
    },
  }));
  const now = Date.now();
  await ensurePartitions(pool, new Date(now - DAY), new Date(now + DAY));
  // At 10,000 devices this process's event loop is busy enough with polling that a new Postgres
  // connection's handshake can take longer than the pool's 5 s (the rounds' state writes failed
  // with "Connection terminated due to connection timeout"): the bench's pool waits longer.
  (pool as unknown as { options: { connectionTimeoutMillis: number } }).options.connectionTimeoutMillis =
    60_000;
  const poller = createPoller({
    credentials: createCredentialResolver({ env: { NETOPS_CRED_BENCH_COMMUNITY: 'bench-ro' } }),
  });
  const rounds = createPollRounds({
    pool,
    poller,
    ...(metrics ? { metrics } : {}),
    devices: () => devices,
    intervalMs: POLL_INTERVAL_MS,
    concurrency: Number(process.env.BENCH_POLL_CONCURRENCY ?? 300),
    onRound: (r) =>
      log(
        `round ${r.round}: ${r.ok} ok, ${r.failed} failed, ${r.samples} samples, ${r.wallMs} ms, late ${r.lateByMs} ms`,
      ),
  });
  const reports = await rounds.run({ rounds: POLL_ROUNDS });
  poller.close();
  child.disconnect();
  const stored = metrics
    ? reports.reduce((a, r) => a + r.samples, 0)
    : (await pool.query('SELECT count(*)::int AS n FROM samples')).rows[0].n;
  const first = reports[0];
  const second = reports.at(-1);
  return {
    [`poll_and_store_${n}x48_wall_s`]: r2(second!.wallMs / 1000),
    poll_and_store_first_round_wall_s: r2(first!.wallMs / 1000),
    poll_devices: n,
    poll_interval_s: POLL_INTERVAL_MS / 1000,
    poll_failed: second!.failed,
    poll_samples_stored: stored,
    poll_rounds: reports.length,
    poll_round_wall_s: reports.map((r) => r2(r.wallMs / 1000)),
    rounds_overlapped: reports.reduce((a, r) => a + r.overlapped, 0),
    rounds_late: reports.filter((r) => r.late).length,
    rounds_missed_ticks: reports.reduce((a, r) => a + r.missedTicks, 0),
  };
}

/**
 * The same figures with `metrics.backend: victoriametrics`: a victoria-metrics (Debian 1.79) on a
 * loopback port with its own data directory and default flags. graph: one interface with 1M
 * samples imported, then query (its query API: query_range per pixel column, summary figures and
 * the exact p95 by instant queries) + summary + PNG through the backend the graph job uses; bytes_per_value: the data
 * directory after a flush ÷ values written (VictoriaMetrics keeps merging in the background, so
 * this is an upper bound); poll: the same rounds writing through its import API, and the
 * in_bps samples VictoriaMetrics then holds (poll_in_bps_samples_in_victoriametrics, to compare
 * with poll_in_bps_samples_written, the known in_bps values handed to it: nothing lost).
 */
async function victoria(pool: pg.Pool): Promise<Record<string, unknown>> {
  const { execFileSync } = await import('node:child_process');
  const { startVictoria } = await import('../src/lab/victoria.js');
  const vm = await startVictoria({ stderr: 'inherit', dirPrefix: 'netops-bench-vm-' });
  const { url, dir } = vm;
  const out: Record<string, unknown> = {};
  try {
    const backend = victoriaBackend(pool, { url, prefix: 'bench_' });
    if (ONLY.has('graph')) {
      const n = ROWS_1M;
      const rnd = lcg(31);
      const spikeAt = Math.floor(n / 3);
      const w0 = performance.now();
      for (let off = 0; off < n; off += 50_000) {
        const rows: SampleRow[] = [];
        for (let j = off; j < Math.min(n, off + 50_000); j++) {
          const inB =
            j === spikeAt ? SPIKE / 8 : Math.round((3e9 + 2e9 * Math.sin(j / 8000) + rnd() * 5e8) / 8);
          const outB = Math.round((1.8e9 + 6e8 * Math.cos(j / 9000) + rnd() * 2e8) / 8);
          rows.push({
            device: 'vmcore1',
            ifIndex: 1,
            ts: new Date(START + j * 1000),
            inBps: inB * 8,
            outBps: outB * 8,
            inPps: Math.round(inB / 700),
            outPps: Math.round(outB / 700),
            inErrors: 0,
            outErrors: 0,
            inDiscards: rnd() < 0.001 ? 1 : 0,
            outDiscards: 0,
            speedBps: 1e10,
          });
        }
        await backend.writeSamples(rows);
      }
      await backend.flush();
      const writeMs = performance.now() - w0;
      const bytes = Number(execFileSync('du', ['-sb', dir]).toString().split('\t')[0]);
      const renderer = createChartRenderer({ width: 1200, height: 600 });
      const plot = renderer.plotWidth(1200);
      const iface = { device: 'vmcore1', ifindex: 1, name: 'Ethernet1/1', alias: null, speedBps: 1e10 };
      const total: number[] = [];
      const queryMs: number[] = [];
      let peakOk = true;
      for (let i = 0; i < RUNS; i++) {
        const t0 = performance.now();
        const res = await backend.querySeriesFor(iface, {
          metrics: ['in_bps', 'out_bps'],
          from: new Date(START),
          to: new Date(START + n * 1000),
          widthPx: plot,
        });
        const t1 = performance.now();
        const summary = await backend.querySummary(res);
        const inbound = withGaps(bucketsToM4(res.series.in_bps!), res.bucketMs * 3);
        const outbound = withGaps(bucketsToM4(res.series.out_bps!), res.bucketMs * 3);
        await renderer.render(
          utilisationChart({
            title: 'vmcore1',
            from: START,
            to: START + n * 1000,
            inbound,
            outbound,
            speedBps: 1e10,
          }),
        );
        total.push(performance.now() - t0);
        queryMs.push(t1 - t0);
        peakOk &&= summary.find((x) => x.metric === 'in_bps')?.peak === SPIKE && res.rowsScanned === n;
      }
      Object.assign(out, {
        graph_1m_end_to_end_ms: r1(median(total)),
        graph_1m_query_ms: r1(median(queryMs)),
        peak_preserved: peakOk,
        import_1m_samples_s: r2(writeMs / 1000),
        bytes_per_value_upper_bound: r2(bytes / (n * 9)),
      });
    }
    if (ONLY.has('poll')) {
      // in_bps values handed to the backend (rows whose rate is unknown carry none); a batch the
      // rounds hand over again after a failure counts once
      let inBpsWritten = 0;
      let batchesRetried = 0;
      const seen = new WeakSet<readonly SampleRow[]>();
      const counting: MetricsBackend = {
        ...backend,
        writeSamples: (rows) => {
          if (seen.has(rows)) batchesRetried++;
          else {
            seen.add(rows);
            for (const r of rows)
              if (r.inBps !== null && r.inBps !== undefined && Number.isFinite(r.inBps)) inBpsWritten++;
          }
          return backend.writeSamples(rows);
        },
      };
      Object.assign(out, await poll(pool, counting));
      // what VictoriaMetrics holds, counted there: every in_bps sample the rounds reported
      // stored (by last digit of the device: one query may select at most 300,000 series)
      await backend.flush();
      let held = 0;
      for (let digit = 0; digit < 10; digit++) {
        const body = new URLSearchParams({
          query: `sum(count_over_time(bench_in_bps{device=~"sim[0-9]*${digit}"}[1d]))`,
          nocache: '1',
        });
        const j = (await (await fetch(`${url}/api/v1/query`, { method: 'POST', body })).json()) as {
          data?: { result: { value: [number, string] }[] };
          error?: string;
        };
        if (!j.data) throw new Error(`counting stored samples: ${j.error}`);
        held += Number(j.data.result[0]?.value[1] ?? 0);
      }
      out.poll_in_bps_samples_written = inBpsWritten;
      out.poll_batches_retried = batchesRetried;
      out.poll_in_bps_samples_in_victoriametrics = held;
    }
  } finally {
    await vm.stop();
  }
  return out;
}

async function main() {
  const out: Record<string, unknown> = {};
  // BENCH_BACKENDS=victoriametrics: only the VictoriaMetrics figures
  const pgToo = BACKENDS.has('postgres');
  await withBenchSchema(
    'bench_metrics',
    async (pool) => {
      if (pgToo && ONLY.has('storage')) Object.assign(out, await storage(pool));
      if (pgToo && ONLY.has('graph')) Object.assign(out, await graph(pool));
      if (pgToo && ONLY.has('search')) Object.assign(out, await search(pool));
      if (pgToo && ONLY.has('poll')) Object.assign(out, await poll(pool));
      if (pgToo) out.backend = 'postgres';
      if (BACKENDS.has('victoriametrics')) out.victoriametrics = await victoria(pool);
    },
    { max: 8 },
  );
  out.runs = RUNS;
  out.loadavg_1m = load1();
  console.log(JSON.stringify(out));
}

if (!process.env.BENCH_NO_MAIN)
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
