/** Who may be discovered and how. The lead fills it from config (or env) in the composition root. */
export interface DiscoveryPolicy {
  /** CIDRs discovery may probe; anything else (including LLDP neighbours outside) is refused. */
  allowedSubnets: string[];
  /** Largest CIDR sweep, in addresses. */
  maxSweep: number;
  /** Credential NAME used to probe unknown addresses (and written into proposed devices' snmp). */
  credential: string;
  /** SSH credential NAME written into proposed devices. */
  sshCredential: string;
  version: '2c' | '3';
  port: number;
  timeoutMs: number;
  env: Record<string, string | undefined>;
  /** Add proposals to netops.yaml at once instead of asking (policy for trusted subnets). */
  autoAdd?: boolean;
}
