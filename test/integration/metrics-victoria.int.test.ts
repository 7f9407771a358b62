import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { createServer as createHttpServer, request as httpRequest, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChartRenderer, graphInterface, graphTopN } from '../../src/charts/index.js';
import { freeTcpPort } from '../../src/lab/alertmanager.js';
import { startSnmpLab } from '../../src/lab/snmp/index.js';
import { type LabVictoria, startVictoria } from '../../src/lab/victoria.js';
import { metricsFor } from '../../src/metrics/backend.js';
import { SAMPLE_FIELDS } from '../../src/metrics/names.js';
import { ensurePartitions } from '../../src/metrics/partitions.js';
import { ErrorCode, NetopsError } from '../../src/errors.js';
import {
  findInterface,
  type InterfaceRef,
  type Metric,
  queryTopN,
  querySeriesFor,
  querySummary,
} from '../../src/metrics/query.js';
import {
  insertSamples,
  latestInterfaces,
  type SampleRow,
  sampleRow,
  upsertInterfaces,
} from '../../src/metrics/store.js';
import { createVictoriaStore, type VictoriaStore } from '../../src/metrics/victoria.js';
import { computeRates, type DeviceReading } from '../../src/snmp/counters.js';
import { testDevice } from '../helpers/devices.js';
import { freshDb, type TestDb } from '../helpers/pg.js';
import { startStack } from '../helpers/stack.js';

/**
 * The VictoriaMetrics backend against the real `victoria-metrics` binary (Debian's 1.79) on a
 * loopback port with its own data directory, its flags at their defaults (-search.latencyOffset
 * 30s, no deduplication): the same samples written to it and to Postgres give the same chart
 * buckets, summary figures, top-N and latest values (to VictoriaMetrics' 12 significant digits).
 */

let vm: LabVictoria | undefined;
let vmUrl: string;
let dir: string;
let store: VictoriaStore;
let db: TestDb;
const T0 = Date.parse('2026-03-01T00:00:00Z');
const iface = { device: 'core1', ifindex: 7, name: 'Ethernet7', alias: null, speedBps: 10e9 };

function rows(): SampleRow[] {
  const out: SampleRow[] = [];
  let prev: DeviceReading | undefined;
  let octets = 5_000_000_000n;
  for (let i = 0; i <= 600; i++) {
    const ts = T0 + i * 60_000 + ((i * 7919) % 300);
    octets += BigInt(Math.round((2e9 + Math.sin(i / 40) * 1e9 + ((i * 104729) % 1000) * 1e5) * 7.5));
    if (i === 333) octets += 3_000_000_000n; // a burst
    const cur: DeviceReading = {
      ts,
      uptimeCs: 1e7 + i * 6000,
      interfaces: [
        {
          ifIndex: 7,
          hc: true,
          speedBps: 10e9,
          counters: { inOctets: octets, outOctets: octets / 4n, inErrors: BigInt(i >> 5) },
        },
      ],
    };
    if (prev) out.push(...computeRates(prev, cur).samples.map((s) => ({ device: 'core1', ...s })));
    prev = cur;
  }
  return out;
}

/**
 * core2: six interfaces over six hours of 1-minute samples, shaped to catch what a query API
 * can get wrong: tied peaks (et2, and every errors series: flat zero or ones), an hour's gap and
 * a one-sample spike (et3), fewer samples (et4 starts late: another sample count for the exact
 * p95), an unknown speed (et5) and an interface busier outbound (et6).
 */
const T2 = T0 + 12 * 3_600_000;
const FLEET = [
  { ifIndex: 1, speedBps: 10e9 as number | null },
  { ifIndex: 2, speedBps: 1e9 },
  { ifIndex: 3, speedBps: 10e9 },
  { ifIndex: 4, speedBps: 1e9 },
  { ifIndex: 5, speedBps: null },
  { ifIndex: 6, speedBps: 10e9 },
];

function fleetRows(): SampleRow[] {
  const out: SampleRow[] = [];
  let seed = 17;
  const rnd = () => {
    seed = (seed * 16807) % 2147483647;
    return seed / 2147483647;
  };
  for (let i = 0; i < 360; i++) {
    for (const f of FLEET) {
      const k = f.ifIndex;
      if (k === 3 && i >= 120 && i < 180) continue; // an hour without samples
      if (k === 4 && i < 200) continue;
      let inB = Math.round(1e9 * (0.2 + 0.1 * k) + 3e8 * Math.sin(i / (10 + k)) + rnd() * 1e8);
      let outB = Math.round(inB * (k === 6 ? 3 : 0.4) + rnd() * 1e7);
      if (k === 2) inB = Math.round(inB / 3);
      if (k === 2 && (i === 50 || i === 51 || i === 200)) inB = 950_000_000; // a tied peak
      if (k === 3 && i === 250) inB = 9_000_000_000; // one-sample spike
      if (k === 5) outB = Math.round(outB / 2);
      out.push({
        device: 'core2',
        ifIndex: k,
        ts: new Date(T2 + i * 60_000 + ((i * 7919 + k * 13) % 500)),
        inBps: inB,
        outBps: outB,
        inPps: Math.round(inB / 6000),
        outPps: Math.round(outB / 6000),
        inErrors: 0,
        outErrors: i % 50 === 0 ? 1 : 0,
        inDiscards: k === 1 ? null : 0,
        outDiscards: 0,
        speedBps: f.speedBps,
      });
    }
  }
  return out;
}

/**
 * An HTTP proxy in front of the real server that drops the connection of the import requests
 * `fail` picks (nothing of them forwarded): a network that fails mid-round.
 */
async function faultyProxy(
  target: string,
  fail: (importNo: number, body: string) => boolean,
): Promise<{ url: string; imports: () => number; close(): Promise<void> }> {
  const t = new URL(target);
  let imports = 0;
  const server: Server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if (req.url?.startsWith('/api/v1/import') && fail(++imports, body.toString())) {
        req.socket.destroy();
        return;
      }
      const up = httpRequest(
        {
          host: t.hostname,
          port: t.port,
          path: req.url,
          method: req.method,
          headers: { ...req.headers, 'content-length': String(body.length) },
        },
        (ur) => {
          res.writeHead(ur.statusCode ?? 502, ur.headers);
          ur.pipe(res);
        },
      );
      up.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    imports: () => imports,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** One line of VictoriaMetrics' export API. */
interface ExportedSeries {
  metric: Record<string, string>;
  values: number[];
  timestamps: number[];
}

/** An instant query asked of VictoriaMetrics directly (not through the store): its first value. */
async function vmInstant(query: string, at: number): Promise<number | undefined> {
  const body = new URLSearchParams({ query, time: new Date(at).toISOString(), nocache: '1' });
  const j = (await (await fetch(`${vmUrl}/api/v1/query`, { method: 'POST', body })).json()) as {
    data: { result: { value: [number, string] }[] };
  };
  const first = j.data.result[0];
  return first ? Number(first.value[1]) : undefined;
}

/** Samples stored under a prefix, counted by VictoriaMetrics itself. */
async function countStored(prefix: string, at: number): Promise<number> {
  return (await vmInstant(`sum(count_over_time({__name__=~"${prefix}.*"}[1d]))`, at)) ?? 0;
}

/** Rows written to Postgres and to VictoriaMetrics (flushed: readable at once); how many VictoriaMetrics took. */
async function storeInBoth(rs: SampleRow[]): Promise<number> {
  await insertSamples(db.pool, rs);
  const written = await store.writeSamples(rs);
  await store.flush();
  return written;
}

/** A device with one 1 Gb/s interface, et1, and partitions for samples from `from` to `to`. */
async function deviceWithEt1(device: string, from: number, to: number): Promise<InterfaceRef> {
  await ensurePartitions(db.pool, new Date(from - 86_400_000), new Date(to + 86_400_000));
  await upsertInterfaces(db.pool, device, [{ ifIndex: 1, name: 'et1', speedBps: 1e9 }]);
  return { device, ifindex: 1, name: 'et1', alias: null, speedBps: 1e9 };
}

/** The same raw series asked of Postgres and of VictoriaMetrics. */
async function bothSeries(
  ref: InterfaceRef,
  q: { metrics: readonly Metric[]; from: Date; to: Date; widthPx: number },
) {
  const pg = await querySeriesFor(db.pool, ref, { ...q, resolution: 'raw' });
  const vmr = await store.querySeries(ref, q);
  return { pg, vmr };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'netops-vm-conf-'));
  vm = await startVictoria();
  const { url } = vm;
  vmUrl = url;
  store = createVictoriaStore({ url });
  db = await freshDb('vm');
  await db.pool.query(
    `CREATE TABLE samples_vm PARTITION OF samples FOR VALUES FROM ('2026-03-01') TO ('2026-03-02')`,
  );
  await upsertInterfaces(db.pool, 'core1', [{ ifIndex: 7, name: 'Ethernet7', speedBps: 10e9 }]);
  await upsertInterfaces(
    db.pool,
    'core2',
    FLEET.map((f) => ({
      ifIndex: f.ifIndex,
      name: `et${f.ifIndex}`,
      ...(f.speedBps ? { speedBps: f.speedBps } : {}),
    })),
  );
  const r = [...rows(), ...fleetRows()];
  expect(await storeInBoth(r)).toBe(r.length);
}, 60_000);

afterAll(async () => {
  await vm?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
  await db?.drop();
});

const close = (a: number, b: number) => Math.abs(a - b) <= 1e-11 * Math.max(1, Math.abs(b));

describe('VictoriaMetrics backend (real binary)', () => {
  it('gives the same chart buckets and summary as Postgres for the same samples', async () => {
    for (const [from, to, width] of [
      [T0, T0 + 601 * 60_000, 100],
      [T0 + 300 * 60_000, T0 + 360 * 60_000, 40],
    ] as const) {
      const q = {
        metrics: ['in_bps', 'out_bps', 'in_errors'] as const,
        from: new Date(from),
        to: new Date(to),
        widthPx: width,
      };
      const { pg, vmr } = await bothSeries(iface, q);
      expect(vmr.rowsScanned).toBe(pg.rowsScanned);
      for (const m of q.metrics) {
        const a = vmr.series[m]!;
        const b = pg.series[m]!;
        expect(a.length, m).toBe(b.length);
        expect(a.length).toBeGreaterThan(0);
        a.forEach((x, i) => {
          const y = b[i]!;
          expect([x.x0, x.n, x.tFirst, x.tLast]).toEqual([y.x0, y.n, y.tFirst, y.tLast]);
          for (const k of ['min', 'max', 'avg', 'first', 'last'] as const)
            expect(close(x[k]!, y[k]!), `${m} ${k}`).toBe(true);
        });
      }
      const sp = await querySummary(db.pool, pg);
      const sv = await querySummary(db.pool, vmr);
      expect(sv.map((s) => [s.metric, s.peakAt, s.currentAt, s.samples])).toEqual(
        sp.map((s) => [s.metric, s.peakAt, s.currentAt, s.samples]),
      );
      sv.forEach((s, i) => {
        for (const k of ['peak', 'p95', 'avg', 'current'] as const)
          expect(close(s[k], sp[i]![k]), k).toBe(true);
      });
    }
  });

  it('keeps gaps, spikes and tied peaks where Postgres has them (buckets and summaries)', async () => {
    const metrics = ['in_bps', 'out_bps', 'in_errors', 'out_errors', 'in_discards'] as const;
    for (const ifIndex of [1, 2, 3, 4]) {
      const ref = { device: 'core2', ifindex: ifIndex, name: `et${ifIndex}`, alias: null, speedBps: 1e9 };
      for (const [from, to, width] of [
        [T2, T2 + 6 * 3_600_000, 90],
        [T2 - 3_600_000, T2 + 7 * 3_600_000 + 123, 37], // wider than the data; the last column cut short
      ] as const) {
        const q = { metrics: [...metrics], from: new Date(from), to: new Date(to), widthPx: width };
        const { pg, vmr } = await bothSeries(ref, q);
        expect(vmr.bucketMs).toBe(pg.bucketMs);
        expect(vmr.rowsScanned, `et${ifIndex}`).toBe(pg.rowsScanned);
        for (const m of metrics) {
          const a = vmr.series[m]!;
          const b = pg.series[m]!;
          // the same columns, so the same empty ones: a gap stays a gap
          expect(
            a.map((x) => [x.x0, x.x1, x.n, x.tFirst, x.tLast]),
            `et${ifIndex} ${m}`,
          ).toEqual(b.map((y) => [y.x0, y.x1, y.n, y.tFirst, y.tLast]));
          a.forEach((x, i) => {
            for (const k of ['min', 'max', 'avg', 'first', 'last'] as const)
              expect(close(x[k]!, b[i]![k]!), `et${ifIndex} ${m} ${k}`).toBe(true);
          });
        }
        if (ifIndex === 3) {
          // the hour without samples: no column holds a moment of it, and columns are missing
          // (no point carried into it); the spike is a column's max
          const inb = vmr.series.in_bps!;
          const gap = [T2 + 119 * 60_000 + 500, T2 + 180 * 60_000] as const;
          expect(inb.some((x) => x.tLast >= gap[0] && x.tFirst < gap[1])).toBe(false);
          expect(inb.length).toBeLessThan(Math.ceil((to - from) / vmr.bucketMs) - 2);
          expect(Math.max(...inb.map((x) => x.max))).toBe(9e9);
        }
        const sp = pg.summaries!;
        const sv = vmr.summaries!;
        // peakAt: the first sample holding the peak (tied peaks on et2 and in every errors series)
        expect(sv.map((x) => [x.metric, x.peakAt, x.currentAt, x.samples])).toEqual(
          sp.map((x) => [x.metric, x.peakAt, x.currentAt, x.samples]),
        );
        sv.forEach((x, i) => {
          for (const k of ['peak', 'p95', 'avg', 'current'] as const)
            expect(close(x[k], sp[i]![k]), `et${ifIndex} ${x.metric} ${k}`).toBe(true);
        });
      }
    }
    // the tie on et2 really is one: three samples at the peak, VictoriaMetrics' tmax names the last
    const tmax = await vmInstant(
      'tmax_over_time(netops_in_bps{device="core2",ifindex="2"}[6h])',
      T2 + 6 * 3_600_000 - 1,
    );
    expect(tmax).toBeDefined();
    const last = Math.round(tmax! * 1000);
    expect(last).toBeGreaterThan(T2 + 199 * 60_000);
  });

  it("gives Postgres's percentile_disc p95, which VictoriaMetrics' own quantile_over_time(0.95) does not", async () => {
    const ref = { device: 'core2', ifindex: 1, name: 'et1', alias: null, speedBps: 10e9 };
    const q = {
      metrics: ['in_bps'] as const,
      from: new Date(T2),
      to: new Date(T2 + 6 * 3_600_000),
      widthPx: 50,
    };
    const both = await bothSeries(ref, q);
    const pg = both.pg.summaries![0]!;
    const vmr = both.vmr.summaries![0]!;
    expect(vmr.p95).toBe(pg.p95);
    const plain = await vmInstant(
      'quantile_over_time(0.95, netops_in_bps{device="core2",ifindex="1"}[6h])',
      T2 + 6 * 3_600_000 - 1,
    );
    // 360 samples: percentile_disc takes x₃₄₁ (0-based, sorted); the interpolation 0.05·x₃₄₀ + 0.95·x₃₄₁
    expect(plain).toBeDefined();
    expect(plain).not.toBe(pg.p95);
  });

  it('ranks top-N as Postgres does, by p95 and by max, across interfaces with different sample counts', async () => {
    for (const by of ['p95', 'max'] as const) {
      for (const [from, to] of [
        [T2, T2 + 6 * 3_600_000],
        [T2 + 2 * 3_600_000, T2 + 5 * 3_600_000 + 777],
      ] as const) {
        const q = { from: new Date(from), to: new Date(to), by, devices: ['core2'], limit: 10 };
        const pg = await queryTopN(db.pool, q);
        const vmr = await store.queryTopN(db.pool, q);
        expect(pg.length).toBe(6);
        expect(vmr.map((r) => [r.device, r.ifindex, r.name, r.direction, r.speedBps])).toEqual(
          pg.map((r) => [r.device, r.ifindex, r.name, r.direction, r.speedBps]),
        );
        vmr.forEach((r, i) => {
          expect(close(r.value, pg[i]!.value), `${by} ${r.ifindex}`).toBe(true);
        });
      }
    }
    // every device when none is named (core1 too); and asked device by device, as a fleet
    // too big for one query is (here: more than 3 interfaces)
    const all = { from: new Date(T0), to: new Date(T2 + 6 * 3_600_000), limit: 5 };
    const want = (await queryTopN(db.pool, all)).map((r) => [r.device, r.ifindex, r.direction]);
    expect(want.map((r) => r[0])).toContain('core1');
    expect((await store.queryTopN(db.pool, all)).map((r) => [r.device, r.ifindex, r.direction])).toEqual(
      want,
    );
    const grouped = createVictoriaStore({ url: vmUrl, topGroupInterfaces: 3 });
    expect((await grouped.queryTopN(db.pool, all)).map((r) => [r.device, r.ifindex, r.direction])).toEqual(
      want,
    );
  });

  it('gives each interface its latest sample within the age limit, as Postgres does', async () => {
    for (const [now, maxAge] of [
      [T2 + 6 * 3_600_000, 3_600_000],
      [T2 + 150 * 60_000, 20 * 60_000], // et3 has nothing in its gap; et4 has not started
      [T2 + 100 * 60_000 + 250, 60_000],
    ] as const) {
      const pg = await latestInterfaces(db.pool, 'core2', maxAge, new Date(now));
      const vmr = await store.latestInterfaces(db.pool, 'core2', maxAge, new Date(now));
      expect(vmr).toEqual(pg.map((x) => ({ ...x, ts: x.ts ? new Date(x.ts) : null })));
    }
  });

  it('reads recent columns from raw samples (the server repeats its last point within -search.latencyOffset)', async () => {
    const now = Date.now();
    const ref = await deviceWithEt1('core3', now, now);
    const recent: SampleRow[] = [];
    for (let t = now - 300_000; t < now; t += 2_000)
      recent.push(
        sampleRow('core3', 1, new Date(t), {
          inBps: Math.round(1e8 + (t % 97_000) * 1000),
          outBps: Math.round(5e7 + (t % 13_000) * 100),
          speedBps: 1e9,
        }),
      );
    await storeInBoth(recent);
    const q = {
      metrics: ['in_bps', 'out_bps'] as const,
      from: new Date(now - 300_000),
      to: new Date(now),
      widthPx: 60,
    };
    const { pg, vmr } = await bothSeries(ref, q);
    const shape = (r: typeof pg) =>
      r.series.in_bps!.map((b) => [b.x0, b.n, b.min, b.max, b.first, b.last, b.tFirst, b.tLast]);
    expect(shape(vmr)).toEqual(shape(pg));
    // told the server has no latency offset, the last half minute's columns come from
    // query_range, which repeats the point before them
    const naive = createVictoriaStore({ url: vmUrl, latencyOffsetMs: 0 });
    expect(shape(await naive.querySeries(ref, q))).not.toEqual(shape(pg));
  });

  it('cuts a large import into bodies and stores every sample once, through a network that drops some', async () => {
    const at = T0 + 3 * 86_400_000;
    const big: SampleRow[] = [];
    for (let d = 0; d < 100; d++)
      for (let i = 1; i <= 48; i++)
        big.push(
          sampleRow(`edge${d}`, i, new Date(at + d), {
            inBps: d * 1e6 + i,
            outBps: i,
            inPps: 1,
            outPps: 1,
            inErrors: 0,
            outErrors: 0,
            inDiscards: 0,
            outDiscards: 0,
            speedBps: 1e9,
          }),
        );
    const perRow = 9;
    // small bodies (a CSV line is ~70 bytes), so that the batch is many of them; quick retries
    const bulkStore = (url: string, prefix: string) =>
      createVictoriaStore({ url, prefix, importBodyBytes: 6_000, retryDelayMs: 50 });
    // the first attempt of two bodies dropped: retried, nothing lost, nothing twice
    const dropped = new Set<string>();
    const flaky = await faultyProxy(vmUrl, (_n, body) => {
      const which = ['"edge7"', '"edge42"'].find((d) => body.includes(d));
      if (!which || dropped.has(which)) return false;
      dropped.add(which);
      return true;
    });
    try {
      const s = bulkStore(flaky.url, 'bulk1_');
      expect(await s.writeSamples(big)).toBe(big.length);
      expect(dropped.size).toBe(2);
      expect(flaky.imports()).toBeGreaterThan(10);
      await store.flush();
      expect(await countStored('bulk1_', at + 1000)).toBe(big.length * perRow);
    } finally {
      await flaky.close();
    }
    // the network down for a while: the failure says what was lost; the same batch again sends
    // only what did not arrive (VictoriaMetrics would keep a repeated sample twice)
    let down = true;
    const outage = await faultyProxy(vmUrl, (n) => n > 3 && down);
    try {
      const s = bulkStore(outage.url, 'bulk2_');
      const err = await s.writeSamples(big).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(NetopsError);
      expect((err as NetopsError).code).toBe(ErrorCode.DB_UNAVAILABLE);
      expect((err as NetopsError).message).toMatch(/^\d+ of 43200 samples not stored/);
      const lost = (err as NetopsError).context.lostSamples as number;
      expect(lost).toBeGreaterThan(0);
      await store.flush();
      expect(await countStored('bulk2_', at + 1000)).toBe(big.length * perRow - lost);
      down = false;
      expect(await s.writeSamples(big)).toBe(big.length);
      await store.flush();
      expect(await countStored('bulk2_', at + 1000)).toBe(big.length * perRow);
    } finally {
      await outage.close();
    }
  });

  it('keeps a value unknown in a sample unknown (not 0) and each sample at its millisecond', async () => {
    // VictoriaMetrics 1.79's CSV import drops a line with an empty value field and reads none as
    // 0, so the importer writes one column format per set of known metrics; these rows know
    // every subset the poller produces (no speed, no pps, only rates, all zero, NaN) and sit at
    // odd milliseconds. A device name with a comma and quotes, and one with a line break (CSV
    // cannot hold it: JSON lines), round-trip too.
    const at = T0 + 5 * 86_400_000;
    const known: Partial<SampleRow>[] = [
      { inBps: 1_234_567.891, outBps: 2e8 },
      {
        inBps: 0,
        outBps: 0,
        inPps: 0,
        outPps: 0,
        inErrors: 0,
        outErrors: 0,
        inDiscards: 0,
        outDiscards: 0,
        speedBps: 0,
      },
      { inBps: 5e9, outBps: 4e9, inPps: 7e5, outPps: 6e5, inErrors: 2, outErrors: 0, speedBps: null },
      { speedBps: 1e9 },
      { inErrors: 0.016_663_5, outDiscards: Number.NaN, inPps: Number.POSITIVE_INFINITY, outBps: 1e-7 },
    ];
    const rs: SampleRow[] = [];
    for (const [d, device] of ['gap1', 'gap,"2"', 'gap\n3'].entries())
      for (let i = 0; i < 20; i++)
        rs.push(
          sampleRow(device, 1 + (i % 3), new Date(at + i * 60_000 + ((i * 7919 + d) % 1000)), {
            ...known[(i + d) % known.length],
          }),
        );
    const gaps = createVictoriaStore({ url: vmUrl, prefix: 'gap_' });
    expect(await gaps.writeSamples(rs)).toBe(rs.length);
    await store.flush();
    const metricOf = Object.fromEntries(SAMPLE_FIELDS.map(([m, k]) => [k, m]));
    const want: string[] = [];
    for (const r of rs)
      for (const [k, m] of Object.entries(metricOf)) {
        const v = r[k as keyof SampleRow];
        if (typeof v === 'number' && Number.isFinite(v))
          want.push(`${m} ${r.device} ${r.ifIndex} ${r.ts.getTime()} ${v}`);
      }
    const params = new URLSearchParams({ 'match[]': '{__name__=~"gap_.*"}', start: String(at / 1000 - 1) });
    const got: string[] = [];
    for (const line of (
      await (await fetch(`${vmUrl}/api/v1/export`, { method: 'POST', body: params })).text()
    )
      .split('\n')
      .filter(Boolean)) {
      const s = JSON.parse(line) as ExportedSeries;
      for (const [i, t] of s.timestamps.entries())
        got.push(`${s.metric.__name__!.slice(4)} ${s.metric.device} ${s.metric.ifindex} ${t} ${s.values[i]}`);
    }
    expect(got.sort()).toEqual(want.sort());
    // and through the store: an unknown value is NaN in the chunk, as Postgres's NULL
    const metrics = Object.values(metricOf);
    const [chunk] = await gaps.readSamples({ device: 'gap1', ifindex: 1 }, metrics, at, at + 86_400_000);
    const mine = rs.filter((r) => r.device === 'gap1' && r.ifIndex === 1);
    expect([...chunk!.tsUs].map((t) => t / 1000)).toEqual(mine.map((r) => r.ts.getTime()));
    for (const [k, m] of Object.entries(metricOf))
      expect([...(chunk!.values as Record<string, Float64Array>)[m]!], m).toEqual(
        mine.map((r) => {
          const v = r[k as keyof SampleRow] as number | null;
          return v === null || !Number.isFinite(v) ? Number.NaN : v;
        }),
      );
  });

  it('regression: keeps the last column when its moment is a millisecond the server parses a hair low', async () => {
    // 1e9 ms over 1107 pixels: columns of 903,343 ms; the last full one ends at
    // 2026-01-12T13:31:37.357Z, which the server (float seconds × 1000, truncated) read as …356
    // when sent as RFC 3339: the range query's end fell before its last point, the column went missing
    const from = Date.parse('2026-01-01T00:00:00Z');
    const to = from + 1e9;
    const ref = await deviceWithEt1('core4', from, to);
    const rs: SampleRow[] = [];
    for (let t = from; t < to; t += 300_000)
      rs.push(sampleRow('core4', 1, new Date(t), { inBps: (t / 300_000) % 1000 }));
    await storeInBoth(rs);
    const q = { metrics: ['in_bps'] as const, from: new Date(from), to: new Date(to), widthPx: 1107 };
    const { pg, vmr } = await bothSeries(ref, q);
    expect(vmr.series.in_bps!.map((b) => [b.x0, b.n])).toEqual(pg.series.in_bps!.map((b) => [b.x0, b.n]));
    expect(vmr.rowsScanned).toBe(rs.length);
  });

  it('says clearly when VictoriaMetrics is not there or does not answer', async () => {
    const gone = createVictoriaStore({ url: `http://127.0.0.1:${await freeTcpPort()}`, timeoutMs: 2_000 });
    const down = await gone
      .readSamples({ device: 'x', ifindex: 1 }, ['in_bps'], T0, T0 + 1000)
      .catch((e) => e);
    expect(down).toBeInstanceOf(NetopsError);
    expect(down.message).toMatch(/unreachable/);
    expect(down.code).toBe(ErrorCode.DB_UNAVAILABLE);
    expect(down.toUserText()).toMatch(/VictoriaMetrics.*metrics\.url/);
    // a server that accepts and never answers
    const silent = createServer(() => {}).listen(0, '127.0.0.1');
    await new Promise((r) => silent.once('listening', r));
    try {
      const slow = createVictoriaStore({
        url: `http://127.0.0.1:${(silent.address() as { port: number }).port}`,
        timeoutMs: 300,
      });
      const ref = { device: 'x', ifindex: 1, name: 'x', alias: null, speedBps: null };
      const late = await slow
        .querySeries(ref, { metrics: ['in_bps'], from: new Date(T0), to: new Date(T0 + 60_000), widthPx: 10 })
        .catch((e) => e);
      expect(late.code).toBe(ErrorCode.DB_UNAVAILABLE);
      expect(late.message).toMatch(/did not answer .* within 300 ms/);
    } finally {
      silent.close();
    }
  });
});

/**
 * The whole path with `metrics.backend: victoriametrics` in netops.yaml: the worker's poll rounds
 * (simulated SNMP agents) write samples to VictoriaMetrics only, and `/net graph` and `/net top`
 * typed in the Slack emulator answer from it. The same samples copied into a Postgres schema give
 * the same chart summary and the same top list through the Postgres backend.
 */
describe('VictoriaMetrics backend through the job path', () => {
  it('poll rounds write to VictoriaMetrics; /net graph and /net top read it, as Postgres would answer', async () => {
    const prefix = `vmjob${Date.now().toString(36)}_`;
    const lab = await startSnmpLab({
      devices: ['vmsw1', 'vmsw2', 'vmsw3'].map((name, i) => ({
        name,
        vendor: (['arista_eos', 'cisco_iosxe', 'juniper_junos'] as const)[i]!,
        interfaces: 8,
      })),
      community: 'vm-ro',
      seed: 5,
    });
    const devices = ['vmsw1', 'vmsw2', 'vmsw3'].map((name) =>
      testDevice(name, {
        snmp: {
          version: '2c',
          port: lab.endpoint(name).port,
          credential: 'vmlab',
          timeoutMs: 400,
          retries: 0,
        },
      }),
    );
    const file = join(dir, 'netops.yaml');
    const stack = await startStack({
      devices,
      file,
      extraYaml: {
        schedules: { poll: { every: '2s' } },
        metrics: { backend: 'victoriametrics', url: vmUrl, prefix },
      },
      start: { loops: true, secretsEnv: { NETOPS_CRED_VMLAB_COMMUNITY: 'vm-ro' } },
    });
    const copy = await freshDb('vmcopy');
    try {
      expect(stack.config.metrics.backend).toBe('victoriametrics');
      const rounds = async () => {
        const m = await stack.worker!.telemetry.registry.getSingleMetric('netops_poll_rounds_total')!.get();
        return m.values.reduce((a, v) => a + v.value, 0);
      };
      // round 1 sets baselines; rounds 2 and 3 store rates
      await expect.poll(rounds, { timeout: 30_000, interval: 200 }).toBeGreaterThanOrEqual(3);
      // the agents go away: later rounds fail and store nothing, so the answers below are stable
      await lab.close();
      const before = await rounds();
      await expect.poll(rounds, { timeout: 20_000, interval: 200 }).toBeGreaterThan(before + 1);
      const vmBackend = metricsFor(stack.worker!.pool);
      expect(vmBackend.kind).toBe('victoriametrics');
      await vmBackend.flush();
      // nothing went to Postgres's samples; the interfaces (names, speeds) did
      const pgRows = await stack.db.pool.query('SELECT count(*)::int AS n FROM samples');
      expect(pgRows.rows[0].n).toBe(0);
      const ifaces = await stack.db.pool.query('SELECT count(*)::int AS n FROM interfaces');
      expect(ifaces.rows[0].n).toBe(24);

      // the Postgres twin: the same samples (exported from VictoriaMetrics) and interfaces
      const now = Date.now();
      const exported = await fetch(
        `${vmUrl}/api/v1/export?${new URLSearchParams({ 'match[]': `{__name__=~"${prefix}.*"}`, start: String((now - 3_600_000) / 1000) })}`,
      ).then((r) => r.text());
      const byKey = new Map<string, SampleRow>();
      const field: Record<string, keyof SampleRow> = Object.fromEntries(SAMPLE_FIELDS);
      for (const line of exported.split('\n').filter(Boolean)) {
        const sr = JSON.parse(line) as {
          metric: Record<string, string>;
          values: number[];
          timestamps: number[];
        };
        sr.timestamps.forEach((t, i) => {
          const k = `${sr.metric.device}|${sr.metric.ifindex}|${t}`;
          const row = byKey.get(k) ?? sampleRow(sr.metric.device!, Number(sr.metric.ifindex), new Date(t));
          (row as unknown as Record<string, unknown>)[field[sr.metric.__name__!.slice(prefix.length)]!] =
            sr.values[i];
          byKey.set(k, row);
        });
      }
      expect(byKey.size).toBeGreaterThanOrEqual(2 * 24);
      await ensurePartitions(copy.pool, new Date(now - 86_400_000), new Date(now + 86_400_000));
      await insertSamples(copy.pool, [...byKey.values()]);
      await copy.pool.query(
        `INSERT INTO interfaces (device, ifindex, name, alias, speed_bps, oper_status, admin_status, updated_at)
         SELECT device, ifindex, name, alias, speed_bps, oper_status, admin_status, updated_at FROM ${'"'}${stack.db.schema}${'"'}.interfaces`,
      );
      const pgEnv = { pool: copy.pool, renderer: createChartRenderer(), timezone: 'UTC' };

      const slash = async (text: string) => {
        const n = stack.emu.calls.length;
        const res = await stack.emu.slashCommand({
          command: '/net',
          text,
          channelId: 'C00NETOPS0',
          userId: 'U0000ALICE',
        });
        expect(res.status).toBe(200);
        const done = await stack.emu.waitFor(
          (c) =>
            c.method === 'chat.update' &&
            /^done/.test(String(c.args.text)) &&
            stack.emu.calls.indexOf(c) >= n,
          30_000,
        );
        return { done, calls: stack.emu.calls.slice(n) };
      };
      const said = (calls: { args: unknown }[], text: string) =>
        calls.some((c) => JSON.stringify(c.args).includes(JSON.stringify(text).slice(1, -1)));

      // /net graph: one interface's chart, its summary from VictoriaMetrics
      const iface = (await findInterface(copy.pool, 'vmsw2', { ifindex: 3 }))!;
      const g = await slash(`graph vmsw2 ${iface.name} 1h`);
      const t = Date.now();
      const want = await graphInterface(pgEnv, iface, { from: t - 3_600_000, to: t }, 'util');
      expect(want.file, want.summary).toBeDefined();
      expect(said(g.calls, want.file!.initialComment), want.file!.initialComment).toBe(true);
      expect(g.calls.some((c) => c.method === 'files.completeUploadExternal')).toBe(true);

      // /net top (a range under a day: the top-N chart over raw samples)
      const top = await slash('top in 6h');
      const wantTop = await graphTopN(
        pgEnv,
        { from: t - 6 * 3_600_000, to: t },
        { limit: 10, scope: 'all devices' },
      );
      expect(wantTop.file, wantTop.summary).toBeDefined();
      expect(said(top.calls, wantTop.file!.initialComment), wantTop.file!.initialComment).toBe(true);
    } finally {
      await lab.close().catch(() => {});
      await stack.stop();
      await copy.drop();
    }
  }, 120_000);
});
