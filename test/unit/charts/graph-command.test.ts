import { describe, expect, it } from 'vitest';
import graph, { parseRange, parseTarget } from '../../../commands/graph.js';
import type { Config, Device } from '../../../src/config.js';
import { createInventory } from '../../../src/inventory/index.js';
import { createRegistry, dispatch } from '../../../src/registry/index.js';
import type { CommandDefinition } from '../../../src/registry/index.js';
import { testDevice } from '../../helpers/devices.js';

const dev = (name: string): Device => testDevice(name);

const registry = createRegistry([graph as CommandDefinition]);
const inventory = createInventory([dev('core1'), dev('core2'), dev('edge1'), dev('edge2')]);

async function run(text: string) {
  const enqueued: Array<{ name: string; data: Record<string, unknown> }> = [];
  const replies: string[] = [];
  await dispatch(registry, text, {
    user: { id: 'U1' },
    where: { channel: 'C1' },
    enqueue: async (name, data) => {
      enqueued.push({ name, data: data as Record<string, unknown> });
      return { jobId: 'j1' };
    },
    reply: async (m) => {
      replies.push(m.text);
    },
    config: {} as Config,
    inventory,
    invokedAs: '/net',
  });
  return { enqueued, replies };
}

async function userError(text: string): Promise<string> {
  try {
    await run(text);
  } catch (e) {
    return (e as { toUserText(): string }).toUserText();
  }
  return 'no error';
}

describe('/net graph', () => {
  it('enqueues one graph job with the interface, range and metric', async () => {
    const { enqueued } = await run('graph core1 Ethernet1/1 7d --metric errors');
    expect(enqueued).toEqual([
      {
        name: 'graph',
        data: {
          devices: ['core1'],
          iface: 'Ethernet1/1',
          rangeMs: 7 * 86_400_000,
          metric: 'errors',
          compare: [],
        },
      },
    ]);
  });

  it('defaults to 24h of utilisation and takes the range in any position', async () => {
    expect((await run('graph core1 Ethernet1/1')).enqueued[0]!.data).toMatchObject({
      rangeMs: 86_400_000,
      metric: 'util',
    });
    expect((await run('graph core1 1h Ethernet1/1')).enqueued[0]!.data).toMatchObject({
      rangeMs: 3_600_000,
      iface: 'Ethernet1/1',
    });
  });

  it('without an interface asks for the top-N of the matching devices', async () => {
    const { enqueued } = await run('graph "edge*" 30d');
    expect(enqueued[0]!.data).toMatchObject({
      devices: ['edge1', 'edge2'],
      rangeMs: 30 * 86_400_000,
      scope: 'edge*',
    });
    expect(enqueued[0]!.data.iface).toBeUndefined();
  });

  it('parses --compare pairs, including interface names with a colon', async () => {
    const { enqueued } = await run('graph core1 Ethernet1/1 --compare core2:Ethernet1/1,edge1:ge-0/0/0:1');
    expect(enqueued[0]!.data.compare).toEqual([
      { device: 'core2', iface: 'Ethernet1/1' },
      { device: 'edge1', iface: 'ge-0/0/0:1' },
    ]);
    expect(parseTarget('a:b:c')).toEqual({ device: 'a', iface: 'b:c' });
  });

  it('refuses what it cannot chart, with a sentence and a hint', async () => {
    expect(await userError('graph cor1 Ethernet1/1')).toMatch(
      /no device called `cor1`.*Did you mean `core1`/,
    );
    expect(await userError('graph core1 Ethernet1/1 2y')).toMatch(/one interface or glob/);
    expect(await userError('graph core1 Et1 Et2')).toMatch(/one interface or glob/);
    expect(await userError('graph core1 Ethernet1/1 2m')).toMatch(/too short.*at least `5m`/);
    expect(await userError('graph core1 Ethernet1/1 400d')).toMatch(/longer than the year/);
    expect(await userError('graph core1 Ethernet1/1 --metric cpu')).toMatch(/util, errors, discards/);
    expect(await userError('graph "core*" Ethernet1/1')).toMatch(/matches 2 devices/);
    expect(await userError('graph core1 --compare core2:Et1')).toMatch(/needs an interface/);
    expect(await userError('graph core1 Et1 --compare core9:Et1')).toMatch(/no device called `core9`/);
    expect(await userError('graph core1 Et1 --compare core2')).toMatch(/not a `device:interface` pair/);
    expect(await userError('graph core1 Et1 --tz Mars/Base')).toMatch(/not a timezone/);
    expect(await userError('graph')).toMatch(/name a device/);
  });

  it('parseRange accepts m/h/d/w within limits', () => {
    expect(parseRange('90m')).toBe(90 * 60_000);
    expect(parseRange('2w')).toBe(14 * 86_400_000);
    expect(() => parseRange('1y')).toThrow(/not a time range/);
  });
});

describe('regression: the graph usage did not say --compare needs an interface', () => {
  it('the usage puts --compare with the interface, and the error names one', async () => {
    expect(graph.usage).toMatch(/\[interface\|glob \[--compare <device:if>\]\]/);
    const text = await userError('graph core1 --compare core2:Ethernet1');
    expect(text).toMatch(/`--compare` needs an interface to compare with: name one after the device/);
    expect(text).toMatch(/graph core1-ams Gi1\/0\/1 --compare/);
  });
});
