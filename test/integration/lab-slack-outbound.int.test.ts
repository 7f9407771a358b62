import { createHmac } from 'node:crypto';
import { type IncomingMessage, type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, LogLevel } from '@slack/bolt';
import { afterEach, describe, expect, it } from 'vitest';
import { createSlackEmulator } from '../../src/lab/slack/index.js';

const SECRET = 'lab-signing-secret';

interface Received {
  headers: IncomingMessage['headers'];
  body: string;
  path: string;
  signatureOk: boolean;
}

/** A bare receiver that checks Slack's signature with its own HMAC, not the emulator's code. */
async function startRecorder(answer: (r: Received) => { status: number; body: string; type?: string }) {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const ts = String(req.headers['x-slack-request-timestamp']);
      const expected = `v0=${createHmac('sha256', SECRET).update(`v0:${ts}:${body}`).digest('hex')}`;
      const r = {
        headers: req.headers,
        body,
        path: req.url ?? '',
        signatureOk: expected === req.headers['x-slack-signature'],
      };
      received.push(r);
      const out = r.signatureOk ? answer(r) : { status: 401, body: 'bad signature' };
      res.writeHead(out.status, { 'content-type': out.type ?? 'text/plain' }).end(out.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, received, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const closeServer = (s: Server) => new Promise<void>((r) => s.close(() => r()));

describe('slack emulator → bot (signed outbound requests)', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('sends a slash command form-encoded, signed, with every field Slack sends', async () => {
    const rec = await startRecorder(() => ({
      status: 200,
      body: '{"text":"queued"}',
      type: 'application/json',
    }));
    cleanups.push(() => closeServer(rec.server));
    const emu = await createSlackEmulator({ signingSecret: SECRET, botUrl: rec.url });
    cleanups.push(() => emu.close());

    const res = await emu.slashCommand({
      command: '/net',
      text: 'show version core-1',
      userId: 'U00000BOB0',
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ text: 'queued' });
    expect(res.ms).toBeGreaterThan(0);
    const [r] = rec.received;
    expect(r!.signatureOk).toBe(true);
    expect(r!.path).toBe('/slack/events');
    expect(r!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    const form = Object.fromEntries(new URLSearchParams(r!.body));
    expect(Object.keys(form).sort()).toEqual(
      [
        'api_app_id',
        'channel_id',
        'channel_name',
        'command',
        'is_enterprise_install',
        'response_url',
        'team_domain',
        'team_id',
        'text',
        'token',
        'trigger_id',
        'user_id',
        'user_name',
      ].sort(),
    );
    expect(form).toMatchObject({
      command: '/net',
      text: 'show version core-1',
      user_id: 'U00000BOB0',
      user_name: 'bob',
    });
    expect(form.response_url).toBe(res.responseUrl);
    expect(Math.abs(Number(r!.headers['x-slack-request-timestamp']) - Date.now() / 1000)).toBeLessThan(5);
  });

  it('sign() gives headers a receiver accepts; forged or stale ones are rejected by it', async () => {
    const rec = await startRecorder(() => ({ status: 200, body: '' }));
    cleanups.push(() => closeServer(rec.server));
    const emu = await createSlackEmulator({ signingSecret: SECRET, botUrl: rec.url });
    cleanups.push(() => emu.close());
    const body = 'command=%2Fnet&text=help';
    const good = await fetch(`${rec.url}/slack/events`, { method: 'POST', headers: emu.sign(body), body });
    expect(good.status).toBe(200);
    const forged = await fetch(`${rec.url}/slack/events`, {
      method: 'POST',
      headers: emu.sign(`${body}x`),
      body,
    });
    expect(forged.status).toBe(401);
    const other = await createSlackEmulator({ signingSecret: 'wrong', botUrl: rec.url });
    cleanups.push(() => other.close());
    expect((await other.slashCommand({ command: '/net', text: 'help' })).status).toBe(401);
  });

  it('drives a real Bolt app end to end: command, respond, thread reply, mention, button, modal', async () => {
    const emu = await createSlackEmulator({ signingSecret: SECRET });
    cleanups.push(() => emu.close());
    const app = new App({
      token: 'xoxb-lab',
      signingSecret: SECRET,
      logLevel: LogLevel.ERROR,
      clientOptions: { slackApiUrl: emu.apiUrl, retryConfig: { retries: 0 } },
    });
    app.command('/net', async ({ ack, command, respond, client }) => {
      await ack({ text: `queued: ${command.text}` });
      const posted = await client.chat.postMessage({ channel: command.channel_id, text: 'running…' });
      await client.chat.update({ channel: command.channel_id, ts: posted.ts!, text: 'done' });
      await client.chat.postMessage({ channel: command.channel_id, thread_ts: posted.ts!, text: 'details' });
      await respond({ text: 'only for you' });
      await respond({ response_type: 'in_channel', text: 'for everyone' });
    });
    app.event('app_mention', async ({ event, say }) => {
      await say({ text: `hello <@${event.user}>`, thread_ts: event.ts });
    });
    app.action('approve', async ({ ack, body, client, respond }) => {
      await ack();
      await client.views.open({
        trigger_id: (body as { trigger_id: string }).trigger_id,
        view: { type: 'modal', title: { type: 'plain_text', text: 'Approve' }, blocks: [] },
      });
      await respond({ replace_original: true, text: 'approved' });
    });
    const server = (await app.start({ port: 0, host: '127.0.0.1' })) as Server;
    cleanups.push(() => app.stop());
    emu.setBotUrl(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);

    const cmd = await emu.slashCommand({ command: '/net', text: 'ping core-1', channelId: 'C00NETOPS0' });
    expect(cmd.status).toBe(200);
    expect(cmd.body).toEqual({ text: 'queued: ping core-1' });
    await emu.waitFor((c) => c.method === 'response_url' && c.args.response_type === 'in_channel');
    const channel = emu.messages.C00NETOPS0!;
    expect(channel.map((m) => m.text)).toEqual(['done', 'for everyone']);
    expect(channel[0]!.edits.map((e) => e.text)).toEqual(['running…']);
    expect(channel[0]!.replies.map((m) => m.text)).toEqual(['details']);
    expect(emu.ephemerals).toEqual([expect.objectContaining({ text: 'only for you', via: 'response_url' })]);
    expect(emu.responseUrlPosts).toHaveLength(2);

    const mention = await emu.event({
      type: 'app_mention',
      channel: 'C0INCIDENT',
      text: '<@U0NETOPSBT> status',
    });
    expect(mention.status).toBe(200);
    await emu.waitFor((c) => c.method === 'chat.postMessage' && c.args.thread_ts === mention.eventTs);
    const incident = emu.messages.C0INCIDENT!;
    expect(incident).toHaveLength(1);
    expect(incident[0]).toMatchObject({ text: '<@U0NETOPSBT> status', bot: false, via: 'event' });
    expect(incident[0]!.replies[0]!.text).toBe('hello <@U0000ALICE>');

    const target = channel[0]!;
    const click = await emu.interaction({
      type: 'block_actions',
      channel: { id: 'C00NETOPS0' },
      message: { ts: target.ts, text: target.text },
      container: { type: 'message', channel_id: 'C00NETOPS0', message_ts: target.ts },
      actions: [{ type: 'button', action_id: 'approve', block_id: 'b1', value: 'cr-1', action_ts: '1' }],
    });
    expect(click.status).toBe(200);
    await emu.waitFor((c) => c.method === 'response_url' && c.args.replace_original === true);
    const opened = await emu.waitFor('views.open');
    expect(opened.response.ok).toBe(true);
    expect([...emu.views.values()][0]!.view.title).toEqual({ type: 'plain_text', text: 'Approve' });
    expect(emu.message('C00NETOPS0', target.ts)!.text).toBe('approved');
    expect(emu.problems).toEqual([]);

    // A forged request never reaches the app.
    const before = emu.calls.length;
    const bad = await emu.slashCommand(
      { command: '/net', text: 'x' },
      { headers: { 'x-slack-signature': 'v0=00' } },
    );
    expect(bad.status).toBe(401);
    expect(emu.calls.length).toBe(before);
  });

  it('rejects views.open with an unknown or expired trigger_id', async () => {
    let clock = 1_700_000_000_000;
    const emu = await createSlackEmulator({ signingSecret: SECRET, now: () => clock });
    cleanups.push(() => emu.close());
    const app = new App({
      token: 'xoxb-lab',
      signingSecret: SECRET,
      logLevel: LogLevel.ERROR,
      clientOptions: { slackApiUrl: emu.apiUrl, retryConfig: { retries: 0 } },
    });
    const view = { type: 'modal' as const, title: { type: 'plain_text' as const, text: 'x' }, blocks: [] };
    await expect(app.client.views.open({ trigger_id: 'made.up', view })).rejects.toMatchObject({
      data: { error: 'invalid_trigger_id' },
    });
    const trigger = emu.issueTriggerId('U0000ALICE');
    clock += 3001;
    await expect(app.client.views.open({ trigger_id: trigger, view })).rejects.toMatchObject({
      data: { error: 'expired_trigger_id' },
    });
  });

  it('answers url_verification through a real receiver', async () => {
    const emu = await createSlackEmulator({ signingSecret: SECRET });
    cleanups.push(() => emu.close());
    const app = new App({
      token: 'xoxb-lab',
      signingSecret: SECRET,
      logLevel: LogLevel.ERROR,
      clientOptions: { slackApiUrl: emu.apiUrl },
    });
    const server = (await app.start({ port: 0, host: '127.0.0.1' })) as Server;
    cleanups.push(() => app.stop());
    emu.setBotUrl(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    const res = await emu.urlVerification('abc123');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ challenge: 'abc123' });
  });
});
