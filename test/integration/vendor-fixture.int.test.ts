import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerVendor } from '../../src/devices/index.js';
import { type AcmeDevice, ACME_SECRET, acmeOs, startAcmeDevice } from '../fixtures/vendors/acme-os.js';
import { testDevice } from '../helpers/devices.js';
import { type Stack, startStack } from '../helpers/stack.js';

/**
 * A vendor added from one file (test/fixtures/vendors/acme-os.ts) and nothing else: the inventory
 * accepts it, `show` runs over SSH with its prompt and allowlist, `config backup` stores a version
 * with its volatile line dropped and its secret masked, and discovery recognises it.
 */
const CHANNEL = 'C00NETOPS0';
let box: AcmeDevice;
let s: Stack;

async function until<T>(fn: () => T | undefined | false, ms = 20_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() - t0 > ms) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}

const said = () => s.emu.calls.map((c) => JSON.stringify(c.args)).join('\n');

beforeAll(async () => {
  registerVendor(acmeOs);
  box = await startAcmeDevice({ hostname: 'acme1', username: 'ops', password: 'acme-pw' });
  s = await startStack({
    devices: [testDevice('acme1', { vendor: 'acme_os', port: box.port, credential: 'acme' })],
    start: { secretsEnv: { NETOPS_CRED_ACME_USERNAME: 'ops', NETOPS_CRED_ACME_PASSWORD: 'acme-pw' } },
  });
}, 60_000);

afterAll(async () => {
  await s?.stop();
  await box?.close();
});

describe('a vendor defined in one file', () => {
  it('runs `show` on it end to end', async () => {
    await s.emu.slashCommand({ command: '/net', text: 'show acme1 show system', channelId: CHANNEL });
    const out = await until(() => /model: Acme 9000/.test(said()) && said());
    expect(out).toContain('version: 4.2.1');
    // its allowlist applies: a command outside it is refused before anything is queued
    await s.emu.slashCommand({ command: '/net', text: 'show acme1 reload', channelId: CHANNEL });
    await until(
      () =>
        /not on the read-only list|not allowed|read-only/i.test(JSON.stringify(s.emu.responseUrlPosts)) ||
        /not on the read-only list|read-only/i.test(said()),
    );
  });

  it('backs its config up with its own rules: volatile line dropped, secret masked', async () => {
    await s.emu.slashCommand({ command: '/net', text: 'config backup acme1', channelId: CHANNEL });
    await until(() => /acme1: first version stored/.test(said()));
    const { rows } = await s.db.pool.query<{ body: string }>(
      `SELECT b.body FROM config_versions v JOIN config_blobs b USING (sha256) WHERE v.device = 'acme1'`,
    );
    expect(rows).toHaveLength(1);
    const body = String(rows[0]!.body);
    expect(body).toContain('hostname acme1');
    expect(body).toContain('admin-secret <removed>');
    expect(body).not.toContain(ACME_SECRET);
    expect(body).not.toContain('# generated at');
    expect(said()).not.toContain(ACME_SECRET);
  });

  it('is recognised by discovery from its identify rules', async () => {
    const { identifyVendor } = await import('../../src/devices/index.js');
    expect(identifyVendor('1.3.6.1.4.1.424242.7', 'anything')).toBe('acme_os');
    expect(identifyVendor('1.3.6.1.4.1.99', 'AcmeOS 4.2 on Acme 9000')).toBe('acme_os');
  });
});
