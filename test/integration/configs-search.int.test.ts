import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Vendor } from '../../src/config.js';
import { normalise, rulesFor } from '../../src/configs/index.js';
import { searchConfigs, searchError, toPostgresRegex } from '../../src/configs/search.js';
import { createConfigStore } from '../../src/configs/store.js';
import { NetopsError } from '../../src/errors.js';
import { freshDb, type TestDb } from '../helpers/pg.js';

let db: TestDb;
const fixtures: Array<[string, Vendor]> = [
  ['core1', 'cisco_iosxe'],
  ['leaf1', 'cisco_nxos'],
  ['spine1', 'arista_eos'],
  ['edge1', 'juniper_junos'],
  ['rtr1', 'frr'],
];

beforeAll(async () => {
  db = await freshDb('cfgsearch');
  const store = createConfigStore(db.pool);
  for (const [device, vendor] of fixtures) {
    const raw = readFileSync(new URL(`../unit/configs/fixtures/${vendor}.cfg`, import.meta.url), 'utf8');
    await store.record({
      device,
      body: normalise(raw, rulesFor(vendor)),
      collectedAt: new Date(),
      trigger: 'schedule',
    });
  }
  // an older version of core1 that had a line the latest lacks: search must look at latest only
  await db.pool.query(
    `INSERT INTO config_blobs VALUES ('old', 'hostname core1\nlogging host 6.6.6.6\n', 10);
     INSERT INTO config_versions (device, sha256, collected_at, trigger) VALUES ('core1', 'old', now() - interval '1 day', 'schedule')`,
  );
});
afterAll(async () => {
  await db?.drop();
});

describe('fleet search (real Postgres)', () => {
  it('finds matching lines with context across vendors', async () => {
    const r = await searchConfigs(db.pool, { pattern: '^\\s*router-id 192\\.0\\.2\\.\\d+', context: 1 });
    expect(r.hits.map((h) => h.device)).toEqual(['core1', 'leaf1', 'spine1']);
    expect(r.nonMatching).toEqual(['edge1', 'rtr1']);
    const core = r.hits[0]!;
    expect(core.matchCount).toBe(1);
    expect(core.lines?.map((l) => [l.text, l.match])).toEqual([
      ['router ospf 1', false],
      [' router-id 192.0.2.1', true],
      [' network 10.0.0.0 0.0.0.3 area 0', false],
    ]);
    expect(core.lines?.[1]?.n).toBeGreaterThan(1);
    expect(r.scanned).toBe(5);
  });

  it('only the latest config counts; secrets are already masked in what it searches', async () => {
    expect((await searchConfigs(db.pool, { pattern: '6\\.6\\.6\\.6' })).hits).toEqual([]);
    expect((await searchConfigs(db.pool, { pattern: 'S3cr' })).hits).toEqual([]);
    const masked = await searchConfigs(db.pool, { pattern: 'snmp-server community <removed>' });
    expect(masked.hits.map((h) => h.device).sort()).toEqual(['core1', 'leaf1', 'spine1']);
  });

  it('scopes to given devices, reports missing and never-backed-up ones', async () => {
    const r = await searchConfigs(db.pool, {
      pattern: '^ntp server',
      devices: ['core1', 'edge1', 'rtr1', 'ghost9'],
    });
    expect(r.hits.map((h) => h.device)).toEqual(['core1']);
    expect(r.nonMatching).toEqual(['edge1', 'rtr1']);
    expect(r.neverBackedUp).toEqual(['ghost9']);
  });

  it('case-insensitive via flag or (?i), per-line anchors', async () => {
    expect((await searchConfigs(db.pool, { pattern: '^HOSTNAME', ignoreCase: true })).hits).toHaveLength(4);
    expect((await searchConfigs(db.pool, { pattern: '(?i)^HOSTNAME' })).hits).toHaveLength(4);
    expect((await searchConfigs(db.pool, { pattern: '^HOSTNAME' })).hits).toHaveLength(0);
    expect(toPostgresRegex('(?i)x', true)).toBe('(?ni)x');
  });

  it('a bad regex is a clear BAD_ARGS error, not a crash', async () => {
    const err = await searchConfigs(db.pool, { pattern: 'interface (Gi' }).catch((e) => e);
    expect(err).toBeInstanceOf(NetopsError);
    expect(err.code).toBe('NETOPS_BAD_ARGS');
    expect(err.toUserText()).toMatch(/not a usable regular expression/);
    await expect(searchConfigs(db.pool, { pattern: 'x'.repeat(300) })).rejects.toThrow(/longer than/);
    await expect(searchConfigs(db.pool, { pattern: '   ' })).rejects.toThrow(/empty/);
  });

  it('a statement timeout becomes a message that says what to do', async () => {
    const c = await db.pool.connect();
    let real: unknown;
    try {
      await c.query('SET statement_timeout = 50');
      await c.query('SELECT pg_sleep(1)');
    } catch (e) {
      real = e;
    } finally {
      await c.query('RESET statement_timeout');
      c.release();
    }
    const mapped = searchError('(a+)+$', real, 5000) as NetopsError;
    expect(mapped.code).toBe('NETOPS_BAD_ARGS');
    expect(mapped.toUserText()).toMatch(/took longer than 5 s.*more specific/);
  });
});
