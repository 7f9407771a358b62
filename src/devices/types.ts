import type { Device, Vendor } from '../config.js';

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
}

export type { Device, Vendor };
