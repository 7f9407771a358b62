import { type ChildProcess, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import snmp from 'net-snmp';

export interface SnmpdOptions {
  community?: string;
  /** A v3 authPriv user (SHA/AES). */
  v3?: { user: string; authKey: string; privKey: string };
  /** Extra snmpd.conf lines. */
  extra?: string[];
}

export interface RunningSnmpd {
  host: string;
  port: number;
  stop(): Promise<void>;
}

/** A free UDP port on 127.0.0.1 (bound then released; snmpd takes it a moment later). */
export async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/**
 * Spawns Debian's snmpd in the foreground on 127.0.0.1:<spare port> with its own config and
 * persistent dir (so it never touches /var/lib/snmp), and waits until it answers.
 */
export async function startSnmpd(options: SnmpdOptions = {}): Promise<RunningSnmpd> {
  const dir = await mkdtemp(join(tmpdir(), 'netops-snmpd-'));
  const community = options.community ?? 'public';
  const lines = [`rocommunity ${community} 127.0.0.1`, ...(options.extra ?? [])];
  if (options.v3) {
    lines.push(
      `createUser ${options.v3.user} SHA "${options.v3.authKey}" AES "${options.v3.privKey}"`,
      `rouser ${options.v3.user} priv`,
    );
  }
  await writeFile(join(dir, 'snmpd.conf'), `${lines.join('\n')}\n`, { mode: 0o600 });
  let lastErr: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freeUdpPort();
    const child: ChildProcess = spawn(
      'snmpd',
      [
        '-f',
        '-Lo',
        '-C',
        '-c',
        join(dir, 'snmpd.conf'),
        '-p',
        join(dir, 'snmpd.pid'),
        `udp:127.0.0.1:${port}`,
      ],
      { env: { ...process.env, SNMP_PERSISTENT_DIR: dir, MIBS: '' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout?.on('data', (d) => (output += d));
    child.stderr?.on('data', (d) => (output += d));
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    try {
      await waitReady('127.0.0.1', port, community, child);
      return {
        host: '127.0.0.1',
        port,
        async stop() {
          child.kill('SIGTERM');
          await Promise.race([exited, new Promise((r) => setTimeout(r, 2_000))]);
          if (child.exitCode === null) child.kill('SIGKILL');
          await rm(dir, { recursive: true, force: true });
        },
      };
    } catch (err) {
      lastErr = new Error(`snmpd did not start: ${(err as Error).message}\n${output}`);
      child.kill('SIGKILL');
    }
  }
  await rm(dir, { recursive: true, force: true });
  throw lastErr;
}

async function waitReady(host: string, port: number, community: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}`);
    const session = snmp.createSession(host, community, {
      port,
      timeout: 300,
      retries: 0,
      version: snmp.Version2c,
    });
    session.on('error', () => {});
    const ok = await new Promise<boolean>((r) => session.get(['1.3.6.1.2.1.1.3.0'], (err) => r(!err)));
    session.close();
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('no answer within 10 s');
}
