import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { querySeriesFor, querySummary } from '../../src/metrics/query.js';
import { insertSamples, type SampleRow, upsertInterfaces } from '../../src/metrics/store.js';
import { createVictoriaStore, type VictoriaStore } from '../../src/metrics/victoria.js';
import { computeRates, type DeviceReading } from '../../src/snmp/counters.js';
import { freshDb, type TestDb } from '../helpers/pg.js';

/**
 * The VictoriaMetrics backend against the real `victoria-metrics` binary (Debian's 1.79) on a
 * loopback port with its own data directory: the same samples written to it and to Postgres
 * give the same chart buckets and summary figures (to VictoriaMetrics' 12 significant digits).
 */

let vm: ChildProcess;
let dir: string;
let store: VictoriaStore;
let db: TestDb;
const T0 = Date.parse('2026-03-01T00:00:00Z');
const iface = { device: 'core1', ifindex: 7, name: 'Ethernet7', alias: null, speedBps: 10e9 };

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

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

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'netops-vm-'));
  const port = await freePort();
  vm = spawn(
    '/usr/bin/victoria-metrics',
    [
      `-storageDataPath=${dir}`,
      `-httpListenAddr=127.0.0.1:${port}`,
      '-retentionPeriod=100y',
      '-loggerLevel=ERROR',
      '-search.latencyOffset=0s',
    ],
    { stdio: 'ignore' },
  );
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    const ok = await fetch(`${url}/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (i > 100) throw new Error('victoria-metrics did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  store = createVictoriaStore({ url });
  db = await freshDb('vm');
  await db.pool.query(
    `CREATE TABLE samples_vm PARTITION OF samples FOR VALUES FROM ('2026-03-01') TO ('2026-03-02')`,
  );
  await upsertInterfaces(db.pool, 'core1', [{ ifIndex: 7, name: 'Ethernet7', speedBps: 10e9 }]);
  const r = rows();
  await insertSamples(db.pool, r);
  expect(await store.writeSamples(r)).toBe(r.length);
  await store.flush();
}, 60_000);

afterAll(async () => {
  vm?.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 300));
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
      const pg = await querySeriesFor(db.pool, iface, { ...q, resolution: 'raw' });
      const vmr = await store.querySeries(iface, { ...q, metrics: [...q.metrics] });
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

  it('says clearly when VictoriaMetrics is not there', async () => {
    const gone = createVictoriaStore({ url: `http://127.0.0.1:${await freePort()}`, timeoutMs: 2_000 });
    await expect(gone.readSamples({ device: 'x', ifindex: 1 }, ['in_bps'], T0, T0 + 1000)).rejects.toThrow(
      /unreachable/,
    );
  });
});
