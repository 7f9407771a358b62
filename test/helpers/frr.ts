import { execFileSync } from 'node:child_process';
import { FRR_NAMESPACE, FRR_SSH_USER, lockFrrConfig, startFrr, stopFrr } from '../../scripts/frr-peer.js';
import { type SshdPeer, startSshd } from '../../scripts/sshd-peer.js';
import type { Device } from '../../src/config.js';

/** vtysh in the shared FRR namespace (scripts/setup-frr.sh). */
export const vtysh = (...cmds: string[]): string =>
  execFileSync('vtysh', ['-N', FRR_NAMESPACE, ...cmds.flatMap((c) => ['-c', c])], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });

export interface FrrLab {
  /** `frr-lab`: real FRRouting behind a real sshd whose login shell for the FRR user is vtysh. */
  device: Device;
  /** The credential `frrlab` for the worker (key auth). */
  secretsEnv: Record<string, string>;
  peer: SshdPeer;
  /** Runs `cleanup` (best effort: another suite may have restarted FRR), then stops what it started. */
  stop(cleanup?: string[]): Promise<void>;
}

/**
 * The FRR lab every FRR suite uses. FRR's namespace is shared with other suites: the config lock
 * serialises suites that change it, startFrr registers this process as a user and reuses a running
 * instance, stopFrr stops it only for the last user. Key auth only: another test may reset the
 * account's password at any time.
 */
export async function startFrrLab(): Promise<FrrLab> {
  const unlock = await lockFrrConfig();
  let peer: SshdPeer | undefined;
  try {
    startFrr();
    peer = await startSshd([{ name: FRR_SSH_USER }]);
  } catch (err) {
    await peer?.stop();
    stopFrr();
    await unlock();
    throw err;
  }
  const started = peer;
  return {
    device: {
      name: 'frr-lab',
      vendor: 'frr',
      host: started.host,
      port: started.port,
      credential: 'frrlab',
      hostKey: started.hostKeyBlob,
      tags: [],
      legacyAlgorithms: false,
      enabled: true,
    },
    secretsEnv: {
      NETOPS_CRED_FRRLAB_USERNAME: FRR_SSH_USER,
      NETOPS_CRED_FRRLAB_KEY_FILE: started.clientKeyPath,
    },
    peer: started,
    async stop(cleanup = []) {
      if (cleanup.length)
        try {
          vtysh('configure terminal', ...cleanup);
        } catch {}
      await started.stop();
      stopFrr();
      await unlock();
    },
  };
}
