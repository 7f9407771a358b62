/** A vendor's name: a key of the vendor table (src/devices/vendors/index.ts). */
export type Vendor = string;

/**
 * What the device layer needs to know about a device. The inventory's Device (src/config.ts)
 * fits; the device layer does not import it, so the config schema can list the vendor table.
 */
export interface Device {
  name: string;
  vendor: Vendor;
  host: string;
  port: number;
  /** A credential name, resolved to a secret on the worker; never the secret itself. */
  credential: string;
  fallbackCredential?: string | undefined;
  /** Pinned SSH host key (base64 of the key blob, or `sha256:<fingerprint>`). */
  hostKey?: string | undefined;
  legacyAlgorithms: boolean;
  enabled: boolean;
}

/** Output of one command on one device. */
export interface CommandOutput {
  command: string;
  output: string;
  durationMs: number;
}

export interface RunOptions {
  signal?: AbortSignal;
  /** Per-command timeout; the vendor default applies otherwise. */
  timeoutMs?: number;
}

/**
 * The device layer as jobs see it (ctx.services.devices). Vendor-aware: it picks the vendor
 * definition from the device, resolves the credential by name, reuses sessions, and enforces
 * global and per-device concurrency limits. Errors are NetopsErrors (DEVICE_UNREACHABLE,
 * DEVICE_TIMEOUT, AUTH_DENIED, HOST_KEY_MISMATCH, CREDENTIAL_MISSING, DEVICE_COMMAND_FAILED).
 */
export interface DeviceService {
  run(device: Device, commands: string[], options?: RunOptions): Promise<CommandOutput[]>;
  /** The running configuration as the device prints it (raw: normalisation is configs/' job). */
  runningConfig(device: Device, options?: RunOptions): Promise<string>;
  close(): Promise<void>;
}

/** A rule that hides a secret in a config: the matched group(s) become the marker. */
export interface SecretRule {
  /** Applied per line. Capture group 1 (or `group`) is the secret to replace. */
  pattern: RegExp;
  group?: number;
}

/**
 * Multi-line secrets (PEM private keys, certificate-embedded keys): every line between `begin` and
 * `end` becomes one marker line.
 */
export interface SecretBlockRule {
  begin: RegExp;
  end: RegExp;
}

/** Per-vendor knowledge about configurations, consumed by src/configs/. Pure data. */
export interface VendorConfigRules {
  /** Lines that change without a real config change (timestamps, byte counts, clock drift): dropped. */
  volatile: RegExp[];
  /** Secrets to mask before a config is stored or shown. */
  secrets: SecretRule[];
  /** Comment prefix used to write a marker line, e.g. '!' or '#'. */
  comment: string;
  /** Block structure for section search: 'indent' (IOS-like) or 'braces' (Junos). */
  blocks: 'indent' | 'braces';
  /** Multi-line secrets; PEM private keys are masked for every vendor without being listed. */
  secretBlocks?: SecretBlockRule[];
}
