import { parse as parseYaml } from 'yaml';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commands } from '../../commands/index.js';
import { type LocalSite, startLocalSite } from '../../src/lab/local-site.js';
import { freshDb, type TestDb } from '../helpers/pg.js';
import { TEST_REDIS_URL } from '../helpers/redis.js';

/**
 * Every example in the README and in `help` runs as written against `npm run local` (the same
 * site: simulated sample inventory, emulator, bot and worker, seeded history, first backups).
 */

const root = join(import.meta.dirname, '../..');
const dir = join(root, 'var', `examples-${randomBytes(4).toString('hex')}`);
const names = new Set(commands.flatMap((c) => [c.name, ...(c.aliases ?? [])]));

/** Commands in README code spans and `--once "…"` lines; usage lines (with <…>, […], …) are not examples. */
function readmeExamples(text: string): string[] {
  const out = new Set<string>();
  for (const m of text.matchAll(/--once "([^"]+)"/g)) out.add(m[1]!);
  for (const m of text.matchAll(/(?<!`)`([^`\n]+)`(?!`)/g)) {
    const span = m[1]!.replace(/^(?:\/net|@netops)\s+/, '').trim();
    const words = span.split(/\s+/);
    // a bare command name in prose ("`show`, `config` and `graph` work") is not an example
    if (!names.has(words[0]!) || words.length < 2) continue;
    if (/[<>…]|\[[^\]]*\|/.test(span) || /\[(?:\w+|-)/.test(span.replace(/"[^"]*"/g, ''))) continue;
    out.add(span);
  }
  return [...out];
}

const helpExamples = commands.flatMap((c) => (c.hidden ? [] : (c.examples ?? [])));
const readme = readmeExamples(readFileSync(join(root, 'README.md'), 'utf8'));

// One person typing: under `limits.commandsPerMinute` (30), as a person would be.
let lastSent = 0;
async function paced(): Promise<void> {
  const wait = lastSent + 2_100 - Date.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  lastSent = Date.now();
}

let db: TestDb;
let local: LocalSite;
const lines: string[] = [];

beforeAll(async () => {
  db = await freshDb('examples');
  local = await startLocalSite({
    env: { DATABASE_URL: db.url, REDIS_URL: TEST_REDIS_URL, PORT: '0', LOG_LEVEL: 'info' },
    configPath: join(root, 'netops.example.yaml'),
    dir,
    logPath: join(dir, 'netops-bot.log'),
    filesDir: join(dir, 'files'),
    write: (l) => lines.push(l),
    // One user runs every example in a minute: more than the per-person limit a team would set.
    overrides: { limits: { commandsPerMinute: 0 } },
  });
}, 180_000);

afterAll(async () => {
  await local?.stop();
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

describe('regression: README and help examples named devices the sample inventory does not have', () => {
  it('finds the examples', () => {
    expect(helpExamples.length).toBeGreaterThan(30);
    expect(readme).toContain('show core1-ams show version');
    expect(readme).toContain('devices core*');
  });

  for (const example of [...new Set([...readme, ...helpExamples])]) {
    it(`runs: ${example}`, async () => {
      await paced();
      const r = await local.run(example, 90_000);
      expect(r.state, r.text).toMatch(/^(done|answered)$/);
      expect(r.text).not.toMatch(/"level":\d+/);
    }, 120_000);
  }
});

describe('regression: the local site never backed up (config said "never backed up")', () => {
  it('every device has a backup and a short history at start', async () => {
    const { rows } = await db.pool.query<{ device: string; n: number }>(
      'SELECT device, count(*)::int AS n FROM config_versions GROUP BY device ORDER BY device',
    );
    // every device of the sample inventory, whatever it lists
    const sample = parseYaml(readFileSync(join(root, 'netops.example.yaml'), 'utf8')) as {
      devices: { name: string }[];
    };
    expect(rows.map((r) => r.device)).toEqual(sample.devices.map((d) => d.name).sort());
    expect(rows.find((r) => r.device === 'core1-ams')!.n).toBeGreaterThanOrEqual(2);
    await paced();
    const r = await local.run('config search "^hostname" --missing');
    expect(r.text).not.toMatch(/never backed up/);
  });
});

describe('regression: the console printed raw JSON logs and not a failed job reason', () => {
  it('a failure shows the reason Slack would show; logs go to the file', async () => {
    await paced();
    const r = await local.run('config show core1-ams --version v99');
    expect(r.state).toBe('failed');
    expect(r.text).toMatch(/has no version v99|no version/i);
    expect(r.text).not.toMatch(/"level"|stack|at .*\.ts:\d+/);
    expect(readFileSync(join(dir, 'netops-bot.log'), 'utf8')).toMatch(/"level":/);
  });

  it('discover 127.0.0.1 is allowed on the local site', async () => {
    await paced();
    const r = await local.run('discover 127.0.0.1');
    expect(r.state, r.text).toBe('done');
    expect(r.text).not.toMatch(/not allowed/);
  });
});
