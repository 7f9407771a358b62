/** Who may be discovered and how; the `discovery` service factory fills it from netops.yaml. */
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
  /** Add proposals to netops.yaml at once instead of asking (policy for trusted subnets). */
  autoAdd?: boolean;
}
