import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Device } from '../../src/config.js';
import {
  createSshCredentials,
  createDeviceService,
  type DeviceServiceImpl,
  getVendor,
} from '../../src/devices/index.js';
import { SshSession } from '../../src/devices/transport/ssh.js';
import { ErrorCode } from '../../src/errors.js';
import { type Fleet, generateHostKey, startFleet, type SyslogEvent } from '../../src/lab/fleet/index.js';
import { rejection } from '../helpers/errors.js';

/**
 * The simulated fleet as the drivers and lab users meet it, over real SSH: paging, enable, legacy
 * algorithms, key auth, config modes that change the running config (and say so over syslog),
 * Junos commit confirmed/rollback, EOS config sessions with commit timer, IOS-XE configure replace
 * with a revert timer, and session reuse with an idle timeout.
 */
const MINUTE_MS = 400;
let fleet: Fleet;
let svc: DeviceServiceImpl;
const env: Record<string, string> = {};
const syslog: SyslogEvent[] = [];
const clientKey = generateHostKey();
let keyDir: string;

function dev(name: string, patch: Partial<Device> = {}): Device {
  const _d = fleet.get(name);
  return {
    ...fleet.inventory(name).find((x) => x.name === name)!,
    credential: name.replace(/-/g, '_'),
    ...patch,
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  keyDir = mkdtempSync(join(tmpdir(), 'fleet-key-'));
  writeFileSync(join(keyDir, 'id'), clientKey.privateKey, { mode: 0o600 });
  fleet = await startFleet({
    minuteMs: MINUTE_MS,
    onSyslog: (ev) => syslog.push(ev),
    devices: [
      {
        name: 'ios1',
        vendor: 'cisco_iosxe',
        seed: 11,
        users: [{ username: 'keyuser', publicKey: clientKey.publicKey }],
      },
      { name: 'eos1', vendor: 'arista_eos', seed: 12 },
      { name: 'junos1', vendor: 'juniper_junos', seed: 13 },
      { name: 'old1', vendor: 'cisco_iosxe', seed: 14, legacyOnly: true },
    ],
  });
  for (const d of fleet.devices) {
    const p = `NETOPS_CRED_${d.name.toUpperCase()}_`;
    env[`${p}USERNAME`] = d.credential.username;
    env[`${p}PASSWORD`] = d.credential.password;
    if (d.credential.enable) env[`${p}ENABLE`] = d.credential.enable;
  }
  env.NETOPS_CRED_KEYED_USERNAME = 'keyuser';
  env.NETOPS_CRED_KEYED_KEY_FILE = join(keyDir, 'id');
  env.NETOPS_CRED_KEYED_ENABLE = fleet.get('ios1').credential.enable!;
  env.NETOPS_CRED_BADENABLE_USERNAME = fleet.get('ios1').credential.username;
  env.NETOPS_CRED_BADENABLE_PASSWORD = fleet.get('ios1').credential.password;
  env.NETOPS_CRED_BADENABLE_ENABLE = 'wrong-enable';
  svc = createDeviceService({
    credentials: createSshCredentials({ env }),
    timeouts: { connectMs: 4_000, commandMs: 4_000 },
  });
}, 60_000);

afterAll(async () => {
  await svc?.close();
  await fleet?.stop();
});

describe('simulated fleet over SSH', () => {
  it('pages with --More-- until paging is off, and the transport answers the pager', async () => {
    for (const name of ['ios1', 'junos1']) {
      const d = fleet.get(name);
      const v = getVendor(d.vendor);
      let pagers = 0;
      const session = await SshSession.open({
        device: name,
        host: d.host,
        port: d.port,
        credentials: [
          {
            name: 'x',
            username: d.credential.username,
            password: d.credential.password,
            ...(d.credential.enable ? { enable: d.credential.enable } : {}),
          },
        ],
        profile: { ...v, pagingOff: [] },
        onRaw: (c) => {
          if (/--More--|---\(more\)---/.test(c)) pagers++;
        },
      });
      const out = await session.run(v.commands.runningConfig);
      await session.close();
      expect(pagers).toBeGreaterThan(3);
      expect(out.split('\n').length).toBe(d.sim.runningConfig().split('\n').length);
      expect(out).not.toMatch(/--More--|---\(more|\x08/);
    }
  });

  it('enters enable mode with the enable secret and refuses a wrong one', async () => {
    const [out] = await svc.run(dev('ios1'), ['show running-config | include ^hostname']);
    expect(out!.output).toBe('hostname ios1');
    const err = await rejection(svc.run(dev('ios1', { credential: 'badenable' }), ['show version']));
    expect(err.code).toBe(ErrorCode.AUTH_DENIED);
    expect(err.userMessage).toMatch(/enable/);
    expect(JSON.stringify([err.message, err.userMessage, err.hint, err.context])).not.toContain(
      'wrong-enable',
    );
  });

  it('regression: a wrong enable secret told the user to check the username/password', async () => {
    const err = await rejection(svc.run(dev('ios1', { credential: 'badenable' }), ['show version']));
    expect(err.code).toBe(ErrorCode.AUTH_DENIED);
    expect(err.userMessage).toMatch(/accepted the login but refused the enable \(privileged mode\) secret/);
    expect(err.hint).toMatch(/enable secret.*NETOPS_CRED_BADENABLE_ENABLE/);
    expect(err.hint).not.toMatch(/username/);
  });

  it('logs in with a key', async () => {
    const facts = await svc.facts(dev('ios1', { credential: 'keyed' }));
    expect(facts.hostname).toBe('ios1');
  });

  it('speaks to an old device only with the legacy-algorithms profile', async () => {
    const err = await rejection(svc.facts(dev('old1')));
    expect(err.code).toBe(ErrorCode.DEVICE_PROTOCOL);
    expect(err.hint).toMatch(/legacyAlgorithms/);
    const facts = await svc.facts(dev('old1', { legacyAlgorithms: true }));
    expect(facts.serial).toMatch(/^FCW/);
  });

  it('config mode really changes the running config and announces it over syslog', async () => {
    const before = syslog.length;
    await svc.run(dev('ios1'), [
      'configure terminal',
      'interface GigabitEthernet1/0/3',
      'description changed-by-test',
      'shutdown',
      'end',
    ]);
    const cfg = await svc.runningConfig(dev('ios1'));
    expect(cfg).toMatch(
      /interface GigabitEthernet1\/0\/3\n description changed-by-test\n(?: .*\n)* shutdown/,
    );
    expect(cfg).toMatch(/^! Last configuration change at .* by netops$/m);
    const [brief] = await svc.run(dev('ios1'), ['show ip interface brief | include 1/0/3 ']);
    expect(brief!.output).toMatch(/administratively down/);
    const ev = syslog.slice(before).find((e) => e.device === 'ios1');
    expect(ev?.line).toMatch(
      /^<189>\d+: \*\w{3} +\d+ \d\d:\d\d:\d\d\.\d{3}: %SYS-5-CONFIG_I: Configured from console by netops on vty0/,
    );
    // Bad config input is refused with the vendor's text.
    const bad = await rejection(svc.run(dev('ios1'), ['configure terminal', 'frobnicate everything']));
    expect(bad.code).toBe(ErrorCode.DEVICE_COMMAND_FAILED);
    await svc.forget('ios1');
  });

  it('a programmatic change shows up in the next backup, with a syslog line', async () => {
    const seen: SyslogEvent[] = [];
    const off = fleet.get('eos1').onSyslog((e) => seen.push(e));
    fleet
      .get('eos1')
      .configure(['ntp server 10.9.9.9', 'interface Ethernet5', 'description lab-change'], 'jdoe');
    off();
    const cfg = await svc.runningConfig(dev('eos1'));
    expect(cfg).toContain('ntp server 10.9.9.9');
    expect(cfg).toMatch(/interface Ethernet5\n {3}description lab-change/);
    expect(seen[0]?.line).toContain('Configured from console by jdoe');
  });

  it('Junos: candidate, show | compare, commit confirmed rolls back unless confirmed, rollback N', async () => {
    const d = dev('junos1');
    const out = await svc.run(d, ['configure', 'set system host-name junos1-new', 'show | compare']);
    expect(out[2]!.output).toMatch(/\[edit system\]\n- {2}host-name junos1;\n\+ {2}host-name junos1-new;/);
    const committed = await svc.run(d, ['commit confirmed 1']);
    expect(committed[0]!.output).toMatch(
      /commit confirmed will be automatically rolled back in 1 minutes unless confirmed\ncommit complete/,
    );
    expect(fleet.get('junos1').sim.hostname).toBe('junos1-new');
    await svc.run(d, ['exit']);
    await svc.forget('junos1');
    await sleep(MINUTE_MS + 300);
    expect(fleet.get('junos1').sim.hostname).toBe('junos1');
    // Confirmed this time: stays.
    await svc.run(d, ['configure', 'set system host-name junos1-b', 'commit confirmed 1', 'commit', 'exit']);
    await sleep(MINUTE_MS + 300);
    expect(fleet.get('junos1').sim.hostname).toBe('junos1-b');
    await svc.forget('junos1');
    const back = await svc.run(d, ['configure', 'rollback 1', 'show | compare', 'commit', 'exit']);
    expect(back[1]!.output).toBe('load complete');
    expect(back[2]!.output).toContain('+  host-name junos1;');
    expect(fleet.get('junos1').sim.hostname).toBe('junos1');
    await svc.forget('junos1');
  });

  it('EOS: configure session with commit timer reverts unless the session is committed again', async () => {
    const d = dev('eos1');
    const out = await svc.run(d, [
      'configure session s1',
      'snmp-server location timer-test',
      'show session-config diffs',
      'commit timer 00:01:00',
    ]);
    expect(out[2]!.output).toContain('+snmp-server location timer-test');
    expect(fleet.get('eos1').runningConfig()).toContain('snmp-server location timer-test');
    await sleep(MINUTE_MS + 300);
    expect(fleet.get('eos1').runningConfig()).not.toContain('snmp-server location timer-test');
    await svc.run(d, [
      'configure session s2',
      'snmp-server location kept',
      'commit timer 00:01:00',
      'configure session s2 commit',
    ]);
    await sleep(MINUTE_MS + 300);
    expect(fleet.get('eos1').runningConfig()).toContain('snmp-server location kept');
    await svc.forget('eos1');
  });

  it('IOS-XE: archive, configure replace with a revert timer, configure confirm', async () => {
    const d = dev('ios1');
    await svc.run(d, ['copy running-config flash:golden.cfg']);
    await svc.run(d, ['configure terminal', 'logging buffered 128000 debugging', 'end']);
    expect(fleet.get('ios1').runningConfig()).toContain('logging buffered 128000 debugging');
    const [replace] = await svc.run(d, ['configure replace flash:golden.cfg force time 1']);
    expect(replace!.output).toMatch(/Rollback Done[\s\S]*Rollback timer started/);
    expect(fleet.get('ios1').runningConfig()).not.toContain('logging buffered 128000');
    await sleep(MINUTE_MS + 300);
    // Not confirmed: the pre-replace config is back.
    expect(fleet.get('ios1').runningConfig()).toContain('logging buffered 128000 debugging');
    await svc.forget('ios1');
    await svc.run(d, [
      'configure terminal revert timer 1',
      'logging buffered 4096 warnings',
      'end',
      'configure confirm',
    ]);
    await sleep(MINUTE_MS + 300);
    expect(fleet.get('ios1').runningConfig()).toContain('logging buffered 4096 warnings');
    const [archive] = await svc.run(d, ['archive config', 'show archive']);
    expect(archive!.output).toBe('');
    await svc.forget('ios1');
  });

  it('reuses sessions, closes them when idle, and reconnects when the device dropped one', async () => {
    const quick = createDeviceService({
      credentials: createSshCredentials({ env }),
      timeouts: { idleMs: 300 },
    });
    try {
      const d = fleet.get('eos1');
      const loginsBefore = d.stats().logins;
      await quick.run(dev('eos1'), ['show clock']);
      await quick.run(dev('eos1'), ['show clock']);
      expect(d.stats().logins - loginsBefore).toBe(1);
      expect(quick.stats().idle).toBe(1);
      await sleep(600);
      expect(quick.stats().idle).toBe(0);
      await until(() => d.stats().shells === 0);
      await quick.run(dev('eos1'), ['show clock']);
      d.dropConnections();
      await sleep(100);
      const [out] = await quick.run(dev('eos1'), ['show hostname']);
      expect(out!.output).toContain('Hostname: eos1');
    } finally {
      await quick.close();
    }
  });
});

async function until(fn: () => boolean, ms = 5_000): Promise<void> {
  const t0 = Date.now();
  while (!fn()) {
    if (Date.now() - t0 > ms) throw new Error('timed out');
    await sleep(25);
  }
}
