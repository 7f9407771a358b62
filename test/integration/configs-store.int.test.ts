import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyRetention, collectBlobs } from '../../src/configs/retention.js';
import { createConfigStore, sha256Hex } from '../../src/configs/store.js';
import { freshDb, type TestDb } from '../helpers/pg.js';

let db: TestDb;
beforeAll(async () => {
  db = await freshDb('cfgstore');
});
afterAll(async () => {
  await db?.drop();
});

const at = (iso: string) => new Date(iso);

describe('config store (real Postgres)', () => {
  it('stores a version only when the body changes, and tracks the latest', async () => {
    const store = createConfigStore(db.pool);
    const a = await store.record({
      device: 'r1',
      body: 'hostname r1\n',
      collectedAt: at('2026-01-01T00:00:00Z'),
      trigger: 'schedule',
    });
    expect(a.changed).toBe(true);
    expect(a.previous).toBeUndefined();
    const same = await store.record({
      device: 'r1',
      body: 'hostname r1\n',
      collectedAt: at('2026-01-01T01:00:00Z'),
      trigger: 'schedule',
    });
    expect(same.changed).toBe(false);
    expect(same.version.id).toBe(a.version.id);
    expect(await store.checkedAt('r1')).toEqual(at('2026-01-01T01:00:00Z'));
    const b = await store.record({
      device: 'r1',
      body: 'hostname r1\nntp server 10.0.0.1\n',
      collectedAt: at('2026-01-01T02:00:00Z'),
      trigger: 'syslog',
      author: 'admin',
    });
    expect(b.changed).toBe(true);
    expect(b.previous?.id).toBe(a.version.id);
    expect(b.version.prevSha).toBe(sha256Hex('hostname r1\n'));
    const latest = await store.latest('r1');
    expect(latest).toMatchObject({ id: b.version.id, trigger: 'syslog', author: 'admin' });
    expect(await store.body(latest!.sha256)).toBe('hostname r1\nntp server 10.0.0.1\n');
    // going back to an old body is a new version that reuses the blob
    const c = await store.record({
      device: 'r1',
      body: 'hostname r1\n',
      collectedAt: at('2026-01-01T03:00:00Z'),
      trigger: 'manual',
    });
    expect(c.changed).toBe(true);
    const { rows } = await db.pool.query('SELECT count(*)::int AS n FROM config_blobs');
    expect(rows[0].n).toBe(2);
  });

  it('resolves ids, ~N, sha prefixes and times', async () => {
    const store = createConfigStore(db.pool);
    const page = await store.list('r1');
    expect(page.versions.map((v) => v.trigger)).toEqual(['manual', 'syslog', 'schedule']);
    const [c, b, a] = page.versions;
    expect((await store.resolve('r1', '~0'))?.id).toBe(c!.id);
    expect((await store.resolve('r1', '~2'))?.id).toBe(a!.id);
    expect((await store.resolve('r1', String(b!.id)))?.id).toBe(b!.id);
    expect((await store.resolve('r1', `v${b!.id}`))?.id).toBe(b!.id);
    expect((await store.resolve('r1', b!.sha256.slice(0, 8)))?.id).toBe(b!.id);
    expect(await store.resolve('r1', '~9')).toBeUndefined();
    await expect(store.resolve('r1', 'yesterday')).rejects.toThrow(/version reference/);
    expect((await store.at('r1', at('2026-01-01T02:30:00Z')))?.id).toBe(b!.id);
    expect(await store.at('r1', at('2025-01-01T00:00:00Z'))).toBeUndefined();
  });

  it('concurrent backups of one device with the same change make exactly one version', async () => {
    const store = createConfigStore(db.pool);
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        store.record({
          device: 'race',
          body: 'hostname race\nlogging host 1.2.3.4\n',
          collectedAt: at(`2026-02-01T00:00:0${i}Z`),
          trigger: 'syslog',
        }),
      ),
    );
    expect(results.filter((r) => r.changed)).toHaveLength(1);
    const { rows } = await db.pool.query(
      "SELECT count(*)::int AS n FROM config_versions WHERE device = 'race'",
    );
    expect(rows[0].n).toBe(1);
  });

  it('pages with a keyset cursor through a long history in order', async () => {
    const store = createConfigStore(db.pool);
    await db.pool.query(
      `INSERT INTO config_blobs (sha256, body, bytes) SELECT 'h' || g, 'body ' || g, 6 FROM generate_series(1, 250) g`,
    );
    // same timestamp for pairs: the id tie-break must keep pages disjoint
    await db.pool.query(
      `INSERT INTO config_versions (device, sha256, collected_at, trigger)
       SELECT 'long', 'h' || g, timestamptz '2026-01-01' + ((g / 2) || ' minutes')::interval, 'schedule'
       FROM generate_series(1, 250) g`,
    );
    const seen: number[] = [];
    let cursor: Awaited<ReturnType<typeof store.list>>['next'];
    let pages = 0;
    do {
      const page = await store.list('long', { limit: 40, ...(cursor ? { before: cursor } : {}) });
      seen.push(...page.versions.map((v) => v.id));
      cursor = page.next;
      pages++;
    } while (cursor);
    expect(pages).toBe(7);
    expect(new Set(seen).size).toBe(250);
    const { rows } = await db.pool.query(
      "SELECT id::int FROM config_versions WHERE device = 'long' ORDER BY collected_at DESC, id DESC",
    );
    expect(seen).toEqual(rows.map((r) => r.id));
  });

  it('retention thins old history, keeps the latest, and collects orphaned blobs', async () => {
    const store = createConfigStore(db.pool);
    const now = at('2026-06-01T00:00:00Z');
    // 3 changes a day for 20 days, ending 10 days ago
    for (let d = 0; d < 20; d++) {
      for (let h = 0; h < 3; h++) {
        const t = new Date(now.getTime() - (30 - d) * 86_400_000 + h * 3_600_000);
        await store.record({
          device: 'old',
          body: `hostname old\n! rev ${d}.${h}\n`,
          collectedAt: t,
          trigger: 'schedule',
        });
      }
    }
    const latestBefore = await store.latest('old');
    const total = async () =>
      (await db.pool.query('SELECT count(*)::int AS n FROM config_versions')).rows[0].n as number;
    const before = await total();
    const res = await applyRetention(db.pool, { keepAllDays: 15, dailyDays: 10, weeklyWeeks: 0 }, now);
    // days 15..19 (ages 15..11 days) are in the keep-all band: 15 versions stay;
    // days 5..14 (ages 25..16) keep one per day: 10; days 0..4 are beyond the weekly band: gone.
    const { rows } = await db.pool.query(
      "SELECT count(*)::int AS n FROM config_versions WHERE device = 'old'",
    );
    expect(rows[0].n).toBe(15 + 10);
    expect(res.versionsDropped).toBe(before - (await total()));
    expect(res.versionsDropped).toBeGreaterThanOrEqual(60 - 25);
    expect((await store.latest('old'))?.id).toBe(latestBefore?.id);
    expect(res.blobsDropped).toBeGreaterThanOrEqual(35);
    const orphans = await db.pool.query(
      `SELECT count(*)::int AS n FROM config_blobs b WHERE NOT EXISTS (SELECT 1 FROM config_versions v WHERE v.sha256 = b.sha256)`,
    );
    expect(orphans.rows[0].n).toBe(0);
    expect(await collectBlobs(db.pool)).toBe(0);
  });
});
