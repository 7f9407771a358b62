import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { type Stack, startStack } from '../helpers/stack.js';

const CHANNEL = 'C00NETOPS0';

/** POSTs `size` bytes to the bot; resolves with the status, or rejects (e.g. ECONNRESET). */
function post(port: number, size: number, chunked: boolean): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/slack/events',
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          ...(chunked ? {} : { 'content-length': String(size) }),
        },
      },
      (res) => {
        let body = '';
        res.on('data', (c) => {
          body += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    const chunk = Buffer.alloc(64 * 1024, 'a');
    let sent = 0;
    const pump = () => {
      while (sent < size) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      req.end();
    };
    pump();
  });
}

describe('request handling', () => {
  let s: Stack | undefined;
  afterEach(async () => {
    await s?.stop();
    s = undefined;
  });

  it('regression: a body over the limit got a connection reset instead of 413', async () => {
    s = await startStack({ roles: ['bot'] });
    const port = s.bot!.port!;
    for (const chunked of [true, false]) {
      const r = await post(port, 3_000_000, chunked);
      expect(r.status).toBe(413);
      expect(r.body).toMatch(/too large/);
    }
    // The bot is still serving.
    const ok = await s.emu.slashCommand({ command: '/net', text: 'help', channelId: CHANNEL });
    expect(ok.status).toBe(200);
  });

  it('regression: commands containing NUL lost their audit rows', async () => {
    s = await startStack();
    const texts = ['show core1 show ver\u0000sion', 'show core1 show version\u2028reload', 'devices \u0000'];
    for (const text of texts) {
      const r = await s.emu.slashCommand({ command: '/net', text, channelId: CHANNEL });
      expect(r.status).toBe(200);
    }
    await expect
      .poll(async () => (await s!.db.pool.query('SELECT count(*)::int AS n FROM audit')).rows[0].n, {
        timeout: 10_000,
      })
      .toBe(texts.length);
    // Every row, escaped; in any order (the rows are written as each command is handled, and the
    // three requests are handled concurrently).
    const { rows } = await s.db.pool.query<{ text: string }>('SELECT text FROM audit');
    expect(rows.map((r) => r.text).sort()).toEqual(
      ['show core1 show ver\\x00sion', 'show core1 show version\\u2028reload', 'devices \\x00'].sort(),
    );
  });

  it('regression: U+2028 in a device command is refused like a newline', async () => {
    s = await startStack();
    await s.emu.slashCommand({
      command: '/net',
      text: 'show core1 show version\u2028reload',
      channelId: CHANNEL,
    });
    await expect.poll(() => s!.emu.responseUrlPosts.length, { timeout: 10_000 }).toBeGreaterThan(0);
    expect(JSON.stringify(s.emu.responseUrlPosts[0]!.body)).toMatch(/spans several lines/);
    const { rows } = await s.db.pool.query('SELECT status, error_code FROM audit');
    expect(rows).toEqual([{ status: 'rejected', error_code: 'NETOPS_COMMAND_NOT_ALLOWED' }]);
  });
});
