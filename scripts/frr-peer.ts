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

export function startFrr(ns = FRR_NAMESPACE): void {
  mkdirSync(USERS_DIR, { recursive: true });
  const others = liveUsers().filter((p) => p !== process.pid);
  writeFileSync(join(USERS_DIR, String(process.pid)), ns);
  if (others.length > 0 && daemonsRunning(ns)) return;
  execFileSync('bash', [script, 'start', ns], { stdio: 'pipe' });
}

export function stopFrr(ns = FRR_NAMESPACE): void {
  rmSync(join(USERS_DIR, String(process.pid)), { force: true });
  if (liveUsers().length > 0) return;
  execFileSync('bash', [script, 'stop', ns], { stdio: 'pipe' });
}
