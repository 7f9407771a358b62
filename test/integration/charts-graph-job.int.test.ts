import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { webApi } from '@slack/bolt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import graphJob from '../../jobs/graph.js';
import { createChartRenderer } from '../../src/charts/index.js';
import { type Config, type Device, loadConfig } from '../../src/config.js';
import { createInventory } from '../../src/inventory/index.js';
import { createSlackEmulator } from '../../src/lab/slack/index.js';
import { silentLogger } from '../../src/log.js';
import type { JobResult } from '../../src/queue/index.js';
import type { TestServices } from '../helpers/jobs.js';
import { deliverResult } from '../../src/chat/index.js';
import { createWebResponder } from '../../src/slack/responder.js';
import type { Destination, FileUpload, Message, Responder } from '../../src/chat/index.js';
import { freshDb, type TestDb } from '../helpers/pg.js';
import { testDevice } from '../helpers/devices.js';
import { runJob } from '../helpers/jobs.js';

/** Records what would reach Slack. */
class RecordingResponder implements Responder {
  posts: Array<{ dest: Destination; message: Message }> = [];
  uploads: Array<{ dest: Destination; files: FileUpload[] }> = [];
  async post(dest: Destination, message: Message) {
    this.posts.push({ dest, message });
    return { ts: `${this.posts.length}.0001` };
  }
  async update() {}
  async ephemeral() {}
  async upload(dest: Destination, files: FileUpload[]) {
    this.uploads.push({ dest, files });
  }
}

const NOW = Date.parse('2026-03-02T12:00:00Z');
const DAY = 86_400_000;
const SPIKE_AT = NOW - 5 * 3_600_000; // 07:00 UTC = 08:00 in Paris
const SPIKE = 9.5e9;

const dev = (name: string): Device => testDevice(name);

let db: TestDb;
let services: TestServices;
let responder: RecordingResponder;
const progress: string[] = [];

const OUT = join(process.cwd(), 'test', 'out');

async function run(data: unknown): Promise<JobResult> {
  const result = await runJob(graphJob, data, services, {
    jobId: 'j-graph',
    progress: async (t) => {
      progress.push(t);
    },
  });
  // kept for eyeballing: test/out is gitignored
  for (const f of result.files ?? []) writeFileSync(join(OUT, `job-${f.filename}`), f.content);
  return result;
}

async function deliver(result: JobResult) {
  responder.uploads = [];
  responder.posts = [];
  await deliverResult(responder, { channel: 'C0NET', threadTs: '1700000000.000100' }, result);
}

async function userError(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return (e as { toUserText(): string }).toUserText();
  }
  return 'no error';
}

function pngSize(buf: Buffer): { width: number; height: number } {
  expect(buf.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) };
}

beforeAll(async () => {
  mkdirSync(OUT, { recursive: true });
  db = await freshDb('chartjob');
  await db.pool.query(
    `INSERT INTO interfaces (device, ifindex, name, alias, speed_bps)
     VALUES ('core1', 1, 'Ethernet1/1', 'to core2', 10000000000), ('core1', 2, 'Ethernet1/2', null, 10000000000),
            ('core1', 3, 'Ethernet1/3', null, 1000000000), ('core2', 1, 'Ethernet1/1', 'to core1', 10000000000)`,
  );
  // ten more on core1 for the glob cap, with a little traffic each
  for (let i = 1; i <= 10; i++) {
    await db.pool.query(
      `INSERT INTO interfaces (device, ifindex, name, speed_bps) VALUES ('core1', $1, $2, 1000000000)`,
      [100 + i, `Ethernet2/${i}`],
    );
  }
  // 2 days at 10 s for core1 Et1/1, Et1/2 and core2 Et1/1; Et1/3 has no samples at all
  await db.pool.query(
    `INSERT INTO samples (device, ifindex, ts, in_bps, out_bps, in_errors, out_errors, in_discards, out_discards, speed_bps)
     SELECT d.device, d.ifindex, to_timestamp($1::float8 / 1000) - i * interval '10 seconds',
            d.k * (3e9 + 2e9 * sin(i / 800.0)), d.k * (1.5e9 + 5e8 * cos(i / 600.0)),
            (i % 360 = 0)::int * 4, 0, (i % 97 = 0)::int * 0.5, 0, 10000000000
     FROM generate_series(1, 2 * 8640) i,
          (VALUES ('core1', 1, 1.0), ('core1', 2, 0.4), ('core2', 1, 0.7)) d(device, ifindex, k)`,
    [NOW],
  );
  await db.pool.query(
    `INSERT INTO samples (device, ifindex, ts, in_bps, out_bps)
     SELECT 'core1', 100 + n, to_timestamp($1::float8 / 1000) - i * interval '60 seconds', n * 1e7, n * 5e6
     FROM generate_series(1, 600) i, generate_series(1, 10) n`,
    [NOW],
  );
  await db.pool.query(`UPDATE samples SET in_bps = $1 WHERE device = 'core1' AND ifindex = 1 AND ts = $2`, [
    SPIKE,
    new Date(SPIKE_AT),
  ]);
  const config: Config = loadConfig(
    { DATABASE_URL: db.url },
    { role: 'migrate', readFile: () => 'timezone: Europe/Paris\n' },
  );
  responder = new RecordingResponder();
  services = {
    config,
    pool: db.pool,
    inventory: createInventory([dev('core1'), dev('core2')]),
    responder,
    enqueue: async () => ({ jobId: 'x' }),
    log: silentLogger,
    clock: () => new Date(NOW),
    charts: createChartRenderer(),
  };
}, 60_000);

afterAll(async () => {
  await db?.drop();
});

describe('graph job end to end (real Postgres, real renderer, recorded Slack)', () => {
  it('uploads a PNG into the thread with the raw peak in the summary, alt text and title', async () => {
    const result = await run({ devices: ['core1'], iface: 'ethernet1/1', rangeMs: DAY, metric: 'util' });
    expect(result.files).toHaveLength(1);
    const { rows } = await db.pool.query(
      `SELECT max(in_bps) AS max FROM samples WHERE device = 'core1' AND ifindex = 1 AND ts >= $1 AND ts < $2`,
      [new Date(NOW - DAY), new Date(NOW)],
    );
    expect(rows[0].max).toBe(SPIKE);
    // 9.5 Gbps of 10 Gbps, at 08:00 Paris time
    expect(result.summary).toMatch(
      /^core1 Ethernet1\/1, last 1d: in: peak 9\.5 Gbps \(95%\) at 08:00, p95 [\d.]+ Gbps, avg [\d.]+ Gbps, now [\d.]+ Gbps/,
    );

    await deliver(result);
    expect(responder.uploads).toHaveLength(1);
    const { dest, files } = responder.uploads[0]!;
    expect(dest).toEqual({ channel: 'C0NET', threadTs: '1700000000.000100' });
    const f = files[0]!;
    expect(f.filename).toBe('core1-Ethernet1_1-util-1d.png');
    expect(pngSize(f.content as Buffer)).toEqual({ width: 1200, height: 600 });
    expect(f.title).toBe('core1 Ethernet1/1 — utilisation, last 1d');
    expect(f.initialComment).toContain('peak 9.5 Gbps (95%) at 08:00');
    expect(f.altText).toContain('core1 Ethernet1/1 (to core2)');
    expect(f.altText).toContain('(Europe/Paris)');
    expect(f.altText).toContain('Interface speed 10 Gbps.');
    expect(f.altText!.length).toBeLessThanOrEqual(1000);
  });

  it('draws errors and discards per second', async () => {
    const errors = await run({ devices: ['core1'], iface: 'Ethernet1/1', rangeMs: DAY, metric: 'errors' });
    expect(errors.summary).toMatch(/in errors: peak 4\/s/);
    expect(pngSize(errors.files![0]!.content as Buffer).width).toBe(1200);
    const discards = await run({
      devices: ['core1'],
      iface: 'Ethernet1/1',
      rangeMs: 3_600_000,
      metric: 'discards',
    });
    expect(discards.summary).toMatch(/in discards: peak 0\.5\/s/);
    expect(discards.files![0]!.filename).toBe('core1-Ethernet1_1-discards-1h.png');
  });

  it('compares a glob of interfaces, capped at 8 with a note, and --compare across devices', async () => {
    const globbed = await run({ devices: ['core1'], iface: 'Ethernet2/*', rangeMs: 6 * 3_600_000 });
    expect(globbed.files).toHaveLength(1);
    expect(globbed.files![0]!.initialComment).toContain('Showing the first 8 of 10 matching interfaces');
    expect(globbed.files![0]!.title).toBe('core1: 8 interfaces — traffic, last 6h');
    expect(progress).toContain('querying 8 interfaces…');

    const cross = await run({
      devices: ['core1'],
      iface: 'Ethernet1/1',
      rangeMs: DAY,
      compare: [{ device: 'core2', iface: 'Ethernet1/1' }],
    });
    expect(cross.files![0]!.title).toBe('2 interfaces — traffic, last 1d');
    expect(cross.summary).toContain('core1 Ethernet1/1 in peak 9.5 Gbps');
    expect(cross.files![0]!.altText).toContain('core2 Ethernet1/1');
  });

  it('posts top-N bars when no interface is named', async () => {
    const top = await run({ devices: ['core1', 'core2'], rangeMs: DAY, scope: 'all' });
    expect(top.files![0]!.title).toBe('Top 10 interfaces by p95 utilisation — all, last 1d');
    const size = pngSize(top.files![0]!.content as Buffer);
    expect(size.height).toBeGreaterThan(300);
    // core1 Et1/1 runs at about 3-5 Gbps of 10 but Ethernet2/10 at 100 Mbps of 1 Gbps: both listed
    expect(top.files![0]!.altText).toMatch(/core1 Ethernet1\/1 in \d+%/);
  });

  it('says so clearly when there is no data, instead of an empty chart', async () => {
    const none = await run({ devices: ['core1'], iface: 'Ethernet1/3', rangeMs: DAY });
    expect(none.files).toBeUndefined();
    expect(none.text).toMatch(/^No traffic samples for core1 Ethernet1\/3 in the last 1d\./);
    await deliver(none);
    expect(responder.uploads).toHaveLength(0);
    expect(JSON.stringify(responder.posts)).toContain('No traffic samples for core1 Ethernet1/3');

    const old = await run({ devices: ['core2'], iface: 'Ethernet1/1', rangeMs: DAY, compare: [] });
    expect(old.files).toHaveLength(1);
  });

  it('names unknown interfaces and devices with a suggestion', async () => {
    expect(await userError(run({ devices: ['core1'], iface: 'Ethernet1/11', rangeMs: DAY }))).toMatch(
      /`core1` has no interface `Ethernet1\/11`\. Did you mean `Ethernet1\/1`/,
    );
    expect(await userError(run({ devices: ['core9'], iface: 'Ethernet1/1', rangeMs: DAY }))).toMatch(
      /no device called `core9`/,
    );
    const nomatch = await run({ devices: ['core1'], iface: 'Vlan*', rangeMs: DAY });
    expect(nomatch.text).toMatch(/No interface on `core1` matches `Vlan\*`/);
  });

  it('arrives in Slack through files.uploadV2: bytes, alt text, title and comment in the thread', async () => {
    const emu = await createSlackEmulator({ signingSecret: 'x' });
    try {
      const client = new webApi.WebClient('xoxb-test', {
        slackApiUrl: emu.apiUrl,
        retryConfig: { retries: 0 },
      });
      const web = createWebResponder(client);
      const parent = await web.post(
        { channel: 'C00NETOPS0' },
        { text: 'queued: chart of core1 Ethernet1/1' },
      );
      const result = await run({ devices: ['core1'], iface: 'Ethernet1/1', rangeMs: DAY });
      await deliverResult(web, { channel: 'C00NETOPS0', threadTs: parent.ts }, result);
      const files = [...emu.files.values()];
      expect(files).toHaveLength(1);
      const f = files[0]!;
      expect(f.completed).toBe(true);
      expect(f.bytes!.equals(result.files![0]!.content as Buffer)).toBe(true);
      expect(f.altText).toBe(result.files![0]!.altText);
      expect(f.title).toBe('core1 Ethernet1/1 — utilisation, last 1d');
      const snap = JSON.stringify(emu.snapshot());
      expect(snap).toContain('peak 9.5 Gbps (95%) at 08:00');
      expect(snap).toContain(parent.ts);
    } finally {
      await emu.close();
    }
  });

  it('rejects bad job data at the schema', () => {
    expect(graphJob.schema.safeParse({ devices: ['core1'], rangeMs: 10 }).success).toBe(false);
    expect(
      graphJob.schema.safeParse({ devices: ['core1'], rangeMs: DAY, timezone: 'Nowhere/Land' }).success,
    ).toBe(false);
  });
});
