import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parse } from 'yaml';
import { sampleDevices, type Stack, startStack } from '../helpers/stack.js';

const CHANNEL = 'C00NETOPS0';
let dir: string;
let s: Stack;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'netops-discover-'));
  s = await startStack({
    devices: sampleDevices(2),
    file: join(dir, 'netops.yaml'),
    extraYaml: {
      discovery: { allowedSubnets: ['10.99.0.0/24'] },
      // the emulator's default user clicks; adding to the inventory needs a grant
      policy: { grants: [{ role: 'operator', users: ['U0000ALICE'] }] },
    },
    start: { loops: true },
  });
}, 60_000);
afterAll(async () => {
  await s?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const click = (device: Record<string, unknown>) =>
  s.emu.interaction({
    type: 'block_actions',
    channel: { id: CHANNEL },
    container: { type: 'message', channel_id: CHANNEL, message_ts: '1700000000.000100' },
    message: { ts: '1700000000.000100', text: 'proposals' },
    actions: [{ type: 'button', action_id: 'discover.add', block_id: 'b1', value: JSON.stringify(device) }],
  });

it('the Add button writes the device into netops.yaml, and the reconciler starts polling it', async () => {
  const res = await click({
    name: 'leaf9',
    vendor: 'arista_eos',
    host: '10.99.0.9',
    credential: 'default',
    snmp: { credential: 'discovery' },
  });
  expect(res.status).toBe(200);
  await s.emu.waitFor(
    (c) => c.method === 'chat.postMessage' && /<@U0000ALICE> added `leaf9`/.test(JSON.stringify(c.args)),
    15_000,
  );
  const file = parse(readFileSync(join(dir, 'netops.yaml'), 'utf8')) as { devices: { name: string }[] };
  expect(file.devices.map((d) => d.name)).toContain('leaf9');
  await s.emu.waitFor(
    (c) => c.method === 'chat.postMessage' && /monitoring updated: .*\+leaf9/.test(String(c.args.text)),
    15_000,
  );
  expect(s.worker!.inventory.get('leaf9')?.host).toBe('10.99.0.9');
});

it('a forged Add outside the allowed subnets is refused privately and changes nothing', async () => {
  const before = readFileSync(join(dir, 'netops.yaml'), 'utf8');
  await click({ name: 'evil', vendor: 'linux', host: '203.0.113.5', credential: 'default' });
  await s.emu.waitFor(
    (c) => c.method === 'chat.postEphemeral' && /outside the subnets/.test(String(c.args.text)),
    10_000,
  );
  expect(readFileSync(join(dir, 'netops.yaml'), 'utf8')).toBe(before);
});
