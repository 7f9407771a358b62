import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Starts/stops FRR (zebra + bgpd) in its network namespace through scripts/setup-frr.sh. */

const script = join(dirname(fileURLToPath(import.meta.url)), 'setup-frr.sh');
export const FRR_NAMESPACE = 'netops-frr';
export const FRR_SSH_USER = 'netops-frr';

export function startFrr(ns = FRR_NAMESPACE): void {
  execFileSync('bash', [script, 'start', ns], { stdio: 'pipe' });
}

export function stopFrr(ns = FRR_NAMESPACE): void {
  execFileSync('bash', [script, 'stop', ns], { stdio: 'pipe' });
}
