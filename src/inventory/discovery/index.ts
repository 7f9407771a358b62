import type { CredentialResolver } from '../../credentials/index.js';
import type { Inventory } from '../inventory.js';
import { type DiscoveryResult, discover } from './discover.js';
import type { DiscoveryPolicy } from './policy.js';

export { expandCidr, inSubnets, parseCidr } from '../../ip-scope.js';
export { proposalBlocks } from './blocks.js';
export {
  deviceName,
  discover,
  type DiscoverOptions,
  type DiscoveryResult,
  type Proposal,
} from './discover.js';
export type { DiscoveryPolicy } from './policy.js';
export {
  type LldpNeighbour,
  lldpNeighbours,
  type ProbeResult,
  probe,
  type SessionFactory,
  snmpSessionFactory,
} from './probe.js';

/** What the `discovery` service gives jobs: the policy, and discovery with the worker's credentials. */
export interface DiscoveryService {
  readonly policy: DiscoveryPolicy;
  discover(target: string, inventory: Pick<Inventory, 'list' | 'get'>): Promise<DiscoveryResult>;
}

export function createDiscoveryService(options: {
  policy: DiscoveryPolicy;
  credentials: CredentialResolver;
}): DiscoveryService {
  return {
    policy: Object.freeze({ ...options.policy }),
    discover: (target, inventory) =>
      discover(target, { inventory, policy: options.policy, credentials: options.credentials }),
  };
}
