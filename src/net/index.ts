// IP addresses and subnets (ipaddr.js), pure: shared by the config schema and discovery.
export {
  type Address,
  type Cidr,
  expandCidr,
  inSubnets,
  lldpAddress,
  parseAddress,
  parseCidr,
} from './scope.js';
