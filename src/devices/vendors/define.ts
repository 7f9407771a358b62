import type { Vendor } from '../types.js';
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

/** Names a change uses on the device (session, checkpoint and file names) and its confirm window. */
export interface ChangeContext {
  /** Short, device-safe tag of the change (`cr-12`). */
  tag: string;
  /** Minutes until an unconfirmed change rolls back. */
  minutes: number;
}

/**
 * How a vendor makes a change safely. Data and small functions only: the change engine
 * (src/changes) runs these commands and never asks which vendor it is talking to.
 */
export interface VendorChange {
  /**
   * Where the dry-run diff comes from. 'device': the device's own candidate (the diff and the
   * syntax check come back from `commands`, which leave nothing behind); 'model': a hierarchy-aware
   * diff of the running config against the running config plus the lines (src/changes/hierarchy).
   */
  dryRun:
    | {
        kind: 'device';
        commands(lines: string[], c: ChangeContext): { commands: string[]; diffAt: number; checkAt?: number };
        /** Cleans the diff command's output (prompts' `[edit]` markers, banners). */
        clean(output: string): string;
      }
    | { kind: 'model' };
  /** Sent after a failed command, so nothing half-typed stays in a candidate or session. */
  abandon(c: ChangeContext): string[];
  /** Run before apply so a rollback has something to return to (a flash copy, a checkpoint). */
  prepare(c: ChangeContext): string[];
  /** Applies the lines inside a confirm window. */
  apply(lines: string[], c: ChangeContext): string[];
  /** 'device': the device rolls an unconfirmed change back by itself; 'emulated': a delayed job does. */
  window: 'device' | 'emulated';
  /** Makes the change permanent (stops the device's timer). */
  confirm(c: ChangeContext): string[];
  /** Returns to the state before apply; null when only restoring the backup line by line can (FRR). */
  rollback: ((c: ChangeContext) => string[]) | null;
  /** Words for the risk summary and the card: what the confirm window is on this vendor. */
  windowName: string;
}

/**
 * One way to recognise this vendor from SNMP during discovery. Every field given must match; the
 * vendor whose matching rule names the most fields wins (FRR's net-snmp OID plus an FRR sysDescr
 * beats Linux's bare net-snmp OID).
 */
export interface IdentifyRule {
  /** Enterprise OIDs or prefixes of sysObjectID, e.g. `1.3.6.1.4.1.9` (a leading dot is ignored). */
  sysObjectID?: string[];
  sysDescr?: RegExp;
}

export interface VendorDefinition {
  name: Vendor;
  displayName: string;
  /**
   * A POSIX shell rather than a network CLI: commands are never abbreviated and `show` is never
   * implied (`show host1 uptime` runs `uptime`, not `show uptime`).
   */
  shell?: boolean;
  /** How discovery tells this vendor from SNMP's sysObjectID and sysDescr; absent: never proposed. */
  identify?: IdentifyRule[];
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
  /**
   * `/net show` allowlist: whole commands (command words + an argument pattern), the pipe
   * modifiers allowed after `|`, and what is refused even though it matches (secrets shown in a
   * form masking cannot see).
   */
  readOnly: {
    commands: ReadOnlyCommand[];
    pipes: string[];
    /**
     * `show <word>` that print configuration (running-config, configuration …): abbreviations
     * count. Secrets are masked line by line in plain text, so structured output of these is refused.
     */
    configWords: string[];
    /** Pipe phrases that turn output into JSON/XML (`json`, `display xml`); refused on configuration. */
    formatPipes: string[];
    /** Commands that print secrets the line masker does not know (`show snmp community`); abbreviations count. */
    refuse?: { words: string; why: string }[];
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
  /**
   * Interface-name abbreviations people type on this vendor (`Gi` → `GigabitEthernet`), checked
   * before the CLI rule that any unambiguous start of the type names it. Only where that rule
   * picks wrong or cannot decide (IOS `Tw` is TwoGigabitEthernet, `Twe` TwentyFiveGigE).
   */
  interfaceAbbreviations?: ReadonlyArray<readonly [short: string, full: string]>;
  /** Default per-command timeout (ms); `show running-config` on a big box can be slow. */
  commandTimeoutMs: number;
  configRules: VendorConfigRules;
  /** Configuration changes (dry run, commit-confirmed apply, rollback); absent: not supported. */
  change?: VendorChange;
}

/** One allowed command: its words (CLIs take abbreviations) and what may follow them. */
export interface ReadOnlyCommand {
  /** e.g. 'show', 'ip route get'. Each typed word may abbreviate its word when `abbreviate`. */
  words: string;
  /** What may follow the words (single-spaced, anchored by the caller); absent: nothing may. */
  args?: RegExp;
  /** Shown in the refusal hint, e.g. 'ping -c <1-20> <host>'. */
  usage?: string;
}

export function defineVendor(def: VendorDefinition): Readonly<VendorDefinition> {
  return Object.freeze(def);
}
