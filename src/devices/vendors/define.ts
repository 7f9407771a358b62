import type { Vendor } from '../../config.js';
import type { ErrorCode } from '../../errors.js';
import type { VendorConfigRules } from '../types.js';

/** What `show version` (or the vendor's equivalent) tells us. Empty string when the output lacks it. */
export interface VersionInfo {
  hostname: string;
  model: string;
  version: string;
  serial: string;
  uptime: string;
}

export interface InterfaceInfo {
  name: string;
  adminUp: boolean;
  operUp: boolean;
  address?: string;
  description?: string;
  mtu?: number;
  mac?: string;
}

export interface NeighborInfo {
  protocol: 'bgp' | 'lldp' | 'arp';
  /** BGP: peer address; LLDP: remote system name; ARP: IP address. */
  peer: string;
  remoteAs?: number;
  /** BGP state ('Established', 'Active', 'Idle'…); LLDP/ARP: reachability word when known. */
  state?: string;
  prefixesReceived?: number;
  localInterface?: string;
  remoteInterface?: string;
}

/** A line pattern in command output that means the device refused the command. */
export interface FailureIndicator {
  pattern: RegExp;
  code: ErrorCode;
  /** Sentence for the user; the matching line is appended. */
  message: string;
}

export interface VendorDefinition {
  name: Vendor;
  displayName: string;
  /**
   * Any prompt of this CLI (user, privileged, config modes), tested against the LAST line of the
   * tail window only. The transport additionally pins the hostname learned at login.
   */
  prompt: RegExp;
  /** Prompt that means "not privileged yet": the transport sends `enable.command`. */
  userPrompt?: RegExp;
  enable?: { command: string; passwordPrompt: RegExp };
  /** Pager marker, unanchored (`--More--`): when the last line shows it, the transport sends a space. */
  pager?: RegExp;
  /** Sent once after login. Their output is checked for failures but not returned. */
  pagingOff: string[];
  /** Sent to leave the session politely. */
  exit: string;
  failures: FailureIndicator[];
  commands: {
    /** One or more commands whose outputs, joined by newlines, feed parse.version. */
    version: string[];
    runningConfig: string;
    interfaces: string;
    bgpNeighbors: string;
    lldpNeighbors?: string;
  };
  parse: {
    version(text: string): VersionInfo;
    interfaces(text: string): InterfaceInfo[];
    bgpNeighbors(text: string): NeighborInfo[];
    lldpNeighbors?(text: string): NeighborInfo[];
  };
  /** `/net show` allowlist: the first words a user may type, and the pipe modifiers allowed after `|`. */
  readOnly: {
    /** Full phrases; the user's first word may be an abbreviation of the phrase's first word when `abbreviate`. */
    prefixes: string[];
    pipes: string[];
    /** CLIs that accept abbreviations (`sh ver`); shells do not. */
    abbreviate: boolean;
    /** Characters that are never allowed (shell redirection on linux). */
    forbidden?: RegExp;
  };
  /**
   * Read-only commands an incident thread runs first (besides `commands.interfaces`, BGP and LLDP
   * neighbours): `{interface}` is replaced by the interface an alert names.
   */
  diagnostics?: { device: string[]; interface: string[] };
  /** Default per-command timeout (ms); `show running-config` on a big box can be slow. */
  commandTimeoutMs: number;
  configRules: VendorConfigRules;
}

export function defineVendor(def: VendorDefinition): Readonly<VendorDefinition> {
  return Object.freeze(def);
}
