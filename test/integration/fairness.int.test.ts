import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  createDeviceService,
  createSshCredentials,
  type DeviceServiceImpl,
} from '../../src/devices/index.js';
import { type Fleet, fleetAccess, startFleet } from '../../src/lab/fleet/index.js';
import { type Stack, startStack } from '../helpers/stack.js';

/**
 * One person's 500-device job must not starve everyone else's `show`: Alice backs up the whole
 * simulated fleet (500 devices over real SSH, one child job per device), and while it runs Bob's
 * `show` on one device comes back promptly, long before her backups are through (and is not
 * refused as "queue full" because of them).
 */
const CHANNEL = 'C00NETOPS0';
const DEVICES = 500;
const ALICE = 'U0000ALICE';
const BOB = 'U00000BOB';
const SESSIONS = 4;

let fleet: Fleet;
let svc: DeviceServiceImpl;
let s: Stack | undefined;

beforeAll(async () => {
  fleet = await startFleet({
    devices: Array.from({ length: DEVICES }, (_, i) => ({
      name: `sw${String(i + 1).padStart(3, '0')}`,
      vendor: i % 2 ? 'frr' : 'cisco_iosxe',
      seed: i,
    })),
  });
  const { devices, env } = fleetAccess(fleet);
  // A worker with few SSH sessions (limits.sessions), so her backups queue up for a while.
  svc = createDeviceService({
    credentials: createSshCredentials({ env }),
    tofu: false,
    limits: { global: SESSIONS },
  });
  s = await startStack({
    devices,
    // A queue depth limit far below her 500 children: they must not count against Bob's request.
    extraYaml: { limits: { sessions: SESSIONS, commandsPerMinute: 0, queueDepth: 100 } },
    start: { services: { devices: svc } },
  });
}, 120_000);

afterAll(async () => {
  await Promise.race([s?.stop(), new Promise((r) => setTimeout(r, 30_000))]);
  await svc?.close();
  await fleet?.stop();
}, 60_000);

const backups = async () =>
  Number((await s!.db.pool.query('SELECT count(*)::int AS n FROM config_latest')).rows[0].n);

it("a 500-device backup by one person does not hold up another person's show", async () => {
  const stack = s!;
  await stack.emu.slashCommand({
    command: '/net',
    text: 'config backup all',
    channelId: CHANNEL,
    userId: ALICE,
  });
  // Her fan-out has queued all 500 children, and the devices queue is busy with them.
  await stack.emu.waitFor(
    (c) => c.method === 'chat.update' && /^done: .*queued 500 config backups/.test(String(c.args.text)),
    60_000,
  );
  const queuedBeforeBob = await backups();

  const t0 = Date.now();
  const before = stack.emu.calls.length;
  await stack.emu.slashCommand({
    command: '/net',
    text: 'show sw250 show version',
    channelId: CHANNEL,
    userId: BOB,
  });
  const done = await stack.emu.waitFor(
    (c) =>
      stack.emu.calls.indexOf(c) >= before &&
      c.method === 'chat.update' &&
      /^done: .*show version.*sw250/.test(String(c.args.text)),
    60_000,
  );
  const bobMs = Date.now() - t0;
  const backedUpThen = await backups();
  expect(String(done.args.text)).toMatch(/^done:/);

  // Bob waited for a free device slot, not for Alice's queue: of the backups still to come when he
  // asked, few ran before his answer (queued behind her children, all of them would have).
  const pendingWhenAsked = DEVICES - queuedBeforeBob;
  expect(pendingWhenAsked).toBeGreaterThanOrEqual(200);
  expect(backedUpThen - queuedBeforeBob).toBeLessThan(pendingWhenAsked / 4);
  // Loose on time (a shared, busy machine); the count above is the measure.
  expect(bobMs).toBeLessThan(30_000);

  // And her job is not starved in turn: every device gets its backup.
  const t1 = Date.now();
  await expect.poll(backups, { timeout: 240_000, interval: 1_000 }).toBe(DEVICES);
  console.log(
    JSON.stringify({
      fairness: {
        devices: DEVICES,
        bob_show_ms: bobMs,
        alice_backups_done_when_bob_asked: queuedBeforeBob,
        alice_backups_done_when_bob_answered: backedUpThen,
        alice_rest_ms: Date.now() - t1,
      },
    }),
  );
}, 360_000);
