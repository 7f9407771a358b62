import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChartRenderer, graphInterface, graphTopN } from '../../src/charts/index.js';
import { startSnmpLab } from '../../src/lab/snmp/index.js';
import { metricsFor } from '../../src/metrics/backend.js';
import { ensurePartitions } from '../../src/metrics/partitions.js';
import { findInterface, querySeriesFor, querySummary } from '../../src/metrics/query.js';
import { insertSamples, type SampleRow, upsertInterfaces } from '../../src/metrics/store.js';
import { createVictoriaStore, type VictoriaStore } from '../../src/metrics/victoria.js';
import { computeRates, type DeviceReading } from '../../src/snmp/counters.js';
import { testDevice } from '../helpers/devices.js';
import { freshDb, type TestDb } from '../helpers/pg.js';
import { startStack } from '../helpers/stack.js';

/**
 * The VictoriaMetrics backend against the real `victoria-metrics` binary (Debian's 1.79) on a
 * loopback port with its own data directory: the same samples written to it and to Postgres
 * give the same chart buckets and summary figures (to VictoriaMetrics' 12 significant digits).
 */

let vm: ChildProcess;
let vmUrl: string;
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
  vmUrl = url;
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
      const field: Record<string, keyof SampleRow> = {
        in_bps: 'inBps',
        out_bps: 'outBps',
        in_pps: 'inPps',
        out_pps: 'outPps',
        in_errors: 'inErrors',
        out_errors: 'outErrors',
        in_discards: 'inDiscards',
        out_discards: 'outDiscards',
        speed_bps: 'speedBps',
      };
      for (const line of exported.split('\n').filter(Boolean)) {
        const sr = JSON.parse(line) as {
          metric: Record<string, string>;
          values: number[];
          timestamps: number[];
        };
        sr.timestamps.forEach((t, i) => {
          const k = `${sr.metric.device}|${sr.metric.ifindex}|${t}`;
          const row =
            byKey.get(k) ??
            ({
              device: sr.metric.device!,
              ifIndex: Number(sr.metric.ifindex),
              ts: new Date(t),
              inBps: null,
              outBps: null,
              inPps: null,
              outPps: null,
              inErrors: null,
              outErrors: null,
              inDiscards: null,
              outDiscards: null,
              speedBps: null,
            } as SampleRow);
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
