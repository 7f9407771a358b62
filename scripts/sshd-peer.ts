import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A real OpenSSH sshd for tests: own config, own host key, bound to 127.0.0.1 on a spare port,
 * never the system sshd. Accounts must exist (scripts/setup-sshd.sh, scripts/setup-frr.sh); this
 * sets a fresh random password for each and installs a generated client key.
 */

export interface SshdUser {
  name: string;
  /** Set with chpasswd; a random one is made when absent. */
  password?: string;
}

export interface SshdPeer {
  host: string;
  port: number;
  passwords: Record<string, string>;
  /** Client private key (OpenSSH format) accepted for every user. */
  clientKeyPath: string;
  clientKey: Buffer;
  /** `SHA256:…` of the host key. */
  hostKeyFingerprint: string;
  /** base64 public key blob (an inventory pin). */
  hostKeyBlob: string;
  /** Replaces the host key and restarts sshd on the same port. */
  rekey(): Promise<void>;
  /** Freezes sshd and every session process under it (SIGSTOP): a peer that hangs. Returns the thaw. */
  freeze(): () => void;
  stop(): Promise<void>;
}

/** The process and all its descendants, from /proc. */
function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const ppid = Number(readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]?.split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // gone
    }
  }
  const out: number[] = [];
  const walk = (pid: number) => {
    out.push(pid);
    for (const c of children.get(pid) ?? []) walk(c);
  };
  walk(root);
  return out;
}

const SECRETS_DIR = '/var/lib/netops-test';

/**
 * One random password per test account per machine, kept root-only. Test processes that run at the
 * same time (two engineers, or CI beside a developer) then agree instead of resetting each other's.
 */
export function machinePassword(user: string): string {
  const file = join(SECRETS_DIR, `${user}.password`);
  mkdirSync(SECRETS_DIR, { recursive: true, mode: 0o700 });
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    try {
      writeFileSync(file, `t-${randomBytes(12).toString('base64url')}`, { mode: 0o600, flag: 'wx' });
    } catch (err) {
      // Another process won the race: use its password.
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    return readFileSync(file, 'utf8').trim();
  }
}

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

export async function sparePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((r) => {
      const c = createConnection({ host: '127.0.0.1', port }, () => {
        c.end();
        r(true);
      });
      c.on('error', () => r(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`sshd did not listen on 127.0.0.1:${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function hostKeyInfo(pubPath: string): { blob: string; fingerprint: string } {
  const blob = readFileSync(pubPath, 'utf8').trim().split(/\s+/)[1]!;
  const fp = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', pubPath], { encoding: 'utf8' }).split(
    /\s+/,
  )[1]!;
  return { blob, fingerprint: fp };
}

export async function startSshd(users: SshdUser[]): Promise<SshdPeer> {
  const dir = mkdtempSync(join(tmpdir(), 'netops-sshd-'));
  const keyDir = join(dir, 'authorized');
  mkdirSync(keyDir);
  // sshd reads authorized keys as the target user: the directories must be traversable.
  chmodSync(dir, 0o755);
  chmodSync(keyDir, 0o755);
  const hostKey = join(dir, 'host_ed25519');
  const clientKeyPath = join(dir, 'client_ed25519');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', hostKey]);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'netops-test', '-f', clientKeyPath]);
  const clientPub = readFileSync(`${clientKeyPath}.pub`, 'utf8');
  const passwords: Record<string, string> = {};
  for (const u of users) {
    const pw = u.password ?? machinePassword(u.name);
    passwords[u.name] = pw;
    execFileSync('chpasswd', { input: `${u.name}:${pw}\n` });
    writeFileSync(join(keyDir, u.name), clientPub, { mode: 0o644 });
  }
  const port = await sparePort();
  const config = join(dir, 'sshd_config');
  writeFileSync(
    config,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKey}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      'UsePAM no',
      'PasswordAuthentication yes',
      'KbdInteractiveAuthentication no',
      'PubkeyAuthentication yes',
      `AuthorizedKeysFile ${keyDir}/%u`,
      'StrictModes no',
      'PermitRootLogin no',
      `AllowUsers ${users.map((u) => u.name).join(' ')}`,
      'MaxStartups 200:30:400',
      'MaxSessions 50',
      'MaxAuthTries 10',
      'LoginGraceTime 20',
      'PrintMotd no',
      'LogLevel ERROR',
      '',
    ].join('\n'),
  );
  let child: ChildProcess | undefined;
  const launch = async () => {
    child = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (d) => {
      stderr += String(d);
    });
    try {
      await waitForPort(port);
    } catch (err) {
      child.kill('SIGKILL');
      throw new Error(`${(err as Error).message}: ${stderr.trim()}`);
    }
  };
  const halt = async () => {
    const c = child;
    if (!c || c.exitCode !== null) return;
    await new Promise<void>((r) => {
      c.once('exit', () => r());
      c.kill('SIGTERM');
      setTimeout(() => c.kill('SIGKILL'), 2000).unref();
    });
  };
  await launch();
  let info = hostKeyInfo(`${hostKey}.pub`);
  const peer: SshdPeer = {
    host: '127.0.0.1',
    port,
    passwords,
    clientKeyPath,
    clientKey: readFileSync(clientKeyPath),
    get hostKeyFingerprint() {
      return info.fingerprint;
    },
    get hostKeyBlob() {
      return info.blob;
    },
    async rekey() {
      await halt();
      rmSync(hostKey);
      rmSync(`${hostKey}.pub`);
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', hostKey]);
      info = hostKeyInfo(`${hostKey}.pub`);
      await launch();
    },
    freeze() {
      const pids = child?.pid ? processTree(child.pid) : [];
      for (const p of pids) process.kill(p, 'SIGSTOP');
      return () => {
        for (const p of pids) {
          try {
            process.kill(p, 'SIGCONT');
          } catch {
            // exited meanwhile
          }
        }
      };
    },
    async stop() {
      await halt();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return peer;
}
