import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Starts/stops FRR (zebra + bgpd) in its network namespace through scripts/setup-frr.sh.
 * Several test processes may share the machine (two engineers running the suite at once), so the
 * daemons are reference-counted by pid: started by the first user, stopped by the last.
 */

const script = join(dirname(fileURLToPath(import.meta.url)), 'setup-frr.sh');
export const FRR_NAMESPACE = 'netops-frr';
export const FRR_SSH_USER = 'netops-frr';
const USERS_DIR = '/run/netops-frr-users';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function daemonsRunning(ns: string): boolean {
  return ['zebra', 'bgpd'].every((d) => {
    const f = `/var/run/frr/${ns}/${d}.pid`;
    return existsSync(f) && alive(Number(readFileSync(f, 'utf8').trim()));
  });
}

function liveUsers(): number[] {
  if (!existsSync(USERS_DIR)) return [];
  return readdirSync(USERS_DIR)
    .map(Number)
    .filter((pid) => {
      if (alive(pid)) return true;
      rmSync(join(USERS_DIR, String(pid)), { force: true });
      return false;
    });
}

/**
 * Test sshd processes (scripts/sshd-peer.ts) of OTHER processes that let the FRR user in: someone
 * may be talking to FRR through them even without having registered here.
 */
function foreignFrrSshds(): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // sshd rewrites its title ("sshd: /usr/sbin/sshd -D -e -f <cfg> [listener] …"): match the text.
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (!/\bsshd\b/.test(cmdline)) continue;
      const cfg = /-f (\S*netops-sshd-\S+)/.exec(cmdline)?.[1];
      if (!cfg) continue;
      const ppid = Number(readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]?.split(' ')[1]);
      if (ppid === process.pid) continue;
      if (new RegExp(`^AllowUsers .*\\b${FRR_SSH_USER}\\b`, 'm').test(readFileSync(cfg, 'utf8')))
        out.push(Number(entry));
    } catch {
      // the process went away while we looked
    }
  }
  return out;
}

/** Starts FRR unless it already runs (another suite's instance is reused, never restarted under it). */
export function startFrr(ns = FRR_NAMESPACE): void {
  mkdirSync(USERS_DIR, { recursive: true });
  writeFileSync(join(USERS_DIR, String(process.pid)), ns);
  if (daemonsRunning(ns)) return;
  execFileSync('bash', [script, 'start', ns], { stdio: 'pipe' });
}

/** Stops FRR when no other registered process, nor another suite's FRR-facing sshd, is still around. */
export function stopFrr(ns = FRR_NAMESPACE): void {
  rmSync(join(USERS_DIR, String(process.pid)), { force: true });
  if (liveUsers().length > 0 || foreignFrrSshds().length > 0) return;
  execFileSync('bash', [script, 'stop', ns], { stdio: 'pipe' });
}

/**
 * Suites that change FRR's configuration (config tracking, changes) take this lock for their whole
 * run: each compares the running config with what it saw a moment ago, so another suite's edit in
 * between would fail it. A Postgres advisory lock, because suites run in separate processes.
 */
export async function lockFrrConfig(
  databaseUrl = process.env.TEST_DATABASE_URL ?? 'postgres://root@127.0.0.1:5432/test',
): Promise<() => Promise<void>> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  await client.query(`SELECT pg_advisory_lock(hashtext('netops-frr-config'))`);
  return async () => {
    await client.query(`SELECT pg_advisory_unlock(hashtext('netops-frr-config'))`).catch(() => {});
    await client.end().catch(() => {});
  };
}
