import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportConfigs, exportConfigsCli, gitIdent } from '../../src/cli/export-configs.js';
import { createConfigStore } from '../../src/configs/index.js';
import { freshDb, type TestDb } from '../helpers/pg.js';

let db: TestDb;
let dir: string;
const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, encoding: 'utf8' });

beforeAll(async () => {
  db = await freshDb('cfgexport');
  dir = join(mkdtempSync(join(tmpdir(), 'netops-export-')), 'repo');
  const store = createConfigStore(db.pool);
  const t = (h: number) => new Date(Date.UTC(2026, 0, 1, h));
  await store.record({ device: 'core1', body: 'hostname core1\n', collectedAt: t(1), trigger: 'schedule' });
  await store.record({ device: 'edge1', body: 'host-name edge1;\n', collectedAt: t(2), trigger: 'schedule' });
  await store.record({
    device: 'core1',
    body: 'hostname core1\nntp server 1.1.1.1\n',
    collectedAt: t(3),
    trigger: 'syslog',
    author: 'Jane <Doe>',
  });
  await store.record({
    device: 'core1',
    body: 'hostname core1\n',
    collectedAt: t(4),
    trigger: 'manual',
    author: 'alice',
  });
});
afterAll(async () => {
  await db?.drop();
  rmSync(join(dir, '..'), { recursive: true, force: true });
});

describe('exportConfigs (real git)', () => {
  it('writes one commit per version with its date and author, one file per device', async () => {
    const r = await exportConfigs(db.pool, dir);
    expect(r).toMatchObject({ commits: 4, devices: 2 });
    const log = git('log', '--reverse', '--format=%an|%ae|%aI|%s', 'main').trim().split('\n');
    expect(log).toEqual([
      'netops-bot (schedule)|netops-bot@netops-bot.invalid|2026-01-01T01:00:00+00:00|core1: schedule backup',
      'netops-bot (schedule)|netops-bot@netops-bot.invalid|2026-01-01T02:00:00+00:00|edge1: schedule backup',
      'Jane Doe|Jane.Doe@netops-bot.invalid|2026-01-01T03:00:00+00:00|core1: syslog backup by Jane <Doe>',
      'alice|alice@netops-bot.invalid|2026-01-01T04:00:00+00:00|core1: manual backup by alice',
    ]);
    expect(git('show', 'main~1:core1.cfg')).toBe('hostname core1\nntp server 1.1.1.1\n');
    expect(readFileSync(join(dir, 'core1.cfg'), 'utf8')).toBe('hostname core1\n');
    expect(readFileSync(join(dir, 'edge1.cfg'), 'utf8')).toBe('host-name edge1;\n');
    expect(git('status', '--porcelain')).toBe('');
    expect(git('show', '--stat', '--format=', 'main~1').trim()).toMatch(/^core1\.cfg \| 1 \+$/m);
  });

  it('is incremental: a rerun adds only new versions', async () => {
    expect((await exportConfigs(db.pool, dir)).commits).toBe(0);
    await createConfigStore(db.pool).record({
      device: 'edge1',
      body: 'host-name edge1;\nsnmp { location x; }\n',
      collectedAt: new Date(Date.UTC(2026, 0, 2)),
      trigger: 'schedule',
    });
    const r = await exportConfigs(db.pool, dir);
    expect(r.commits).toBe(1);
    expect(git('rev-list', '--count', 'main').trim()).toBe('5');
    expect(git('log', '-1', '--format=%B', 'main')).toMatch(/Netops-Version: \d+/);
    expect(readFileSync(join(dir, 'edge1.cfg'), 'utf8')).toContain('snmp');
  });

  it('CLI arguments: --git required, unknown flags refused, a rerun says nothing new', async () => {
    await expect(exportConfigsCli([], db.pool)).rejects.toThrow(/missing --git/);
    await expect(exportConfigsCli(['--gti', dir], db.pool)).rejects.toThrow(/unknown argument/);
    expect(await exportConfigsCli(['--git', dir], db.pool)).toMatch(/^nothing new to export/);
    const other = join(dir, '..', 'other');
    expect(await exportConfigsCli([`--git=${other}`, '--branch', 'configs'], db.pool)).toMatch(
      /^exported 5 version\(s\) of 2 device\(s\)/,
    );
    expect(
      execFileSync('git', ['rev-list', '--count', 'configs'], { cwd: other, encoding: 'utf8' }).trim(),
    ).toBe('5');
  });

  it('identities never carry angle brackets or newlines', () => {
    expect(gitIdent('a<b>\nc', 'manual')).toEqual({ name: 'abc', email: 'abc@netops-bot.invalid' });
    expect(gitIdent(null, 'syslog').name).toBe('netops-bot (syslog)');
  });
});
