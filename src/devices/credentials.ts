import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { ErrorCode, NetopsError } from '../errors.js';
import type { SshCredential } from './transport/ssh.js';

/**
 * Resolves a credential NAME (as the inventory holds it) to the secret material, inside the worker
 * only. Order: env `NETOPS_CRED_<NAME>_*` first, then the credentials file. Errors name the variables
 * to set, never a value.
 */
export interface CredentialResolver {
  resolve(name: string): Promise<SshCredential>;
}

interface FileEntry {
  username?: string;
  password?: string;
  keyFile?: string;
  passphrase?: string;
  enable?: string;
}

export interface CredentialResolverOptions {
  env: Record<string, string | undefined>;
  /** Path of a YAML or JSON file `{ <name>: { username, password?, keyFile?, passphrase?, enable? } }`, or its parsed content. */
  file?: string | Record<string, FileEntry>;
  readFile?: (path: string) => Buffer;
}

export function envPrefix(name: string): string {
  return `NETOPS_CRED_${name.toUpperCase().replace(/-/g, '_')}_`;
}

export function createCredentialResolver(options: CredentialResolverOptions): CredentialResolver {
  const read = options.readFile ?? ((p: string) => readFileSync(p));
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
        hint: `Check that ${options.file} exists and is readable by the worker.`,
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
      );
    }
    fileEntries = (parsed && typeof parsed === 'object' ? parsed : {}) as Record<string, FileEntry>;
    return fileEntries;
  };

  return {
    async resolve(name) {
      const p = envPrefix(name);
      const env = options.env;
      const fromFile = loadFile()[name] ?? loadFile()[name.toLowerCase()];
      const username = env[`${p}USERNAME`] ?? fromFile?.username;
      const password = env[`${p}PASSWORD`] ?? fromFile?.password;
      const keyFile = env[`${p}KEY_FILE`] ?? fromFile?.keyFile;
      const passphrase = env[`${p}PASSPHRASE`] ?? fromFile?.passphrase;
      const enable = env[`${p}ENABLE`] ?? fromFile?.enable;
      if (!username || (password === undefined && keyFile === undefined)) {
        throw new NetopsError(ErrorCode.CREDENTIAL_MISSING, `credential ${name} is not configured`, {
          context: { credential: name },
          userMessage: `The credential \`${name}\` is not configured on the worker.`,
          hint: `Set ${p}USERNAME and ${p}PASSWORD (or ${p}KEY_FILE) for the worker, or add \`${name}\` to the credentials file.`,
        });
      }
      const cred: SshCredential = { name, username };
      if (password !== undefined) cred.password = password;
      if (keyFile !== undefined) {
        try {
          cred.privateKey = read(keyFile);
        } catch (err) {
          throw new NetopsError(
            ErrorCode.CREDENTIAL_MISSING,
            `key file of credential ${name} is not readable: ${keyFile}`,
            {
              cause: err,
              context: { credential: name, keyFile },
              // The path stays in the log: chat learns which setting to check, not the worker's file layout.
              userMessage: `The SSH key of credential \`${name}\` is not readable on the worker.`,
              hint: `Check ${p}KEY_FILE on the worker.`,
            },
          );
        }
      }
      if (passphrase !== undefined) cred.passphrase = passphrase;
      if (enable !== undefined) cred.enable = enable;
      return cred;
    },
  };
}
