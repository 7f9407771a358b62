import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { type Stack, startStack } from '../helpers/stack.js';

const CHANNEL = 'C00NETOPS0';
// Made per run: nothing credential-shaped is committed.
const USER = `ops-${randomBytes(3).toString('hex')}`;
const PASSWORD = randomBytes(18).toString('base64url');
const TOKEN = randomBytes(24).toString('hex');

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

interface BoardQueue {
  name: string;
  counts: Record<string, number>;
  readOnlyMode: boolean;
  isPaused: boolean;
  jobs: Array<{ id: string; name: string }>;
}

describe('Bull Board on the bot, behind auth', () => {
  let s: Stack | undefined;
  afterEach(async () => {
    await s?.stop();
    s = undefined;
  });

  const url = (path: string) => `http://127.0.0.1:${s!.bot!.port}/admin/queues${path}`;
  const get = (path: string, authorization?: string, method = 'GET') =>
    fetch(url(path), { method, headers: authorization ? { authorization } : {} });

  it('basic auth: 401 without or with wrong credentials; with them it lists the real queues, read-only', async () => {
    // Only the bot runs, so the command's job stays in the queue for the board to show.
    s = await startStack({
      roles: ['bot'],
      extraYaml: { dashboard: { enabled: true } },
      start: {
        secretsEnv: { NETOPS_CRED_DASHBOARD_USERNAME: USER, NETOPS_CRED_DASHBOARD_PASSWORD: PASSWORD },
      },
    });
    await s.emu.slashCommand({ command: '/net', text: 'devices', channelId: CHANNEL });
    await s.emu.waitFor(
      (c) => c.method === 'chat.postMessage' && /^queued/.test(String(c.args.text)),
      10_000,
    );

    const none = await get('');
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Basic realm="netops-bot"/);
    for (const forged of [
      basic(USER, `${PASSWORD}x`),
      basic(USER, PASSWORD.slice(0, -1)),
      basic(`${USER}x`, PASSWORD),
      basic(USER, ''),
      `Basic ${Buffer.from(`${USER}${PASSWORD}`).toString('base64')}`,
      `Bearer ${PASSWORD}`,
      `basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}x`,
    ]) {
      expect((await get('/api/queues', forged)).status, forged).toBe(401);
    }
    // Static files and the API are behind the same door as the page.
    expect((await get('/static/favicon-32x32.png')).status).toBe(401);

    const auth = basic(USER, PASSWORD);
    const page = await get('', auth);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<title>netops-bot queues<\/title>|netops-bot queues/);

    const api = await get('/api/queues?activeQueue=default&status=waiting&page=1&jobsPerPage=10', auth);
    expect(api.status).toBe(200);
    const { queues } = (await api.json()) as { queues: BoardQueue[] };
    expect(queues.map((q) => q.name).sort()).toEqual(['analysis', 'default', 'devices', 'snmp']);
    const def = queues.find((q) => q.name === 'default')!;
    expect(def.readOnlyMode).toBe(true);
    expect(def.counts.waiting).toBe(1);
    expect(def.jobs.map((j) => j.name)).toEqual(['devices.list']);

    // Read-only: the actions are refused at the door and by Bull Board, and nothing changes.
    expect((await get('/api/queues/default/pause', auth, 'PUT')).status).toBe(405);
    expect((await get('/api/queues/default/clean/waiting', auth, 'PUT')).status).toBe(405);
    const after = (await (await get('/api/queues', auth)).json()) as { queues: BoardQueue[] };
    expect(after.queues.find((q) => q.name === 'default')).toMatchObject({ isPaused: false });
    expect(after.queues.find((q) => q.name === 'default')!.counts.waiting).toBe(1);
  }, 60_000);

  it('bearer token from the resolver; no secret configured means everyone is refused', async () => {
    s = await startStack({
      roles: ['bot'],
      extraYaml: { dashboard: { enabled: true, auth: 'bearer', credential: 'board', path: '/ops/board' } },
      start: { secretsEnv: { NETOPS_SECRET_BOARD: TOKEN } },
    });
    const at = (path: string, authorization?: string) =>
      fetch(`http://127.0.0.1:${s!.bot!.port}/ops/board${path}`, {
        headers: authorization ? { authorization } : {},
      });
    expect((await at('/api/queues')).status).toBe(401);
    expect((await at('/api/queues', `Bearer ${TOKEN.slice(1)}`)).status).toBe(401);
    expect((await at('/api/queues', basic('x', TOKEN))).status).toBe(401);
    const ok = await at('/api/queues', `Bearer ${TOKEN}`);
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { queues: BoardQueue[] }).queues.length).toBe(4);
    await s.stop();

    s = await startStack({ roles: ['bot'], extraYaml: { dashboard: { enabled: true, auth: 'bearer' } } });
    const r = await fetch(`http://127.0.0.1:${s.bot!.port}/admin/queues/api/queues`, {
      headers: { authorization: 'Bearer ' },
    });
    expect(r.status).toBe(401);
  }, 60_000);

  it('locks out an address after too many wrong logins (429, right credentials or not); others still get in', async () => {
    s = await startStack({
      roles: ['bot'],
      extraYaml: { dashboard: { enabled: true, maxFailedLogins: 4, lockout: '10m' } },
      start: {
        secretsEnv: { NETOPS_CRED_DASHBOARD_USERNAME: USER, NETOPS_CRED_DASHBOARD_PASSWORD: PASSWORD },
      },
    });
    // From a chosen loopback source address, so two clients can be told apart.
    const from = (localAddress: string, authorization?: string) =>
      new Promise<{ status: number; retryAfter: string | undefined }>((resolve, reject) => {
        const req = request(
          url('/api/queues'),
          { localAddress, headers: authorization ? { authorization } : {} },
          (res) => {
            res.resume();
            res.on('end', () =>
              resolve({
                status: res.statusCode!,
                retryAfter: res.headers['retry-after'] as string | undefined,
              }),
            );
          },
        );
        req.on('error', reject);
        req.end();
      });
    const right = basic(USER, PASSWORD);
    // Requests without credentials (a browser's first) do not count.
    for (let i = 0; i < 6; i++) expect((await from('127.0.0.2')).status).toBe(401);
    expect((await from('127.0.0.2', right)).status).toBe(200);
    for (let i = 0; i < 4; i++) expect((await from('127.0.0.2', basic(USER, `guess${i}`))).status).toBe(401);
    const locked = await from('127.0.0.2', right);
    expect(locked.status).toBe(429);
    expect(Number(locked.retryAfter)).toBeGreaterThan(500);
    expect(Number(locked.retryAfter)).toBeLessThanOrEqual(600);
    expect((await from('127.0.0.2', basic(USER, 'more'))).status).toBe(429);
    // Someone else is not locked out by the guesser.
    expect((await from('127.0.0.3', right)).status).toBe(200);
  }, 60_000);

  it('is not mounted unless enabled', async () => {
    s = await startStack({ roles: ['bot'] });
    expect((await get('', basic(USER, PASSWORD))).status).toBe(404);
  });
});
