import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { freshDb } from '../helpers/pg.js';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');
const dir = join(root, 'var', `pkg-test-${randomBytes(4).toString('hex')}`);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('regression: production started through the tsx loader, on an end-of-life Node', () => {
  it('the tsc build runs the bin without TypeScript sources, migrations included', async () => {
    // The layout of an installed package (or the Docker image): bin/, dist/, no src/.
    mkdirSync(join(dir, 'bin'), { recursive: true });
    await run(process.execPath, ['scripts/build.mjs', join(dir, 'dist')], { cwd: root, timeout: 240_000 });
    copyFileSync(join(root, 'bin/netops-bot.js'), join(dir, 'bin/netops-bot.js'));
    writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
    symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
    expect(existsSync(join(dir, 'src'))).toBe(false);
    expect(existsSync(join(dir, 'dist/src/main.js'))).toBe(true);

    const help = await run(process.execPath, [join(dir, 'bin/netops-bot.js'), 'help']);
    expect(help.stderr).toMatch(/usage: netops-bot <role>/);

    // An empty schema, so the built bin must find and apply every migration itself.
    const db = await freshDb('pkg');
    const empty = `${db.schema}_empty`;
    await db.pool.query(`CREATE SCHEMA ${empty}`);
    try {
      const url = db.url.replace(
        encodeURIComponent(`search_path=${db.schema},`),
        encodeURIComponent(`search_path=${empty},`),
      );
      expect(url).toContain(empty);
      const m = await run(process.execPath, [join(dir, 'bin/netops-bot.js'), 'migrate'], {
        env: { ...process.env, DATABASE_URL: url, LOG_LEVEL: 'info' },
      });
      expect(m.stdout).toMatch(/"applied":\["0001_core"/);
      const { rows } = await db.pool.query(`SELECT count(*)::int AS n FROM ${empty}.schema_migrations`);
      expect(rows[0].n).toBeGreaterThanOrEqual(5);
    } finally {
      await db.pool.query(`DROP SCHEMA ${empty} CASCADE`);
      await db.drop();
    }
  }, 300_000);

  it('the Docker image builds with tsc on a supported LTS Node, and runs dist/', () => {
    const docker = readFileSync(join(root, 'Dockerfile'), 'utf8');
    const froms = [...docker.matchAll(/^FROM node:(\d+)/gm)].map((m) => Number(m[1]));
    expect(froms.length).toBeGreaterThan(0);
    for (const major of froms) expect(major).toBeGreaterThanOrEqual(22);
    expect(docker).toMatch(/scripts\/build\.mjs/);
    // The image that runs has dist/ and no TypeScript sources.
    const final = docker.slice(docker.lastIndexOf('\nFROM '));
    expect(final).toMatch(/COPY --from=build \/app\/dist dist/);
    expect(final).not.toMatch(/COPY src/);
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    expect(pkg.dependencies['@slack/web-api']).toBeDefined();
    expect(pkg.files).toContain('dist/');
  });
});
