import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { OutboundResult, SendOptions, SlackEmulator } from '../slack/index.js';
import { addMessage, findMessage } from '../slack/state.js';

/** A person in the lab workspace, as the console's user switcher shows them. */
export interface ConsoleUser {
  id: string;
  name: string;
  real_name: string;
  /** What they may do, as the policy grants it (shown next to the name; the bot decides). */
  role?: string;
  tz?: string;
}

export interface WebConsoleOptions {
  emu: SlackEmulator;
  /** The slash command the bot listens for (`slack.command`). */
  command: string;
  /** Shown in the switcher; default: the emulator's users. */
  users?: ConsoleUser[];
  /** Workspace name in the sidebar. */
  title?: string;
}

export interface WebConsole {
  /** http://127.0.0.1:<port>/console/ */
  readonly url: string;
}

/** The browser half lives next to this file as plain HTML/CSS/JS: no bundler, no build step. */
const PUBLIC = new URL('./public/', import.meta.url);
const STATIC: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'console.js': 'text/javascript; charset=utf-8',
  'console.css': 'text/css; charset=utf-8',
};
const MAX_BODY = 1024 * 1024;

/**
 * A forged request, for showing that the bot checks what it is sent: a signature made with the
 * wrong secret, or a timestamp older than Slack's five-minute window.
 */
type Forge = 'signature' | 'stale';

function forgeOptions(forge: unknown): SendOptions | undefined {
  if (forge === 'signature') return { headers: { 'x-slack-signature': `v0=${'0'.repeat(64)}` } };
  if (forge === 'stale') return { timestamp: Math.floor(Date.now() / 1000) - 600 };
  return undefined;
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > MAX_BODY) throw new Error('body too large');
    chunks.push(c as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  const v: unknown = text ? JSON.parse(text) : {};
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('expected a JSON object');
  return v as Record<string, unknown>;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(text);
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** What the page shows after a request the bot turned down (anything but a 200 ack). */
function refusal(result: OutboundResult): string | undefined {
  if (result.status === 200) return undefined;
  const why =
    result.status === 401
      ? 'the signature did not verify'
      : result.status === 408
        ? 'no acknowledgement within 3 s'
        : `HTTP ${result.status}`;
  return `The bot refused the request (${result.status}): ${why}.`;
}

/**
 * The lab's web console: a Slack-like page served from the emulator's own port. Everything a person
 * does in it goes to the bot the way Slack would send it (signed slash commands, app_mention events,
 * block_actions and view_submission payloads), so what works here works in a real workspace.
 */
export function attachWebConsole(options: WebConsoleOptions): WebConsole {
  const { emu } = options;
  const ws = emu.workspace;
  const users: ConsoleUser[] =
    options.users ?? [...ws.users.values()].filter((u) => !u.is_bot).map((u) => ({ ...u }));
  for (const u of users) {
    if (!ws.users.has(u.id)) ws.users.set(u.id, { id: u.id, name: u.name, real_name: u.real_name });
  }
  // Modals a person closed (or the bot cleared); the emulator keeps every view it opened.
  const closedViews = new Set<string>();
  // Ephemerals need an id so a button on one can say where it was.
  const ephemeralIds = new WeakMap<object, string>();
  let ephemeralSeq = 0;
  const ephemeralId = (e: object) => {
    let id = ephemeralIds.get(e);
    if (!id) {
      id = `E${++ephemeralSeq}`;
      ephemeralIds.set(e, id);
    }
    return id;
  };
  let version = 0;
  const streams = new Set<ServerResponse>();
  let pushScheduled = false;
  emu.onChange(() => {
    version++;
    // Progress edits come in bursts; one push per 30 ms is plenty for a page.
    if (pushScheduled) return;
    pushScheduled = true;
    setTimeout(() => {
      pushScheduled = false;
      for (const s of streams) s.write(`data: ${JSON.stringify({ version })}\n\n`);
    }, 30);
  });

  const state = (userId: string) => {
    const snap = emu.snapshot();
    return {
      version,
      command: options.command,
      title: options.title ?? snap.team.domain,
      team: snap.team,
      bot: { ...snap.bot, name: 'netops-bot' },
      users: users.map((u) => ({ ...u })),
      people: snap.users.map((u) => ({ id: u.id, name: u.name, real_name: u.real_name })),
      channels: snap.channels,
      ephemerals: ws.ephemerals
        .filter((e) => e.user === userId)
        .map((e) => ({ id: ephemeralId(e), ...JSON.parse(JSON.stringify(e)) })),
      views: snap.views.filter((v) => v.user === userId && !closedViews.has(v.id)),
    };
  };

  const userOf = (body: Record<string, unknown>) => {
    const id = str(body.user);
    const u = id ? ws.users.get(id) : undefined;
    if (!u) throw new Error(`unknown user ${id}`);
    return u;
  };

  const sendText = async (body: Record<string, unknown>) => {
    const user = userOf(body);
    const channel = ws.channels.get(str(body.channel) ?? '');
    if (!channel) return { ok: false, error: 'channel_not_found' };
    const text = (str(body.text) ?? '').trim();
    const threadTs = str(body.threadTs);
    const forge = forgeOptions(body.forge);
    if (!text) return { ok: false, error: 'empty' };
    if (text.startsWith('/')) {
      if (threadTs) {
        return {
          ok: false,
          notice: `Slack does not run slash commands in threads: type @netops ${text.replace(/^\/\S+\s*/, '')} instead.`,
        };
      }
      const [command = '', ...rest] = text.split(/\s+/);
      if (command !== options.command) {
        return {
          ok: false,
          notice: `${command} is not a valid command. The bot listens for ${options.command}.`,
        };
      }
      const result = await emu.slashCommand(
        { command, text: rest.join(' '), userId: user.id, channelId: channel.id },
        forge,
      );
      // Slack shows an ack that carries a message to the person who typed the command only.
      const ack = result.body;
      if (result.status === 200 && ack && typeof ack === 'object' && 'text' in ack) {
        const a = ack as { text?: string; blocks?: unknown[] };
        ws.ephemerals.push({
          channel: channel.id,
          user: user.id,
          text: a.text ?? '',
          ...(a.blocks ? { blocks: a.blocks } : {}),
          at: Date.now(),
          via: 'ack',
        });
        emu.touch();
      }
      return { ok: result.status === 200, status: result.status, refused: refusal(result) };
    }
    const mention = /^@(\S+)\s*/.exec(text);
    if (mention && ['netops', 'netops-bot', ws.botUserId].includes(mention[1]!)) {
      const result = await emu.event(
        {
          type: 'app_mention',
          text: `<@${ws.botUserId}> ${text.slice(mention[0].length)}`,
          channel: channel.id,
          user: user.id,
          ...(threadTs ? { thread_ts: threadTs } : {}),
        },
        forge,
      );
      return { ok: result.status === 200, status: result.status, refused: refusal(result) };
    }
    // People talking to each other: Slack would send the bot nothing (it only subscribes to mentions).
    addMessage(ws, channel, {
      text,
      ...(threadTs ? { thread_ts: threadTs } : {}),
      user: user.id,
      bot: false,
      files: [],
      via: 'console',
    });
    emu.touch();
    return { ok: true };
  };

  const action = async (body: Record<string, unknown>) => {
    const user = userOf(body);
    const forge = forgeOptions(body.forge);
    const a = (body.action ?? {}) as Record<string, unknown>;
    const actionTs = (Date.now() / 1000).toFixed(6);
    const act = { ...a, action_ts: actionTs };
    const viewId = str(body.viewId);
    if (viewId) {
      const stored = emu.views.get(viewId);
      if (!stored) return { ok: false, error: 'view_not_found' };
      const result = await emu.interaction(
        {
          type: 'block_actions',
          user: { id: user.id },
          container: { type: 'view', view_id: viewId },
          view: viewPayload(stored, body.values),
          actions: [act],
        },
        forge,
      );
      return { ok: result.status === 200, status: result.status, refused: refusal(result) };
    }
    const channel = ws.channels.get(str(body.channel) ?? '');
    if (!channel) return { ok: false, error: 'channel_not_found' };
    const messageTs = str(body.messageTs);
    const message = messageTs ? findMessage(channel, messageTs) : undefined;
    const payload: Record<string, unknown> = {
      type: 'block_actions',
      user: { id: user.id },
      channel: { id: channel.id, name: channel.name },
      actions: [act],
      state: { values: body.values ?? {} },
    };
    if (message) {
      payload.container = {
        type: 'message',
        message_ts: message.ts,
        channel_id: channel.id,
        is_ephemeral: false,
        ...(message.thread_ts ? { thread_ts: message.thread_ts } : {}),
      };
      payload.message = {
        type: 'message',
        ts: message.ts,
        text: message.text,
        user: message.user,
        ...(message.bot ? { bot_id: ws.botId } : {}),
        ...(message.blocks ? { blocks: message.blocks } : {}),
        ...(message.thread_ts ? { thread_ts: message.thread_ts } : {}),
      };
    } else {
      // A button on an ephemeral message: Slack sends no message, only the container.
      payload.container = { type: 'message', channel_id: channel.id, is_ephemeral: true };
    }
    const result = await emu.interaction(payload, forge);
    return { ok: result.status === 200, status: result.status, refused: refusal(result) };
  };

  const submitView = async (body: Record<string, unknown>) => {
    const user = userOf(body);
    const viewId = str(body.viewId) ?? '';
    const stored = emu.views.get(viewId);
    if (!stored || closedViews.has(viewId)) return { ok: false, error: 'view_not_found' };
    const result = await emu.interaction(
      { type: 'view_submission', user: { id: user.id }, view: viewPayload(stored, body.values) },
      forgeOptions(body.forge),
    );
    const refused = refusal(result);
    if (refused) return { ok: false, status: result.status, refused };
    // Slack reads the ack: errors keep the modal open with messages under the inputs; update
    // replaces it; clear closes the whole stack; anything else closes this one.
    const ack = (typeof result.body === 'object' && result.body ? result.body : {}) as {
      response_action?: string;
      errors?: Record<string, string>;
      view?: Record<string, unknown>;
    };
    if (ack.response_action === 'errors') return { ok: false, status: 200, errors: ack.errors ?? {} };
    if ((ack.response_action === 'update' || ack.response_action === 'push') && ack.view) {
      stored.view = ack.view;
      stored.updates++;
      stored.hash = `${Date.now()}.${stored.id}.${stored.updates}`;
    } else if (ack.response_action === 'clear') {
      for (const v of emu.views.values()) if (v.user === user.id) closedViews.add(v.id);
    } else {
      closedViews.add(viewId);
    }
    emu.touch();
    return { ok: true, status: 200 };
  };

  const closeView = async (body: Record<string, unknown>) => {
    const user = userOf(body);
    const viewId = str(body.viewId) ?? '';
    const stored = emu.views.get(viewId);
    if (!stored) return { ok: false, error: 'view_not_found' };
    closedViews.add(viewId);
    emu.touch();
    if (stored.view.notify_on_close === true) {
      const result = await emu.interaction({
        type: 'view_closed',
        user: { id: user.id },
        view: viewPayload(stored, body.values),
        is_cleared: false,
      });
      return { ok: result.status === 200, status: result.status, refused: refusal(result) };
    }
    return { ok: true };
  };

  const viewPayload = (
    stored: { id: string; view: Record<string, unknown>; hash: string },
    values: unknown,
  ) => ({
    ...stored.view,
    id: stored.id,
    team_id: ws.teamId,
    hash: stored.hash,
    app_id: ws.appId,
    bot_id: ws.botId,
    state: { values: values && typeof values === 'object' ? values : {} },
  });

  const routes: Record<string, (body: Record<string, unknown>) => Promise<unknown>> = {
    send: sendText,
    action,
    'view-submit': submitView,
    'view-close': closeView,
  };

  emu.mount(async (req, res, url) => {
    const path = url.pathname;
    if (path === '/' && req.method === 'GET') {
      res.writeHead(302, { location: '/console/' }).end();
      return true;
    }
    if (!path.startsWith('/console/')) return false;
    const rest = path.slice('/console/'.length);
    if (req.method === 'GET' && (rest === '' || STATIC[rest])) {
      const name = rest || 'index.html';
      // Read on every request so an edit to the page shows on reload.
      const body = readFileSync(new URL(name, PUBLIC));
      res.writeHead(200, { 'content-type': STATIC[name]!, 'cache-control': 'no-store' }).end(body);
      return true;
    }
    if (req.method === 'GET' && rest === 'api/state') {
      json(res, 200, state(url.searchParams.get('user') ?? ''));
      return true;
    }
    if (req.method === 'GET' && rest === 'api/events') {
      res.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-store',
        connection: 'keep-alive',
      });
      res.write(`data: ${JSON.stringify({ version })}\n\n`);
      streams.add(res);
      req.on('close', () => streams.delete(res));
      return true;
    }
    const route = req.method === 'POST' && rest.startsWith('api/') ? routes[rest.slice(4)] : undefined;
    if (route) {
      try {
        json(res, 200, await route(await readJson(req)));
      } catch (err) {
        json(res, 400, { ok: false, error: (err as Error).message });
      }
      return true;
    }
    return false;
  });

  return { url: `${emu.url}console/` };
}

export type { Forge };
