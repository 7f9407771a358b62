import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { ErrorCode, NetopsError } from '../errors.js';

/**
 * The secret material behind one credential NAME (as the inventory holds it). Which fields are
 * set depends on what the credential is for: SSH (username + password or key file, enable),
 * SNMPv2c (community) or SNMPv3 (username, auth/priv keys and protocols).
 */
export interface CredentialSecrets {
  username?: string;
  password?: string;
  keyFile?: string;
  passphrase?: string;
  enable?: string;
  community?: string;
  authKey?: string;
  privKey?: string;
  authProtocol?: string;
  privProtocol?: string;
}

/**
 * Name → secrets, the only way credentials reach the device and SNMP layers. Built once by the
 * composition root from the environment and the credentials file; nothing else holds either.
 */
export interface CredentialResolver {
  /** What is configured for `name` (possibly nothing: the caller says which fields it needs). */
  secrets(name: string): CredentialSecrets;
  /** The setting a person fills in for one field of `name`, e.g. `NETOPS_CRED_CORE_RO_COMMUNITY`. */
  variable(name: string, field: keyof CredentialSecrets): string;
  /**
   * A single named secret (an alert webhook's token or HMAC key, the dashboard's token): env
   * `NETOPS_SECRET_<NAME>` first, then the credentials file's `<name>: { secret: … }` (or
   * `<name>: "…"`). Undefined when neither has it.
   */
  secret(name: string): string | undefined;
  /** Where a person puts the secret `name` in the environment, e.g. `NETOPS_SECRET_AM_HOOK`. */
  secretVariable(name: string): string;
}

/** One entry of the credentials file: a credential's fields, or a named secret (`secret:` or a bare string). */
type FileEntry = (CredentialSecrets & { secret?: string }) | string;

export interface CredentialResolverOptions {
  /** Environment variables `NETOPS_CRED_<NAME>_<FIELD>` and `NETOPS_SECRET_<NAME>`; read once, only those. */
  env: Record<string, string | undefined>;
  /** Path of a YAML or JSON file `{ <name>: { username, password, keyFile, community, secret, … } }`, or its content. */
  file?: string | Record<string, CredentialSecrets & { secret?: string }>;
  readFile?: (path: string) => Buffer;
}

const FIELDS: Record<keyof CredentialSecrets, string> = {
  username: 'USERNAME',
  password: 'PASSWORD',
  keyFile: 'KEY_FILE',
  passphrase: 'PASSPHRASE',
  enable: 'ENABLE',
  community: 'COMMUNITY',
  authKey: 'AUTH_KEY',
  privKey: 'PRIV_KEY',
  authProtocol: 'AUTH_PROTOCOL',
  privProtocol: 'PRIV_PROTOCOL',
};

/** Env prefix for a credential name: `core-ro` → `NETOPS_CRED_CORE_RO_`. */
export function credentialEnvPrefix(name: string): string {
  return `NETOPS_CRED_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_`;
}

/** Env variable for a named secret: `am-hook` → `NETOPS_SECRET_AM_HOOK`. */
export function secretEnvName(name: string): string {
  return `NETOPS_SECRET_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

/** Env first, then the credentials file; errors name the file or the variables, never a value. */
export function createCredentialResolver(options: CredentialResolverOptions): CredentialResolver {
  const read = options.readFile ?? ((p: string) => readFileSync(p));
  // Keep only NETOPS_CRED_* and NETOPS_SECRET_*, so the resolver never holds Slack tokens or the
  // database URL.
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(options.env))
    if ((k.startsWith('NETOPS_CRED_') || k.startsWith('NETOPS_SECRET_')) && v !== undefined) env[k] = v;
  let fileEntries: Record<string, FileEntry> | undefined;
  const loadFile = (): Record<string, FileEntry> => {
    if (fileEntries) return fileEntries;
    if (options.file === undefined || typeof options.file !== 'string') {
      fileEntries = options.file ?? {};
      return fileEntries;
    }
    let text: string;
    try {
      text = read(options.file).toString('utf8');
    } catch (err) {
      throw new NetopsError(ErrorCode.CREDENTIAL_MISSING, `cannot read credentials file ${options.file}`, {
        cause: err,
        userMessage: 'The worker cannot read its credentials file.',
        hint: 'Check that NETOPS_CREDENTIALS_FILE exists and is readable by the worker.',
      });
    }
    let parsed: unknown;
    try {
      parsed = parseYaml(text);
    } catch {
      // The parser's message can quote the offending line, which may hold a secret: do not keep it.
      throw new NetopsError(
        ErrorCode.CREDENTIAL_MISSING,
        `credentials file ${options.file} is not valid YAML/JSON`,
        {
          userMessage: 'The worker’s credentials file is not valid YAML or JSON.',
          hint: 'Fix NETOPS_CREDENTIALS_FILE on the worker.',
        },
      );
    }
    fileEntries = (parsed && typeof parsed === 'object' ? parsed : {}) as Record<string, FileEntry>;
    return fileEntries;
  };
  const entry = (name: string): FileEntry | undefined => loadFile()[name] ?? loadFile()[name.toLowerCase()];
  return {
    secrets(name) {
      const p = credentialEnvPrefix(name);
      const found = entry(name);
      const fromFile: CredentialSecrets = found && typeof found === 'object' ? found : {};
      const out: CredentialSecrets = {};
      for (const [field, suffix] of Object.entries(FIELDS) as [keyof CredentialSecrets, string][]) {
        const v = env[`${p}${suffix}`] ?? fromFile[field];
        if (v !== undefined && v !== null) out[field] = String(v);
      }
      return out;
    },
    variable: (name, field) => `${credentialEnvPrefix(name)}${FIELDS[field]}`,
    secret(name) {
      const fromEnv = env[secretEnvName(name)];
      if (fromEnv) return fromEnv;
      const found = entry(name);
      const v = typeof found === 'string' ? found : found?.secret;
      return v === undefined || v === null || v === '' ? undefined : String(v);
    },
    secretVariable: secretEnvName,
  };
}
