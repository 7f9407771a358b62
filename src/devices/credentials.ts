import { readFileSync } from 'node:fs';
import {
  type CredentialResolver,
  type CredentialResolverOptions,
  createCredentialResolver,
} from '../credentials/index.js';
import { ErrorCode, NetopsError } from '../errors.js';
import type { SshCredential } from './transport/ssh.js';

/** What the device service asks for: the SSH login behind a credential NAME, inside the worker only. */
export interface SshCredentialSource {
  resolve(name: string): Promise<SshCredential>;
}

/**
 * SSH logins from the one credential resolver: username plus a password or a key file (read here,
 * so the key never travels), an optional passphrase and enable secret. Errors name the settings to
 * fill in, never a value.
 */
export function sshCredentials(
  resolver: CredentialResolver,
  readFile: (path: string) => Buffer = (p) => readFileSync(p),
): SshCredentialSource {
  return {
    async resolve(name) {
      const s = resolver.secrets(name);
      const v = (field: Parameters<CredentialResolver['variable']>[1]) => resolver.variable(name, field);
      if (!s.username || (s.password === undefined && s.keyFile === undefined)) {
        throw new NetopsError(ErrorCode.CREDENTIAL_MISSING, `credential ${name} is not configured`, {
          context: { credential: name },
          userMessage: `The credential \`${name}\` is not configured on the worker.`,
          hint: `Set ${v('username')} and ${v('password')} (or ${v('keyFile')}) for the worker, or add \`${name}\` to the credentials file.`,
        });
      }
      const cred: SshCredential = { name, username: s.username };
      if (s.password !== undefined) cred.password = s.password;
      if (s.keyFile !== undefined) {
        try {
          cred.privateKey = readFile(s.keyFile);
        } catch (err) {
          throw new NetopsError(
            ErrorCode.CREDENTIAL_MISSING,
            `key file of credential ${name} is not readable: ${s.keyFile}`,
            {
              cause: err,
              context: { credential: name, keyFile: s.keyFile },
              // The path stays in the log: chat learns which setting to check, not the worker's file layout.
              userMessage: `The SSH key of credential \`${name}\` is not readable on the worker.`,
              hint: `Check ${v('keyFile')} on the worker.`,
            },
          );
        }
      }
      if (s.passphrase !== undefined) cred.passphrase = s.passphrase;
      if (s.enable !== undefined) cred.enable = s.enable;
      return cred;
    },
  };
}

/** Shorthand for tests and tools: a resolver over `env` (and a file) seen as SSH logins. */
export function createSshCredentials(
  options: CredentialResolverOptions & { readFile?: (path: string) => Buffer },
): SshCredentialSource {
  return sshCredentials(createCredentialResolver(options), options.readFile);
}

export type { CredentialResolver, CredentialResolverOptions };
