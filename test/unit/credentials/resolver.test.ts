import { describe, expect, it } from 'vitest';
import { createCredentialResolver, secretEnvName } from '../../../src/credentials/index.js';

describe('named secrets (alert webhooks, the dashboard)', () => {
  it('come from NETOPS_SECRET_<NAME> first, then the credentials file (an entry or a bare string)', () => {
    const r = createCredentialResolver({
      env: { NETOPS_SECRET_AM_HOOK: 'from-env', NETOPS_SECRET_EMPTY: '' },
      file: { 'am-hook': { secret: 'from-file' }, 'gen-hook': { secret: 'gen-from-file' } },
    });
    expect(r.secret('am-hook')).toBe('from-env');
    expect(r.secret('gen-hook')).toBe('gen-from-file');
    expect(r.secret('nowhere')).toBeUndefined();
    // An empty variable is not a secret: the file (here: nothing) is asked instead.
    expect(r.secret('empty')).toBeUndefined();
    expect(r.secretVariable('am-hook')).toBe('NETOPS_SECRET_AM_HOOK');
    expect(secretEnvName('board.admin')).toBe('NETOPS_SECRET_BOARD_ADMIN');
  });

  it('reads a YAML file with bare-string secrets, and keeps nothing else from the environment', () => {
    const r = createCredentialResolver({
      env: { SLACK_BOT_TOKEN: 'not-for-the-resolver', NETOPS_SECRET_SLACK_BOT_TOKEN: undefined },
      file: '/etc/netops/credentials.yaml',
      readFile: () => Buffer.from('board: board-secret\ncore-ro:\n  community: c0mm\n'),
    });
    expect(r.secret('board')).toBe('board-secret');
    expect(r.secrets('core-ro')).toEqual({ community: 'c0mm' });
    // A bare-string entry is a secret, not a credential with fields.
    expect(r.secrets('board')).toEqual({});
    expect(r.secret('slack-bot-token')).toBeUndefined();
  });
});
