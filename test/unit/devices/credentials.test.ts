import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { credentialEnvPrefix as envPrefix } from '../../../src/credentials/index.js';
import { createSshCredentials } from '../../../src/devices/credentials.js';
import { ErrorCode, NetopsError } from '../../../src/errors.js';

describe('credential resolver', () => {
  it('maps a name to NETOPS_CRED_<NAME>_* (upper-cased, - → _)', async () => {
    expect(envPrefix('lab-core')).toBe('NETOPS_CRED_LAB_CORE_');
    const r = createSshCredentials({
      env: {
        NETOPS_CRED_LAB_CORE_USERNAME: 'ops',
        NETOPS_CRED_LAB_CORE_PASSWORD: 'pw1',
        NETOPS_CRED_LAB_CORE_ENABLE: 'en1',
      },
    });
    expect(await r.resolve('lab-core')).toEqual({
      name: 'lab-core',
      username: 'ops',
      password: 'pw1',
      enable: 'en1',
    });
  });

  it('reads a key file and a YAML credentials file, env first', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cred-'));
    writeFileSync(join(dir, 'id'), 'KEY-BYTES');
    writeFileSync(
      join(dir, 'creds.yaml'),
      `backup:\n  username: bk\n  password: filepw\ncore:\n  username: filecore\n  keyFile: ${join(dir, 'id')}\n`,
    );
    const r = createSshCredentials({
      env: { NETOPS_CRED_CORE_USERNAME: 'envcore' },
      file: join(dir, 'creds.yaml'),
    });
    expect(await r.resolve('backup')).toEqual({ name: 'backup', username: 'bk', password: 'filepw' });
    const core = await r.resolve('core');
    expect(core.username).toBe('envcore');
    expect(String(core.privateKey)).toBe('KEY-BYTES');
  });

  it('says which variables to set when a credential is missing, without any value', async () => {
    const r = createSshCredentials({
      env: { NETOPS_CRED_HALF_USERNAME: 'only-user', NETOPS_CRED_OTHER_PASSWORD: 'hunter2' },
    });
    for (const name of ['half', 'missing']) {
      const err = await r.resolve(name).then(
        () => undefined,
        (e: unknown) => e as NetopsError,
      );
      expect(err).toBeInstanceOf(NetopsError);
      expect(err!.code).toBe(ErrorCode.CREDENTIAL_MISSING);
      expect(err!.hint).toContain(`NETOPS_CRED_${name.toUpperCase()}_PASSWORD`);
      expect(
        JSON.stringify({ m: err!.message, u: err!.userMessage, h: err!.hint, c: err!.context }),
      ).not.toContain('hunter2');
    }
  });

  it('does not echo a malformed credentials file (it may hold secrets)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cred-'));
    writeFileSync(join(dir, 'bad.yaml'), 'core:\n  password: "s3cr3t-value\n  username: [');
    const r = createSshCredentials({ env: {}, file: join(dir, 'bad.yaml') });
    const err = (await r.resolve('core').catch((e: unknown) => e)) as NetopsError;
    expect(err.code).toBe(ErrorCode.CREDENTIAL_MISSING);
    expect(`${err.message}${err.userMessage}${String(err.cause ?? '')}`).not.toContain('s3cr3t');
  });
});
