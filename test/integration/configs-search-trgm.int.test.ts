import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasRequiredTrigrams, searchConfigs } from '../../src/configs/search.js';
import { NetopsError } from '../../src/errors.js';
import { freshDb, type TestDb } from '../helpers/pg.js';

/**
 * Fleet search through the pg_trgm index (migration 0018): the planner takes the index when the
 * regex yields trigrams, falls back to scanning every config when it does not, and both give the
 * same devices a plain regex over every config gives. Enough devices that the planner prefers the
 * index for a selective pattern.
 */

const N = 3000;
let db: TestDb;
const bodies = new Map<string, string>();

function config(i: number): string {
  const lines = [`hostname sw${i}`, '!'];
  for (let p = 1; p <= 24; p++)
    lines.push(
      `interface Gi1/0/${p}`,
      ` description port ${p}`,
      p % 12 === 0 ? ' shutdown' : ' no shutdown',
      '!',
    );
  lines.push(i % 97 === 0 ? 'snmp-server community s3cr3tRW RW' : 'snmp-server community public RO');
  lines.push(`ntp server 10.0.${i % 7}.1`, 'end');
  return `${lines.join('\n')}\n`;
}

beforeAll(async () => {
  db = await freshDb('cfgtrgm');
  const devices: string[] = [];
  const shas: string[] = [];
  const texts: string[] = [];
  for (let i = 0; i < N; i++) {
    const body = config(i);
    const d = `sw${String(i).padStart(4, '0')}`;
    bodies.set(d, body);
    devices.push(d);
    texts.push(body);
    shas.push(createHash('sha256').update(body).digest('hex'));
  }
  await db.pool.query(
    'INSERT INTO config_blobs (sha256, body, bytes) SELECT s, b, octet_length(b) FROM unnest($1::text[], $2::text[]) t(s, b)',
    [shas, texts],
  );
  await db.pool.query(
    `INSERT INTO config_latest (device, sha256, version_id, collected_at, checked_at, body)
     SELECT d, s, row_number() OVER (), now(), now(), b FROM unnest($1::text[], $2::text[], $3::text[]) t(d, s, b)`,
    [devices, shas, texts],
  );
  await db.pool.query('ANALYZE config_latest');
}, 120_000);
afterAll(async () => {
  await db?.drop();
});

/** The devices a JavaScript regex finds line by line (patterns here mean the same in both dialects). */
function expected(re: RegExp): string[] {
  return [...bodies]
    .filter(([, b]) => b.split('\n').some((l) => re.test(l)))
    .map(([d]) => d)
    .sort();
}

describe('fleet search with a trigram index', () => {
  it('has the index (pg_trgm from Debian contrib)', async () => {
    const { rows } = await db.pool.query(
      "SELECT 1 FROM pg_indexes WHERE indexname = 'config_latest_body_trgm' AND schemaname = current_schema()",
    );
    expect(rows).toHaveLength(1);
  });

  it('uses the index for a pattern with trigrams, and finds exactly what a full regex pass finds', async () => {
    const r = await searchConfigs(db.pool, { pattern: 'community \\S+ RW$' });
    expect(r.method).toBe('trigram index');
    expect(r.hits.map((h) => h.device)).toEqual(expected(/community \S+ RW$/));
    expect(r.hits.length).toBe(Math.ceil(N / 97));
    expect(r.scanned).toBe(N);
    expect(r.nonMatching.length).toBe(N - r.hits.length);
  });

  it('case-insensitive patterns still use it (trigrams are case-folded)', async () => {
    const r = await searchConfigs(db.pool, { pattern: 'S3CR3TRW', ignoreCase: true });
    expect(r.method).toBe('trigram index');
    expect(r.hits.length).toBe(Math.ceil(N / 97));
  });

  it('falls back to scanning every config when the regex has no trigrams, same answer', async () => {
    const r = await searchConfigs(db.pool, { pattern: '^\\s+no\\s+sh' });
    expect(r.method).toBe('full scan');
    expect(r.hits.map((h) => h.device)).toEqual(expected(/^\s+no\s+sh/));
  });

  it('scans every config when a sample says the pattern matches too many for the index to pay', async () => {
    // a seventh of the fleet has this NTP server, and its trigrams are in every config
    const common = await searchConfigs(db.pool, { pattern: '^ntp server 10\\.0\\.3\\.1$', sampleFrom: 1000 });
    expect(common.method).toBe('full scan');
    expect(common.plan).toMatch(/% of a \d+-config sample matched: scanning/);
    expect(common.hits.map((h) => h.device)).toEqual(expected(/^ntp server 10\.0\.3\.1$/));
    // one in 97: the index
    const rare = await searchConfigs(db.pool, { pattern: 'community s3cr3tRW RW', sampleFrom: 1000 });
    expect(rare.method).toBe('trigram index');
    expect(rare.plan).toMatch(/sample matched: the trigram index/);
    expect(rare.hits.map((h) => h.device)).toEqual(expected(/community s3cr3tRW RW/));
  });

  it('keeps the search timeout on the fallback path', async () => {
    // back-references force PostgreSQL's backtracking engine: cubic in each line's length, and
    // no line is a tripled string, so every split is tried
    const err = await searchConfigs(db.pool, {
      pattern: '^(.+)(.+)(.+)\\1\\2\\3$',
      timeoutMs: 100,
    }).catch((e) => e);
    expect(err).toBeInstanceOf(NetopsError);
    expect((err as NetopsError).message).toMatch(/timed out/);
  });
});

describe('which patterns must contain trigrams', () => {
  it.each([
    ['community \\S+ RW$', true],
    ['^ntp server 10\\.9\\.9\\.99', true],
    ['(?i)S3CR3TRW', true],
    ['***=literal.text', true],
    ['^\\s+shutdown$', true],
    ['^\\s+sh?utdown', true],
    ['^\\s+no\\s+sh', false],
    ['ab', false],
    ['foo|bar', false],
    ['(community)', false],
    ['[abc]de', false],
    ['ab+cd', false],
    ['x{0,3}yz', false],
    ['^(.*)(.*)\\1x$', false],
  ])('%s → %s', (pattern, want) => {
    expect(hasRequiredTrigrams(pattern)).toBe(want);
  });
});
