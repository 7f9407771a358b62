import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Device } from '../../src/config.js';
import type { SimVendor as Vendor } from '../../src/lab/vendors.js';
import {
  createSshCredentials,
  createDeviceService,
  type DeviceServiceImpl,
  getVendor,
} from '../../src/devices/index.js';
import type { DeviceServiceOptions } from '../../src/devices/service.js';
import { SshSession, type SshSessionOptions } from '../../src/devices/transport/ssh.js';
import { ErrorCode, type NetopsError } from '../../src/errors.js';
import { type Fleet, startFleet } from '../../src/lab/fleet/index.js';
import { FRR_NAMESPACE, FRR_SSH_USER, startFrr, stopFrr } from '../../scripts/frr-peer.js';
import { isRoot, type SshdPeer, startSshd } from '../../scripts/sshd-peer.js';
import { rejection } from '../helpers/errors.js';

/**
 * Driver conformance: the same spec runs against every vendor's simulator, the linux driver against
 * a real OpenSSH sshd, and the frr driver against real FRR (vtysh as the login shell, daemons in a
 * network namespace).
 */

interface Target {
  label: string;
  vendor: Vendor;
  device: (name?: string) => Device;
  username: string;
  password: string;
  enable?: string;
  /** Last line of a complete running config. */
  configEnd: RegExp;
  /** Line count of the config as the device holds it (simulators only). */
  expectedConfigLines?: () => number;
  badCommand: string;
  /** A command that takes seconds (command-timeout test). */
  slowCommand?: string;
  /** Where the CLI has no slow command: make one hang (a stuck daemon) and return the undo. */
  stall?: () => { command: string; resume: () => void };
  rekey: () => Promise<void>;
  /** Interactive shells open on the server side at most, where the server can tell. */
  serverMaxShells?: () => number;
}

const SLOW_MS = 2_500;
const sims: Target[] = [];
const reals: Target[] = [];
let fleet: Fleet;
let sshd: SshdPeer | undefined;
const root = isRoot();

function service(
  t: Target,
  extra: Partial<DeviceServiceOptions> & { wrongPrimary?: boolean; fallback?: boolean } = {},
): DeviceServiceImpl {
  const env: Record<string, string> = {
    NETOPS_CRED_GOOD_USERNAME: t.username,
    NETOPS_CRED_GOOD_PASSWORD: t.password,
    NETOPS_CRED_BAD_USERNAME: t.username,
    NETOPS_CRED_BAD_PASSWORD: `${t.password}-wrong`,
  };
  if (t.enable) {
    env.NETOPS_CRED_GOOD_ENABLE = t.enable;
    env.NETOPS_CRED_BAD_ENABLE = t.enable;
  }
  return createDeviceService({
    credentials: createSshCredentials({ env }),
    timeouts: { connectMs: 4_000, commandMs: 4_000 },
    ...extra,
  });
}

function deviceWith(t: Target, patch: Partial<Device>): Device {
  return { ...t.device(), ...patch };
}

function leaks(err: NetopsError, secrets: string[]): string[] {
  const text = [
    err.message,
    err.userMessage,
    err.hint ?? '',
    JSON.stringify(err.context),
    String((err.cause as Error | undefined)?.message ?? ''),
  ].join('\n');
  return secrets.filter((s) => text.includes(s));
}

beforeAll(async () => {
  const vendors: Vendor[] = ['cisco_iosxe', 'cisco_nxos', 'arista_eos', 'juniper_junos', 'frr', 'linux'];
  fleet = await startFleet({
    devices: vendors.map((v, i) => ({ name: `sim-${v}`, vendor: v, seed: 100 + i })),
    slowMs: SLOW_MS,
  });
  for (const d of fleet.devices) {
    const vendor = getVendor(d.vendor);
    sims.push({
      label: `${d.vendor} (simulator)`,
      vendor: d.vendor,
      device: (name = d.name) => ({
        name,
        vendor: d.vendor,
        host: d.host,
        port: d.port,
        credential: 'good',
        tags: [],
        legacyAlgorithms: false,
        enabled: true,
      }),
      username: d.credential.username,
      password: d.credential.password,
      ...(d.credential.enable ? { enable: d.credential.enable } : {}),
      configEnd:
        d.vendor === 'juniper_junos'
          ? /^}$/
          : d.vendor === 'cisco_nxos'
            ? /\S/
            : d.vendor === 'linux'
              ? /onlink|src/
              : /^end$/,
      expectedConfigLines: () => (d.vendor === 'linux' ? 0 : d.sim.runningConfig().split('\n').length),
      badCommand: d.vendor === 'linux' ? 'frobnicate --now' : 'show frobnicate',
      slowCommand: d.vendor === 'linux' ? 'sleep 3' : 'show tech-support',
      rekey: () =>
        d.restart({ hostKey: undefined as unknown as string }).then(async () => {
          const { generateHostKey } = await import('../../src/lab/fleet/index.js');
          await d.restart({ hostKey: generateHostKey().privateKey });
        }),
      serverMaxShells: () => d.stats().maxShells,
    });
    void vendor;
  }
  if (!root) {
    console.warn(
      '\n\n*** devices-conformance: NOT ROOT — the real sshd (linux) and real FRR (frr) targets are SKIPPED. Run as root (CI does). ***\n',
    );
    return;
  }
  startFrr();
  sshd = await startSshd([{ name: 'netops-test' }, { name: FRR_SSH_USER }]);
  const peer = sshd;
  const realDevice =
    (vendor: Vendor, fallbackName: string) =>
    (name = fallbackName) => ({
      name,
      vendor,
      host: peer.host,
      port: peer.port,
      credential: 'good',
      tags: [],
      legacyAlgorithms: false,
      enabled: true,
    });
  reals.push({
    label: 'linux (real OpenSSH sshd)',
    vendor: 'linux',
    device: realDevice('linux', 'real-linux'),
    username: 'netops-test',
    password: peer.passwords['netops-test']!,
    configEnd: /\S/,
    badCommand: 'frobnicate --now',
    slowCommand: 'sleep 3',
    rekey: () => peer.rekey(),
  });
  reals.push({
    label: 'frr (real FRRouting vtysh in a netns)',
    vendor: 'frr',
    device: realDevice('frr', 'real-frr'),
    username: FRR_SSH_USER,
    password: peer.passwords[FRR_SSH_USER]!,
    configEnd: /^end$/,
    badCommand: 'show frobnicate',
    // vtysh has no slow command; a stopped bgpd makes `show bgp summary` hang like a wedged daemon.
    stall: () => {
      const pid = Number(readFileSync(`/var/run/frr/${FRR_NAMESPACE}/bgpd.pid`, 'utf8').trim());
      process.kill(pid, 'SIGSTOP');
      return { command: 'show bgp summary', resume: () => process.kill(pid, 'SIGCONT') };
    },
    rekey: () => peer.rekey(),
  });
}, 60_000);

afterAll(async () => {
  await fleet?.stop();
  await sshd?.stop();
  if (root) stopFrr();
});

function conformance(getTarget: () => Target) {
  it('connects, turns paging off and parses show version', async () => {
    const t = getTarget();
    const svc = service(t);
    try {
      const facts = await svc.facts(t.device());
      expect(facts.version).not.toBe('');
      expect(facts.model).not.toBe('');
      expect(facts.hostname).not.toBe('');
      // A second command reuses the session (no second login).
      const [out] = await svc.run(t.device(), [getVendor(t.vendor).commands.interfaces]);
      expect(getVendor(t.vendor).parse.interfaces(out!.output).length).toBeGreaterThan(0);
      expect(svc.stats().idle).toBe(1);
    } finally {
      await svc.close();
    }
  });

  it('reads the complete running config', async () => {
    const t = getTarget();
    const svc = service(t);
    try {
      const cfg = await svc.runningConfig(t.device());
      const lines = cfg.split('\n');
      expect(lines.length).toBeGreaterThan(5);
      expect(lines.filter((l) => l.trim() !== '').pop()).toMatch(t.configEnd);
      expect(cfg).not.toMatch(/--More--|---\(more|\x1b/);
      const expected = t.expectedConfigLines?.();
      if (expected) expect(lines.length).toBe(expected);
    } finally {
      await svc.close();
    }
  });

  it('maps a bad command to DEVICE_COMMAND_FAILED and keeps the session usable', async () => {
    const t = getTarget();
    const svc = service(t);
    try {
      const err = await rejection(svc.run(t.device(), [t.badCommand]));
      expect(err.code).toBe(ErrorCode.DEVICE_COMMAND_FAILED);
      expect(err.context.command).toBe(t.badCommand);
      expect(err.userMessage).toContain(t.device().name);
      const facts = await svc.facts(t.device());
      expect(facts.version).not.toBe('');
    } finally {
      await svc.close();
    }
  });

  it('times out a slow command with DEVICE_TIMEOUT and recovers', async (ctx) => {
    const t = getTarget();
    if (!t.slowCommand && !t.stall) {
      ctx.skip();
      return;
    }
    const svc = service(t);
    try {
      await svc.facts(t.device()); // logged in before anything hangs
      const stalled = t.stall?.();
      const t0 = Date.now();
      const err = await rejection(
        svc.run(t.device(), [stalled?.command ?? t.slowCommand!], { timeoutMs: 600 }),
      ).finally(() => stalled?.resume());
      expect(err.code).toBe(ErrorCode.DEVICE_TIMEOUT);
      expect(Date.now() - t0).toBeLessThan(2_000);
      const facts = await svc.facts(t.device());
      expect(facts.version).not.toBe('');
    } finally {
      await svc.close();
    }
  });

  it('times out a device that accepts TCP but never speaks SSH', async () => {
    const t = getTarget();
    const sockets: import('node:net').Socket[] = [];
    const silent: Server = createServer((s) => sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as { port: number }).port;
    // The service default is long; the per-device override makes this one give up quickly.
    const svc = service(t, { timeoutsFor: (d) => (d.port === port ? { connectMs: 500 } : undefined) });
    try {
      const t0 = Date.now();
      const err = await rejection(svc.run(deviceWith(t, { port }), ['show version']));
      expect(err.code).toBe(ErrorCode.DEVICE_TIMEOUT);
      expect(Date.now() - t0).toBeLessThan(2_000);
    } finally {
      await svc.close();
      for (const s of sockets) s.destroy();
      await new Promise((r) => silent.close(r));
    }
  });

  it('refuses a wrong password with AUTH_DENIED, without leaking it, and the fallback credential gets in', async () => {
    const t = getTarget();
    const svc = service(t);
    try {
      const err = await rejection(svc.run(deviceWith(t, { credential: 'bad' }), ['show version']));
      expect(err.code).toBe(ErrorCode.AUTH_DENIED);
      expect(leaks(err, [t.password, `${t.password}-wrong`])).toEqual([]);
      const [out] = await svc.run(deviceWith(t, { credential: 'bad', fallbackCredential: 'good' }), [
        getVendor(t.vendor).commands.version[0]!,
      ]);
      expect(out!.output.length).toBeGreaterThan(10);
    } finally {
      await svc.close();
    }
  });

  it('refuses a changed host key with HOST_KEY_MISMATCH (pinned and trust-on-first-use)', async () => {
    const t = getTarget();
    const svc = service(t);
    try {
      await svc.facts(t.device()); // learns the key (TOFU)
      await svc.forget(t.device().name);
      await t.rekey();
      const err = await rejection(svc.facts(t.device()));
      expect(err.code).toBe(ErrorCode.HOST_KEY_MISMATCH);
      expect(err.userMessage).toMatch(/host key .* has CHANGED/i);
      // Pinning the new key in the inventory is how an operator accepts it.
      const fresh = service(t);
      let fingerprint = '';
      const probe = service(t, {
        openSession: async (o: SshSessionOptions) => {
          const s = await SshSession.open(o);
          fingerprint = s.hostKeyFingerprint;
          return s;
        },
      });
      await probe.facts(t.device());
      await probe.close();
      const facts = await svc.facts(deviceWith(t, { hostKey: fingerprint }));
      expect(facts.version).not.toBe('');
      const wrongPin = await rejection(
        fresh.facts(deviceWith(t, { hostKey: 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' })),
      );
      expect(wrongPin.code).toBe(ErrorCode.HOST_KEY_MISMATCH);
      await fresh.close();
    } finally {
      await svc.close();
    }
  });

  it('honours the per-device and global concurrency limits', async () => {
    const t = getTarget();
    let inFlight = 0;
    let maxInFlight = 0;
    const perDevice = new Map<string, number>();
    let maxPerDevice = 0;
    const svc = service(t, {
      limits: { global: 2, perDevice: 1 },
      openSession: async (o: SshSessionOptions) => {
        // Logging in happens inside the global slot too: count it as in flight.
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        const s = await SshSession.open(o).finally(() => {
          inFlight--;
        });
        const run = s.run.bind(s);
        s.run = async (cmd, opts) => {
          inFlight++;
          const n = (perDevice.get(o.device) ?? 0) + 1;
          perDevice.set(o.device, n);
          maxInFlight = Math.max(maxInFlight, inFlight);
          maxPerDevice = Math.max(maxPerDevice, n);
          try {
            return await run(cmd, opts);
          } finally {
            inFlight--;
            perDevice.set(o.device, (perDevice.get(o.device) ?? 1) - 1);
          }
        };
        return s;
      },
    });
    try {
      const names = ['a', 'b', 'c'].map((x) => `${t.device().name}-${x}`);
      const cmd = getVendor(t.vendor).commands.version[0]!;
      const results = await Promise.all(
        names.flatMap((n) => [1, 2, 3].map(() => svc.run(t.device(n), [cmd]))),
      );
      expect(results).toHaveLength(9);
      expect(maxPerDevice).toBe(1);
      expect(maxInFlight).toBeLessThanOrEqual(2);
      expect(maxInFlight).toBe(2);
    } finally {
      await svc.close();
    }
  });
}

describe.each(['cisco_iosxe', 'cisco_nxos', 'arista_eos', 'juniper_junos', 'frr', 'linux'] as const)(
  'conformance: %s simulator',
  (vendor) => {
    conformance(() => sims.find((s) => s.vendor === vendor)!);

    it('understands every diagnostic command the vendor table names (an incident thread runs them)', async () => {
      const t = sims.find((s) => s.vendor === vendor)!;
      const v = getVendor(vendor);
      const diagnostics = v.diagnostics ?? { device: [], interface: [] };
      const svc = service(t);
      try {
        const [ifs] = await svc.run(t.device(), [v.commands.interfaces]);
        const name = v.parse.interfaces(ifs!.output)[0]!.name;
        const commands = [
          ...diagnostics.device,
          ...diagnostics.interface.map((c) => c.replaceAll('{interface}', name)),
        ];
        const results = await svc.run(t.device(), commands);
        expect(results.map((r) => r.command)).toEqual(commands);
        for (const r of results)
          expect(r.output, r.command).not.toMatch(/invalid input|unknown command|syntax error/i);
      } finally {
        await svc.close();
      }
    });

    it('limits server-side shells to the per-device limit', async () => {
      const t = sims.find((s) => s.vendor === vendor)!;
      const svc = service(t, { limits: { perDevice: 2 } });
      const before = t.serverMaxShells!();
      try {
        await Promise.all(
          Array.from({ length: 6 }, () => svc.run(t.device(), [getVendor(vendor).commands.version[0]!])),
        );
        expect(t.serverMaxShells!()).toBeLessThanOrEqual(Math.max(before, 2));
      } finally {
        await svc.close();
      }
    });
  },
);

describe.skipIf(!root).each(['linux', 'frr'] as const)('conformance: %s against the real peer', (vendor) => {
  conformance(() => reals.find((r) => r.vendor === vendor)!);

  it('notices a hung peer through keepalives and reconnects once it is back', async () => {
    const t = reals.find((r) => r.vendor === vendor)!;
    let last: SshSession | undefined;
    const svc = service(t, {
      timeouts: { keepaliveMs: 200 },
      openSession: async (o: SshSessionOptions) => {
        last = await SshSession.open(o);
        return last;
      },
    });
    try {
      await svc.facts(t.device());
      const session = last!;
      expect(session.alive).toBe(true);
      const thaw = sshd!.freeze();
      try {
        const t0 = Date.now();
        while (session.alive && Date.now() - t0 < 5_000) await new Promise((r) => setTimeout(r, 50));
        // Without keepalives a silent peer looks alive for as long as TCP does (minutes).
        expect(session.alive).toBe(false);
      } finally {
        thaw();
      }
      const facts = await svc.facts(t.device());
      expect(facts.version).not.toBe('');
    } finally {
      await svc.close();
    }
  });
});
