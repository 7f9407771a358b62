import snmp from 'net-snmp';
import { ErrorCode, NetopsError } from '../errors.js';

export type SnmpCredential =
  | { version: '2c'; community: string }
  | { version: '3'; user: import('net-snmp').V3User };

const AUTH = ['md5', 'sha', 'sha224', 'sha256', 'sha384', 'sha512'] as const;
const PRIV = ['des', 'aes', 'aes256b', 'aes256r'] as const;

/** Env prefix for a credential name: `core-ro` → `NETOPS_CRED_CORE_RO_`. */
export function credentialEnvPrefix(name: string): string {
  return `NETOPS_CRED_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_`;
}

/**
 * Resolves a credential NAME to secrets from the environment the worker was started with.
 * Errors name the variables to set, never a value.
 */
export function resolveSnmpCredential(
  name: string,
  version: '2c' | '3',
  env: Record<string, string | undefined>,
): SnmpCredential {
  const p = credentialEnvPrefix(name);
  const missing = (vars: string[]) =>
    new NetopsError(ErrorCode.CREDENTIAL_MISSING, `SNMP credential ${name} is not set (${vars.join(', ')})`, {
      context: { credential: name },
      userMessage: `The SNMP credential \`${name}\` is not configured on the worker.`,
      hint: `Export ${vars.join(' and ')} for the worker process.`,
    });
  if (version === '2c') {
    const community = env[`${p}COMMUNITY`];
    if (!community) throw missing([`${p}COMMUNITY`]);
    return { version, community };
  }
  const username = env[`${p}USERNAME`];
  if (!username) throw missing([`${p}USERNAME`]);
  const authKey = env[`${p}AUTH_KEY`];
  const privKey = env[`${p}PRIV_KEY`];
  const authName = (env[`${p}AUTH_PROTOCOL`] ?? 'sha').toLowerCase();
  const privName = (env[`${p}PRIV_PROTOCOL`] ?? 'aes').toLowerCase();
  if (!(AUTH as readonly string[]).includes(authName)) {
    throw new NetopsError(ErrorCode.CONFIG_INVALID, `${p}AUTH_PROTOCOL must be one of ${AUTH.join(', ')}`);
  }
  if (!(PRIV as readonly string[]).includes(privName)) {
    throw new NetopsError(ErrorCode.CONFIG_INVALID, `${p}PRIV_PROTOCOL must be one of ${PRIV.join(', ')}`);
  }
  if (privKey && !authKey) throw missing([`${p}AUTH_KEY`]);
  const level = privKey
    ? snmp.SecurityLevel.authPriv
    : authKey
      ? snmp.SecurityLevel.authNoPriv
      : snmp.SecurityLevel.noAuthNoPriv;
  return {
    version,
    user: {
      name: username,
      level,
      ...(authKey ? { authProtocol: snmp.AuthProtocols[authName as (typeof AUTH)[number]], authKey } : {}),
      ...(privKey ? { privProtocol: snmp.PrivProtocols[privName as (typeof PRIV)[number]], privKey } : {}),
    },
  };
}
