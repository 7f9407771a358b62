import { fork } from 'node:child_process';
import { mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseFileConfig } from '../../src/config.js';
import { addDeviceToFile } from '../../src/inventory/index.js';
import { testDevice } from '../helpers/devices.js';

const ADDER = new URL('../fixtures/inventory/add-devices.ts', import.meta.url).pathname;

function addFromAnotherProcess(path: string, names: string[]): Promise<number | null> {
  const child = fork(ADDER, [path, ...names], { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
  return new Promise((resolve) => child.once('exit', resolve));
}

describe('netops.yaml writer', () => {
  let dir: string;
  let path: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'netops-file-'));
    path = join(dir, 'netops.yaml');
    await writeFile(
      path,
      '# hand-written\ndevices:\n  # the core\n  - { name: core1, vendor: cisco_iosxe, host: 10.0.0.1, credential: lab }\n',
    );
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const names = async () =>
    parseFileConfig(await readFile(path, 'utf8'), path)
      .config!.devices.map((d) => d.name)
      .sort();

  it('regression: two adds at once both land (the second used to overwrite the first)', async () => {
    await Promise.all([
      addDeviceToFile(path, testDevice('new1', { host: '10.0.0.11' })),
      addDeviceToFile(path, testDevice('new2', { host: '10.0.0.12' })),
    ]);
    expect(await names()).toEqual(['core1', 'new1', 'new2']);
    const text = await readFile(path, 'utf8');
    expect(text).toContain('# hand-written');
    expect(text).toContain('# the core');
  });

  it('many adds from this process and two others all land, and the file stays valid', async () => {
    const here = Array.from({ length: 8 }, (_, i) => `here${i}`);
    const [a, b] = await Promise.all([
      addFromAnotherProcess(path, ['procA1', 'procA2', 'procA3']),
      addFromAnotherProcess(path, ['procB1', 'procB2', 'procB3']),
      ...here.map((n, i) => addDeviceToFile(path, testDevice(n, { host: `10.1.0.${i + 1}` }))),
    ]);
    expect([a, b]).toEqual([0, 0]);
    expect(await names()).toEqual(
      ['core1', ...here, 'procA1', 'procA2', 'procA3', 'procB1', 'procB2', 'procB3'].sort(),
    );
  }, 30_000);

  it('takes over a lock left by a process that died mid-write', async () => {
    await writeFile(`${path}.lock`, '99999\n');
    const old = new Date(Date.now() - 60_000);
    await utimes(`${path}.lock`, old, old);
    await addDeviceToFile(path, testDevice('after-crash', { host: '10.0.0.20' }));
    expect(await names()).toEqual(['after-crash', 'core1']);
  });

  it('refuses a duplicate under the lock, naming the device', async () => {
    const results = await Promise.allSettled([
      addDeviceToFile(path, testDevice('twin', { host: '10.0.0.30' })),
      addDeviceToFile(path, testDevice('twin', { host: '10.0.0.31' })),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(refused.reason.userMessage).toBe('`twin` is already in the inventory.');
    expect(await names()).toEqual(['core1', 'twin']);
  });
});
