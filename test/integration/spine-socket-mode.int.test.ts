import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Stack, startStack } from '../helpers/stack.js';

const CHANNEL = 'C00NETOPS0';
let s: Stack;

// With SLACK_APP_TOKEN set the bot opens a Socket Mode connection (no public URL): the real Bolt
// SocketModeReceiver, apps.connections.open and a WebSocket to the emulator.
beforeAll(async () => {
  s = await startStack({ env: { SLACK_APP_TOKEN: 'xapp-1-test' } });
  await s.emu.waitFor((c) => c.method === 'apps.connections.open' && c.response.ok === true, 10_000);
  // give the socket its hello
  await new Promise((r) => setTimeout(r, 300));
}, 30_000);
afterAll(async () => {
  await s?.stop();
});

it('runs a slash command that arrives over Socket Mode through the queue to a result', async () => {
  const res = await s.emu.slashCommand({ command: '/net', text: 'devices core*', channelId: CHANNEL });
  expect(res.status).toBe(200);
  expect(res.ms).toBeLessThan(3_000);
  await s.emu.waitFor((c) => c.method === 'chat.update' && /^done/.test(String(c.args.text)), 15_000);
  expect(s.emu.outbound.at(-1)?.kind).toBe('command');
});

it('answers mentions that arrive over Socket Mode in their thread', async () => {
  await s.emu.event({
    type: 'app_mention',
    text: '<@U0NETOPSBT> devices edge2',
    channel: CHANNEL,
    thread_ts: '1700000000.000009',
  });
  await s.emu.waitFor(
    (c) =>
      c.method === 'chat.postMessage' &&
      c.args.thread_ts === '1700000000.000009' &&
      /queued/.test(String(c.args.text)),
    15_000,
  );
});

it('still serves /healthz on its own port in Socket Mode', async () => {
  const h = await fetch(`http://127.0.0.1:${s.bot!.port}/healthz`);
  expect(h.status).toBe(200);
  // and takes no Slack requests over HTTP: everything above came through the socket
  const events = await fetch(`http://127.0.0.1:${s.bot!.port}/slack/events`, { method: 'POST', body: 'x' });
  expect(events.status).toBe(404);
});
