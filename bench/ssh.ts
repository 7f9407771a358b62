/**
 * bench/ssh: the SSH device layer against the simulated fleet (real ssh2 servers on loopback).
 *   npx tsx bench/ssh.ts
 * Prints one JSON object as the last line:
 *   per_command_ratio_vs_raw_ssh2  driver on an open session ÷ raw ssh2 shell on the same server (target ≤ 1.2)
 *   read_20k_line_config_s         `show running-config` of a 20,000-line config on an open session (target < 0.5)
 *   show_version_500_devices_s     connect + login + paging off + `show version` on 500 devices (target < 30 on 2 cores)
 */
import ssh2 from 'ssh2';
import type { Device } from '../src/config.js';
import type { SimVendor as Vendor } from '../src/lab/vendors.js';
import { createSshCredentials, createDeviceService, getVendor } from '../src/devices/index.js';
import { SshSession } from '../src/devices/transport/ssh.js';
import { startFleet } from '../src/lab/fleet/index.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 1000);
const DEVICES = Number(process.env.BENCH_DEVICES ?? 500);

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

/** Raw ssh2: a shell, `terminal length 0`, then write a line and wait for the prompt string. */
async function rawShell(host: string, port: number, username: string, password: string, prompt: string) {
  const client = new ssh2.Client();
  await new Promise<void>((resolve, reject) => {
    client.on('ready', () => resolve()).on('error', reject);
    client.connect({ host, port, username, password, hostVerifier: () => true });
  });
  client.setNoDelay(true); // as the driver does
  const ch = await new Promise<ssh2.ClientChannel>((resolve, reject) =>
    client.shell({ term: 'vt100', cols: 511, rows: 24 }, (e, c) => (e ? reject(e) : resolve(c))),
  );
  ch.setEncoding('utf8');
  let buf = '';
  let waiter: (() => void) | null = null;
  ch.on('data', (d: string) => {
    buf += d;
    if (waiter && buf.endsWith(prompt)) {
      const w = waiter;
      waiter = null;
      w();
    }
  });
  const send = (line: string | null) =>
    new Promise<string>((resolve) => {
      buf = '';
      waiter = () => resolve(buf);
      if (line !== null) ch.write(`${line}\n`);
      else if (buf.endsWith(prompt)) resolve(buf);
    });
  await new Promise((r) => setTimeout(r, 100)); // banner + first prompt
  await send('terminal length 0');
  return { send, close: () => client.end() };
}

async function perCommandRatio(): Promise<{ ratio: number; driverMs: number; rawMs: number }> {
  const fleet = await startFleet({
    devices: [
      {
        name: 'bench1',
        vendor: 'cisco_iosxe',
        seed: 1,
        users: [{ username: 'admin', password: 'bench-pw' }],
        enableSecret: null,
      },
    ],
  });
  const d = fleet.get('bench1');
  try {
    const command = 'show version';
    const session = await SshSession.open({
      device: d.name,
      host: d.host,
      port: d.port,
      credentials: [{ name: 'bench', username: 'admin', password: 'bench-pw' }],
      profile: getVendor('cisco_iosxe'),
    });
    const raw = await rawShell(d.host, d.port, 'admin', 'bench-pw', 'bench1#');
    const driverTimes: number[] = [];
    const rawTimes: number[] = [];
    for (let i = 0; i < 20; i++) {
      await session.run(command);
      await raw.send(command);
    }
    // Interleaved A-B-B-A so machine noise and warm caches hit both alike.
    const timeRaw = async () => {
      const t0 = performance.now();
      await raw.send(command);
      rawTimes.push(performance.now() - t0);
    };
    const timeDriver = async () => {
      const t0 = performance.now();
      await session.run(command);
      driverTimes.push(performance.now() - t0);
    };
    for (let i = 0; i < ROUNDS; i++) {
      if (i % 2 === 0) {
        await timeRaw();
        await timeDriver();
      } else {
        await timeDriver();
        await timeRaw();
      }
    }
    raw.close();
    await session.close();
    const driverMs = median(driverTimes);
    const rawMs = median(rawTimes);
    return { ratio: driverMs / rawMs, driverMs, rawMs };
  } finally {
    await fleet.stop();
  }
}

async function read20k(): Promise<{ seconds: number; lines: number; bytes: number }> {
  const fleet = await startFleet({
    devices: [
      {
        name: 'big1',
        vendor: 'cisco_iosxe',
        seed: 2,
        configLines: 20_000,
        users: [{ username: 'admin', password: 'bench-pw' }],
        enableSecret: null,
      },
    ],
  });
  const d = fleet.get('big1');
  try {
    const session = await SshSession.open({
      device: d.name,
      host: d.host,
      port: d.port,
      credentials: [{ name: 'bench', username: 'admin', password: 'bench-pw' }],
      profile: getVendor('cisco_iosxe'),
    });
    const times: number[] = [];
    let out = '';
    for (let i = 0; i < 7; i++) {
      const t0 = performance.now();
      out = await session.run('show running-config');
      times.push(performance.now() - t0);
    }
    await session.close();
    const lines = out.split('\n').length;
    if (lines < 20_000 || !out.trimEnd().endsWith('end'))
      throw new Error(`incomplete config: ${lines} lines`);
    return { seconds: median(times.slice(2)) / 1000, lines, bytes: out.length };
  } finally {
    await fleet.stop();
  }
}

async function showVersionFleet(): Promise<{ seconds: number; ok: number; startS: number }> {
  const vendors: Vendor[] = ['cisco_iosxe', 'cisco_nxos', 'arista_eos', 'juniper_junos', 'frr', 'linux'];
  const t0 = performance.now();
  const fleet = await startFleet({
    devices: Array.from({ length: DEVICES }, (_, i) => ({
      name: `d${i}`,
      vendor: vendors[i % vendors.length]!,
      seed: i,
    })),
  });
  const startS = (performance.now() - t0) / 1000;
  const env: Record<string, string> = {};
  const devices: Device[] = fleet.devices.map((d, i) => {
    env[`NETOPS_CRED_C${i}_USERNAME`] = d.credential.username;
    env[`NETOPS_CRED_C${i}_PASSWORD`] = d.credential.password;
    if (d.credential.enable) env[`NETOPS_CRED_C${i}_ENABLE`] = d.credential.enable;
    return { ...fleet.inventory(`c${i}`)[i]!, credential: `c${i}` };
  });
  const svc = createDeviceService({
    credentials: createSshCredentials({ env }),
    limits: { global: 64 },
    timeouts: { connectMs: 30_000, commandMs: 30_000 },
  });
  try {
    const t1 = performance.now();
    const results = await Promise.allSettled(
      devices.map((d) => svc.run(d, [getVendor(d.vendor).commands.version[0]!])),
    );
    const seconds = (performance.now() - t1) / 1000;
    const ok = results.filter((r) => r.status === 'fulfilled').length;
    const failed = results.find((r) => r.status === 'rejected') as PromiseRejectedResult | undefined;
    if (failed) console.error('first failure:', (failed.reason as Error).message);
    return { seconds, ok, startS };
  } finally {
    await svc.close();
    await fleet.stop();
  }
}

const ratio = await perCommandRatio();
console.error(`per command: driver ${ratio.driverMs.toFixed(3)} ms, raw ssh2 ${ratio.rawMs.toFixed(3)} ms`);
const big = await read20k();
console.error(`20k config: ${big.lines} lines, ${big.bytes} bytes in ${big.seconds.toFixed(3)} s`);
const many = await showVersionFleet();
console.error(
  `${DEVICES} devices: ${many.ok} ok in ${many.seconds.toFixed(2)} s (fleet start ${many.startS.toFixed(2)} s)`,
);
console.log(
  JSON.stringify({
    per_command_ratio_vs_raw_ssh2: Number(ratio.ratio.toFixed(3)),
    per_command_driver_ms: Number(ratio.driverMs.toFixed(3)),
    per_command_raw_ssh2_ms: Number(ratio.rawMs.toFixed(3)),
    read_20k_line_config_s: Number(big.seconds.toFixed(3)),
    show_version_500_devices_s: Number(many.seconds.toFixed(2)),
    show_version_devices_ok: many.ok,
    devices: DEVICES,
  }),
);
