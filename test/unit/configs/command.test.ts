import { describe, expect, it } from 'vitest';
import configCommand from '../../../commands/config.js';
import type { Device } from '../../../src/config.js';
import { createInventory } from '../../../src/inventory/index.js';
import { createRegistry, dispatch } from '../../../src/registry/index.js';
import type { DispatchContext } from '../../../src/registry/registry.js';
import { testDevice } from '../../helpers/devices.js';

const dev = (name: string, vendor: Device['vendor'] = 'cisco_iosxe'): Device => testDevice(name, { vendor });

function harness() {
  const enqueued: Array<{ job: string; data: unknown }> = [];
  const replies: string[] = [];
  const registry = createRegistry([configCommand]);
  const base = {
    user: { id: 'U1', name: 'alice' },
    where: { channel: 'C1' },
    enqueue: async (job: string, data: unknown) => {
      enqueued.push({ job, data });
      return { jobId: 'j-1' };
    },
    reply: async (m: { text: string }) => void replies.push(m.text),
    config: {} as DispatchContext['config'],
    inventory: createInventory([dev('core1'), dev('core2'), dev('edge1', 'juniper_junos')]),
    invokedAs: '/net',
  } satisfies DispatchContext;
  const run = (text: string) => dispatch(registry, text, base);
  return { run, enqueued, replies };
}

describe('/net config', () => {
  it('show: device, optional section regex (unquoted words joined), --version', async () => {
    const h = harness();
    await h.run('config show core1');
    await h.run('config show core1 ^interface Gi1$ --version ~1 --ignore-case');
    expect(h.enqueued).toEqual([
      { job: 'config.show', data: { device: 'core1' } },
      {
        job: 'config.show',
        data: { device: 'core1', section: '^interface Gi1$', version: '~1', ignoreCase: true },
      },
    ]);
  });

  it('diff: none, one, two versions or --since', async () => {
    const h = harness();
    await h.run('config diff core1');
    await h.run('config diff core1 v10');
    await h.run('config diff core1 v10 v12 --context 5');
    await h.run('config diff core1 --since 24h');
    expect(h.enqueued.map((e) => e.data)).toEqual([
      { device: 'core1' },
      { device: 'core1', from: 'v10' },
      { device: 'core1', from: 'v10', to: 'v12', context: 5 },
      { device: 'core1', since: '24h' },
    ]);
    await expect(h.run('config diff core1 v1 --since 2h')).rejects.toThrow(/either versions or --since/);
    await expect(h.run('config diff core1 --since yesterday')).rejects.toThrow(/duration/);
  });

  it('history and search', async () => {
    const h = harness();
    await h.run('config history core1 --before v40 --limit 10');
    await h.run('config search "^snmp-server community" --devices core* --context 2');
    await h.run('config search ntp server 10.0.0.1 --missing');
    expect(h.enqueued).toEqual([
      { job: 'config.history', data: { device: 'core1', before: 40, limit: 10 } },
      { job: 'config.search', data: { pattern: '^snmp-server community', devices: 'core*', context: 2 } },
      { job: 'config.search', data: { pattern: 'ntp server 10.0.0.1', missing: true } },
    ]);
  });

  it('backup: one device, a glob or all (fan-out), author is the user', async () => {
    const h = harness();
    await h.run('config backup core1');
    await h.run('config backup core*');
    await h.run('config backup all');
    expect(h.enqueued).toEqual([
      { job: 'config.backup', data: { device: 'core1', trigger: 'manual', author: 'alice' } },
      { job: 'config.backup-many', data: { target: 'core*', trigger: 'manual', author: 'alice' } },
      { job: 'config.backup-many', data: { target: 'all', trigger: 'manual', author: 'alice' } },
    ]);
  });

  it('clear messages: unknown device (with suggestion), unknown verb, missing args, bad glob, long regex', async () => {
    const h = harness();
    const text = async (cmd: string) => {
      try {
        await h.run(cmd);
        return 'no error';
      } catch (e) {
        return (e as { toUserText(): string }).toUserText();
      }
    };
    expect(await text('config show core3')).toMatch(/no device called `core3`.*Did you mean `core1`/);
    expect(await text('config frobnicate core1')).toMatch(/not a config command.*Usage/);
    expect(await text('config')).toMatch(/Say what to do/);
    expect(await text('config show')).toMatch(/Name a device.*config show <device>/);
    expect(await text('config search')).toMatch(/regular expression/);
    expect(await text('config backup nothing*')).toMatch(/No device matches `nothing\*`/);
    expect(await text('config search x --devices zz*')).toMatch(/No device matches `zz\*`/);
    expect(await text(`config search ${'a'.repeat(300)}`)).toMatch(/longer than 256/);
    expect(await text('config history core1 --limit many')).toMatch(/whole number/);
    expect(h.enqueued).toEqual([]);
  });
});
