import snmp from 'net-snmp';
import type { CredentialResolver } from '../credentials/index.js';
import { ErrorCode, NetopsError } from '../errors.js';

export type SnmpCredential =
  | { version: '2c'; community: string }
  | { version: '3'; user: import('net-snmp').V3User };

const AUTH = ['md5', 'sha', 'sha224', 'sha256', 'sha384', 'sha512'] as const;
const PRIV = ['des', 'aes', 'aes256b', 'aes256r'] as const;

/**
 * Resolves a credential NAME to SNMP secrets through the one credential resolver.
 * Errors name the settings to fill in, never a value.
 */
export function resolveSnmpCredential(
  name: string,
  version: '2c' | '3',
  credentials: CredentialResolver,
): SnmpCredential {
  const s = credentials.secrets(name);
  const v = (field: Parameters<CredentialResolver['variable']>[1]) => credentials.variable(name, field);
  const missing = (vars: string[]) =>
    new NetopsError(ErrorCode.CREDENTIAL_MISSING, `SNMP credential ${name} is not set (${vars.join(', ')})`, {
      context: { credential: name },
      userMessage: `The SNMP credential \`${name}\` is not configured on the worker.`,
      hint: `Export ${vars.join(' and ')} for the worker process.`,
    });
  if (version === '2c') {
    const community = s.community;
    if (!community) throw missing([v('community')]);
    return { version, community };
  }
  const username = s.username;
  if (!username) throw missing([v('username')]);
  const authKey = s.authKey;
  const privKey = s.privKey;
  const authName = (s.authProtocol ?? 'sha').toLowerCase();
  const privName = (s.privProtocol ?? 'aes').toLowerCase();
  const badProtocol = (field: 'authProtocol' | 'privProtocol', allowed: readonly string[]) =>
    new NetopsError(ErrorCode.CONFIG_INVALID, `${v(field)} must be one of ${allowed.join(', ')}`, {
      context: { credential: name },
      userMessage: `The SNMP credential \`${name}\` names a protocol netops-bot does not know.`,
      hint: `Set ${v(field)} to one of ${allowed.join(', ')} on the worker.`,
    });
  if (!(AUTH as readonly string[]).includes(authName)) throw badProtocol('authProtocol', AUTH);
  if (!(PRIV as readonly string[]).includes(privName)) throw badProtocol('privProtocol', PRIV);
  if (privKey && !authKey) throw missing([v('authKey')]);
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
