import { randomBytes } from 'node:crypto';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseBody } from './body.js';
import { METHODS, type MethodResult } from './methods.js';
import { type SlackSignatureHeaders, slackSignatureHeaders } from './signing.js';
import {
  type EmuChannel,
  type EmuChannelSpec,
  type EmuEphemeral,
  type EmuFile,
  type EmuMessage,
  type EmuUser,
  type EmuUsergroup,
  type EmuView,
  type Workspace,
  addMessage,
  createWorkspace,
  editMessage,
  findChannel,
  findMessage,
} from './state.js';
import { createSocketModeServer } from './socket-mode.js';
import { validateMessage } from './validate.js';

export interface SlackEmulatorOptions {
  signingSecret: string;
  /** Where the bot's HTTP receiver listens, e.g. http://127.0.0.1:3000. Needed for outbound requests. */
  botUrl?: string;
  /** Path of the receiver's endpoint (Bolt's default). */
  botPath?: string;
  port?: number;
  teamId?: string;
  teamDomain?: string;
  botUserId?: string;
  users?: EmuUser[];
  channels?: EmuChannelSpec[];
  usergroups?: EmuUsergroup[];
  /** Clock in ms; trigger_id expiry and ts values follow it. */
  now?: () => number;
  /** Seed for faults given a `probability`, so a failing run can be replayed. */
  seed?: number;
}

/**
 * What Slack does wrong, on chosen calls: `ratelimited` answers 429 with Retry-After and does
 * nothing; `error` answers 500 and does nothing; `error-after-commit` does the call (the message
 * is posted, the edit made) and then answers 500, as Slack sometimes does under load; `refused`
 * answers 200 with `ok: false` and the spec's `error` (channel_not_found, invalid_auth, …) and
 * does nothing, as Slack does for a call that can never succeed.
 */
export type FaultKind = 'ratelimited' | 'error' | 'error-after-commit' | 'refused';

export interface FaultSpec {
  /** Web API method, or '*' for every method. */
  method: string;
  /** Only calls about this channel (their `channel` or `channel_id`). */
  channel?: string;
  kind: FaultKind;
  /** How many matching calls get the fault. Default 1, or unlimited when `probability` is set. */
  times?: number;
  /** Each matching call gets the fault with this chance (0–1; seeded, so runs repeat). */
  probability?: number;
  /** For `ratelimited`; default 1. */
  retryAfterSec?: number;
  /** HTTP status for the error kinds; default 500. */
  status?: number;
  /** Slack's error name for `refused`; default channel_not_found. */
  error?: string;
}

export interface Fault {
  readonly spec: FaultSpec;
  /** Calls that got this fault so far. */
  readonly hits: number;
  remove(): void;
}

export interface RecordedCall {
  /** Web API method name, or 'upload' for the bytes POSTed to an upload_url. */
  method: string;
  args: Record<string, unknown>;
  token: string | undefined;
  at: number;
  /** HTTP status sent back (429 when rate limited, 5xx for injected errors). */
  status: number;
  /** What the method did; for `error-after-commit` the committed result the caller never saw. */
  response: MethodResult;
  /** The injected fault, if any. */
  fault?: FaultKind;
}

export interface ResponseUrlPost {
  id: string;
  /** What the response_url was issued for. */
  origin: { kind: 'command' | 'interaction'; channelId?: string; userId: string; messageTs?: string };
  body: Record<string, unknown>;
  at: number;
  status: number;
  error?: string;
}

export interface OutboundResult {
  status: number;
  /** Parsed JSON when the bot answered JSON, else the text ('' for an empty ack). */
  body: unknown;
  ms: number;
  responseUrl?: string;
  triggerId?: string;
}

/** Lets tests forge what Slack would never send. */
export interface SendOptions {
  timestamp?: number;
  headers?: Record<string, string>;
}

export interface SlashCommandInput {
  command: string;
  text?: string;
  userId?: string;
  channelId?: string;
  /**
   * Real Slack does not send thread_ts with slash commands; this adds it as `thread_ts` for
   * bots that want to be ready should it ever appear. Leave unset to behave like Slack.
   */
  threadTs?: string;
}

export interface OutboundRecord {
  kind: 'command' | 'interaction' | 'event' | 'url_verification';
  body: string;
  result: OutboundResult;
  at: number;
}

export interface WorkspaceSnapshot {
  team: { id: string; domain: string };
  bot: { userId: string; botId: string; appId: string };
  users: EmuUser[];
  channels: { id: string; name: string; messages: EmuMessage[] }[];
  ephemerals: EmuEphemeral[];
  views: EmuView[];
  files: Omit<EmuFile, 'bytes'>[];
  problems: Workspace['problems'];
}

export interface SlackEmulator {
  readonly url: string;
  /** Pass as `slackApiUrl` to WebClient / Bolt `clientOptions`. Ends with '/'. */
  readonly apiUrl: string;
  readonly calls: RecordedCall[];
  /** Top-level messages per channel id, oldest first, replies under each. */
  readonly messages: Record<string, EmuMessage[]>;
  readonly channels: Map<string, EmuChannel>;
  readonly ephemerals: EmuEphemeral[];
  readonly files: Map<string, EmuFile>;
  readonly views: Map<string, EmuView>;
  readonly responseUrlPosts: ResponseUrlPost[];
  readonly outbound: OutboundRecord[];
  readonly problems: Workspace['problems'];
  readonly workspace: Workspace;
  /** Any message (top-level or reply) by channel and ts. */
  message(channelId: string, ts: string): EmuMessage | undefined;
  waitFor(pred: string | ((call: RecordedCall) => boolean), timeoutMs?: number): Promise<RecordedCall>;
  slashCommand(input: SlashCommandInput, opts?: SendOptions): Promise<OutboundResult>;
  interaction(payload: Record<string, unknown>, opts?: SendOptions): Promise<OutboundResult>;
  /**
   * Submits an open modal as the user would: a signed view_submission with the view as opened and
   * `values` (block_id → text) as what was typed. An answer of `response_action: errors` keeps the
   * modal open, as Slack does.
   */
  submitView(
    viewId: string,
    values: Record<string, string>,
    userId?: string,
    opts?: SendOptions,
  ): Promise<OutboundResult>;
  event(event: Record<string, unknown>, opts?: SendOptions): Promise<OutboundResult & { eventTs: string }>;
  urlVerification(challenge?: string): Promise<OutboundResult>;
  sign(body: string, timestamp?: number): SlackSignatureHeaders;
  setRateLimit(method: string, limit: { retryAfterSec: number; times: number }): void;
  /** Makes chosen calls fail the way Slack does (429, 500, 500 after committing). */
  fault(spec: FaultSpec): Fault;
  clearFaults(): void;
  /** JSON-safe copy of the workspace (file bytes left out) for a console or a failure dump. */
  snapshot(): WorkspaceSnapshot;
  /** Forgets calls, messages, files, views and posts, keeping users/channels: one emulator, many tests. */
  reset(): void;
  /** For when the bot starts after the emulator (it needs apiUrl first). */
  setBotUrl(botUrl: string, path?: string): void;
  issueTriggerId(userId: string): string;
  /**
   * Calls `listener` after anything in the workspace may have changed (an API call, a response_url
   * post, an event): the web console pushes this to browsers. Returns the unsubscribe function.
   */
  onChange(listener: () => void): () => void;
  /** For state changed from outside the Web API (a person's message typed in the web console). */
  touch(): void;
  /**
   * Serves extra paths from the emulator's own port (the web console). A handler answers true when
   * it took the request; the Web API paths are tried first.
   */
  mount(handler: ExtraRoute): void;
  close(): Promise<void>;
}

export type ExtraRoute = (req: IncomingMessage, res: ServerResponse, url: URL) => boolean | Promise<boolean>;

const DEFAULT_USERS: EmuUser[] = [
  { id: 'U0000ALICE', name: 'alice', real_name: 'Alice Operator', tz: 'Europe/Paris' },
  { id: 'U00000BOB0', name: 'bob', real_name: 'Bob Engineer', tz: 'America/New_York' },
  // Three people with different roles in netops.example.yaml's policy: operator, approver, viewer.
  { id: 'U0000CAROL', name: 'carol', real_name: 'Carol Viewer', tz: 'Europe/London' },
];
/** @neteng: the approvers' user group in netops.example.yaml (Bob is in it). */
const DEFAULT_USERGROUPS: EmuUsergroup[] = [{ id: 'S00NETENG0', handle: 'neteng', users: ['U00000BOB0'] }];
const DEFAULT_CHANNELS: EmuChannelSpec[] = [
  { id: 'C00NETOPS0', name: 'netops' },
  { id: 'C0INCIDENT', name: 'incidents' },
];
/** Slack lets a response_url be used five times. */
const RESPONSE_URL_USES = 5;
const MAX_BODY = 64 * 1024 * 1024;

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error('body too large'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

function describeCall(c: RecordedCall): string {
  const args = JSON.stringify(c.args);
  const outcome = c.response.ok ? 'ok' : c.response.error;
  return `  ${c.method} [${c.status} ${outcome}] ${args.length > 300 ? `${args.slice(0, 300)}…` : args}`;
}

/**
 * POST to the bot. A kept-alive connection the bot closed just as the request went out (a reset
 * before any response: the request never reached it) is tried once more on a fresh connection;
 * anything after a response started is the bot's answer.
 */
async function postOnce(url: string, headers: Record<string, string>, body: string): Promise<Response> {
  try {
    return await fetch(url, { method: 'POST', headers, body });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause;
    if (cause?.code !== 'ECONNRESET' && cause?.code !== 'UND_ERR_SOCKET') throw err;
    return fetch(url, { method: 'POST', headers: { ...headers, connection: 'close' }, body });
  }
}

export async function createSlackEmulator(options: SlackEmulatorOptions): Promise<SlackEmulator> {
  const now = options.now ?? Date.now;
  const ws = createWorkspace({
    teamId: options.teamId ?? 'T0EMULATOR',
    teamDomain: options.teamDomain ?? 'netops-lab',
    botUserId: options.botUserId ?? 'U0NETOPSBT',
    botId: 'B0NETOPSBT',
    appId: 'A0NETOPSAP',
    users: options.users ?? DEFAULT_USERS,
    channels: options.channels ?? DEFAULT_CHANNELS,
    usergroups: (options.usergroups ?? DEFAULT_USERGROUPS).map((g) => ({ ...g, users: [...g.users] })),
    now,
  });
  const endpointOf = (botUrl: string, path = options.botPath ?? '/slack/events') =>
    new URL(path, botUrl).toString();
  let botEndpoint = options.botUrl ? endpointOf(options.botUrl) : undefined;
  const calls: RecordedCall[] = [];
  const responseUrlPosts: ResponseUrlPost[] = [];
  const outbound: OutboundRecord[] = [];
  const faults: Array<FaultSpec & { hits: number; left: number }> = [];
  const random = seededRandom(options.seed ?? 1);
  const faultFor = (method: string, args: Record<string, unknown>) => {
    const channel = str(args.channel) ?? str(args.channel_id);
    for (const f of faults) {
      if (f.left <= 0) continue;
      if (f.method !== '*' && f.method !== method) continue;
      if (f.channel !== undefined && f.channel !== channel) continue;
      if (f.probability !== undefined && random() >= f.probability) continue;
      f.left--;
      f.hits++;
      return f;
    }
    return undefined;
  };
  const responseUrls = new Map<string, { origin: ResponseUrlPost['origin']; uses: number }>();
  const waiters = new Set<(c: RecordedCall) => void>();
  const changeListeners = new Set<() => void>();
  const extraRoutes: ExtraRoute[] = [];
  const changed = () => {
    for (const l of [...changeListeners]) l();
  };

  const record = (call: RecordedCall) => {
    calls.push(call);
    for (const w of [...waiters]) w(call);
    changed();
  };

  const tokenOf = (req: IncomingMessage, fields: Record<string, unknown>): string | undefined => {
    const auth = req.headers.authorization;
    if (auth?.startsWith('Bearer ')) return auth.slice('Bearer '.length).trim();
    return typeof fields.token === 'string' ? fields.token : undefined;
  };

  const handleApi = async (
    req: IncomingMessage,
    res: ServerResponse,
    method: string,
    query: URLSearchParams,
  ) => {
    const raw = await readBody(req);
    let args: Record<string, unknown>;
    try {
      args = { ...Object.fromEntries(query), ...parseBody(req.headers['content-type'], raw).fields };
    } catch {
      const response = { ok: false, error: 'invalid_json' } as MethodResult;
      record({ method, args: {}, token: undefined, at: now(), status: 200, response });
      return sendJson(res, 200, response);
    }
    const token = tokenOf(req, args);
    const { token: _omit, ...recordedArgs } = args;
    const finish = (
      status: number,
      response: MethodResult,
      headers: Record<string, string> = {},
      fault?: { kind: FaultKind; body: MethodResult },
    ) => {
      record({
        method,
        args: recordedArgs,
        token,
        at: now(),
        status,
        response,
        ...(fault ? { fault: fault.kind } : {}),
      });
      sendJson(res, status, fault?.body ?? response, headers);
    };
    if (method === 'apps.connections.open') {
      if (!token) return finish(200, { ok: false, error: 'not_authed' });
      if (!token.startsWith('xapp-')) return finish(200, { ok: false, error: 'invalid_auth' });
      return finish(200, {
        ok: true,
        url: `ws://127.0.0.1:${port}${socketMode.path}?ticket=${ws.nextId('T')}`,
      });
    }
    const handler = METHODS[method];
    if (!handler) return finish(200, { ok: false, error: 'unknown_method' });
    if (!token) return finish(200, { ok: false, error: 'not_authed' });
    if (!token.startsWith('xoxb-')) return finish(200, { ok: false, error: 'invalid_auth' });
    const fault = faultFor(method, args);
    if (fault?.kind === 'ratelimited') {
      const body = { ok: false, error: 'ratelimited' } as MethodResult;
      return finish(
        429,
        body,
        { 'retry-after': String(fault.retryAfterSec ?? 1) },
        { kind: fault.kind, body },
      );
    }
    if (fault?.kind === 'refused') {
      const body = { ok: false, error: fault.error ?? 'channel_not_found' } as MethodResult;
      return finish(200, body, {}, { kind: fault.kind, body });
    }
    if (fault) {
      const body = { ok: false, error: 'internal_error' } as MethodResult;
      // error-after-commit: the work is done; only the answer is lost.
      const response = fault.kind === 'error-after-commit' ? handler(ws, args) : body;
      return finish(fault.status ?? 500, response, {}, { kind: fault.kind, body });
    }
    return finish(200, handler(ws, args));
  };

  const handleUpload = async (req: IncomingMessage, res: ServerResponse, fileId: string) => {
    const raw = await readBody(req);
    const file = ws.files.get(fileId);
    const token = tokenOf(req, {});
    if (!file) {
      const response = { ok: false, error: 'file_not_found' } as MethodResult;
      record({ method: 'upload', args: { file_id: fileId }, token, at: now(), status: 404, response });
      res.writeHead(404).end('file_not_found');
      return;
    }
    let parsed: ReturnType<typeof parseBody>;
    try {
      parsed = parseBody(req.headers['content-type'], raw);
    } catch {
      parsed = { fields: {}, files: [], kind: 'raw' };
    }
    // The SDK sends multipart with one file part; curl-style clients send the raw bytes.
    const bytes = parsed.kind === 'multipart' ? (parsed.files[0]?.data ?? Buffer.alloc(0)) : raw;
    file.bytes = bytes;
    file.size = bytes.length;
    if (bytes.length !== file.declaredLength) {
      ws.problems.push({
        at: now(),
        method: 'upload',
        message: `file ${fileId}: declared length ${file.declaredLength}, received ${bytes.length} bytes`,
      });
    }
    record({
      method: 'upload',
      args: { file_id: fileId, size: bytes.length, encoding: parsed.kind },
      token,
      at: now(),
      status: 200,
      response: { ok: true },
    });
    res.writeHead(200, { 'content-type': 'text/plain' }).end(`OK - ${bytes.length}`);
  };

  const handleResponseUrl = async (req: IncomingMessage, res: ServerResponse, id: string) => {
    const raw = await readBody(req);
    const entry = responseUrls.get(id);
    let body: Record<string, unknown> = {};
    try {
      const parsed = parseBody(req.headers['content-type'] ?? 'application/json', raw);
      body =
        typeof parsed.fields.payload === 'object' ? (parsed.fields.payload as typeof body) : parsed.fields;
    } catch {
      body = { unparsable: raw.toString('utf8') };
    }
    const post: ResponseUrlPost = {
      id,
      origin: entry?.origin ?? { kind: 'command', userId: '' },
      body,
      at: now(),
      status: 200,
    };
    const reply = (status: number, error?: string) => {
      post.status = status;
      if (error) post.error = error;
      responseUrlPosts.push(post);
      for (const w of [...waiters]) w(responseUrlCall(post));
      changed();
      if (error) sendJson(res, status, { ok: false, error });
      else sendJson(res, status, { ok: true });
    };
    if (!entry) return reply(404, 'invalid_url');
    if (++entry.uses > RESPONSE_URL_USES) return reply(404, 'used_url');
    const { origin } = entry;
    const channel = origin.channelId ? ws.channels.get(origin.channelId) : undefined;
    const original = channel && origin.messageTs ? findMessage(channel, origin.messageTs) : undefined;
    if (body.delete_original === true || body.delete_original === 'true') {
      if (!channel || !original) return reply(404, 'message_not_found');
      removeMessage(channel, original);
      return reply(200);
    }
    const invalid = validateMessage(body);
    if (invalid) return reply(400, invalid.error);
    const text = typeof body.text === 'string' ? body.text : '';
    const blocks = Array.isArray(body.blocks) ? body.blocks : undefined;
    if ((body.replace_original === true || body.replace_original === 'true') && original) {
      editMessage(ws, original, { text, ...(blocks ? { blocks } : {}) });
      return reply(200);
    }
    const threadTs = typeof body.thread_ts === 'string' ? body.thread_ts : undefined;
    if (body.response_type === 'in_channel' && channel) {
      addMessage(ws, channel, {
        text,
        ...(blocks ? { blocks } : {}),
        ...(threadTs ? { thread_ts: threadTs } : {}),
        user: ws.botUserId,
        bot: true,
        files: [],
        via: 'response_url',
      });
      return reply(200);
    }
    const eph: EmuEphemeral = {
      channel: origin.channelId ?? '',
      user: origin.userId,
      text,
      at: now(),
      via: 'response_url',
    };
    if (blocks) eph.blocks = blocks;
    if (threadTs) eph.thread_ts = threadTs;
    ws.ephemerals.push(eph);
    return reply(200);
  };

  const handleFileGet = (res: ServerResponse, id: string) => {
    const f = ws.files.get(id);
    if (!f?.bytes) {
      res.writeHead(404).end('file_not_found');
      return;
    }
    res.writeHead(200, { 'content-type': f.mimetype, 'content-length': f.bytes.length }).end(f.bytes);
  };

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://emulator');
    const parts = url.pathname.split('/').filter(Boolean);
    const run = async () => {
      if (parts[0] === 'api' && parts[1]) return handleApi(req, res, parts[1], url.searchParams);
      if (req.method === 'POST' && parts[0] === 'upload' && parts[1]) return handleUpload(req, res, parts[1]);
      if (req.method === 'POST' && parts[0] === 'response' && parts[1]) {
        return handleResponseUrl(req, res, parts[1]);
      }
      if (req.method === 'GET' && parts[0] === 'files' && parts[1]) return handleFileGet(res, parts[1]);
      for (const route of extraRoutes) if (await route(req, res, url)) return;
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    };
    run().catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { ok: false, error: 'emulator_error', detail: String(err) });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const socketMode = createSocketModeServer({ server, appId: ws.appId });
  const base = `http://127.0.0.1:${port}/`;
  ws.baseUrl = base;

  const issueTriggerId = (userId: string): string => {
    const id = `${Math.floor(now() / 1000)}.${randomBytes(4).readUInt32BE()}.${randomBytes(16).toString('hex')}`;
    ws.triggers.set(id, { issuedAt: now(), user: userId });
    return id;
  };
  const issueResponseUrl = (origin: ResponseUrlPost['origin']): string => {
    const id = randomBytes(12).toString('hex');
    responseUrls.set(id, { origin, uses: 0 });
    return `${base}response/${id}`;
  };

  const send = async (
    kind: OutboundRecord['kind'],
    body: string,
    contentType: string,
    opts: SendOptions = {},
  ): Promise<OutboundResult> => {
    // A connected Socket Mode app gets everything over its socket, as Slack does.
    if (socketMode.connected > 0) {
      const payload =
        kind === 'event' || kind === 'url_verification'
          ? JSON.parse(body)
          : kind === 'interaction'
            ? JSON.parse(new URLSearchParams(body).get('payload') ?? '{}')
            : Object.fromEntries(new URLSearchParams(body));
      const type =
        kind === 'command' ? 'slash_commands' : kind === 'interaction' ? 'interactive' : 'events_api';
      const r = await socketMode.deliver(type, payload);
      const result: OutboundResult = { status: r.acked ? 200 : 408, body: r.body ?? '', ms: r.ms };
      outbound.push({ kind, body, result, at: now() });
      return result;
    }
    if (!botEndpoint)
      throw new Error('slack emulator: no botUrl; pass it to createSlackEmulator or call setBotUrl');
    const timestamp = opts.timestamp ?? Math.floor(now() / 1000);
    const headers = {
      'content-type': contentType,
      ...slackSignatureHeaders(options.signingSecret, body, timestamp),
      ...opts.headers,
    };
    const started = performance.now();
    const res = await postOnce(botEndpoint, headers, body);
    const text = await res.text();
    const ms = performance.now() - started;
    let parsed: unknown = text;
    if ((res.headers.get('content-type') ?? '').includes('json') && text) {
      try {
        parsed = JSON.parse(text);
      } catch {
        // leave as text
      }
    }
    const result: OutboundResult = { status: res.status, body: parsed, ms };
    outbound.push({ kind, body, result, at: now() });
    return result;
  };

  const userOf = (id: string | undefined) => {
    const u = (id ? ws.users.get(id) : undefined) ?? [...ws.users.values()][0];
    if (!u) throw new Error('createSlackEmulator: no users configured');
    return u;
  };

  const emulator: SlackEmulator = {
    url: base,
    apiUrl: `${base}api/`,
    calls,
    get messages() {
      const out: Record<string, EmuMessage[]> = {};
      for (const c of ws.channels.values()) out[c.id] = c.messages;
      return out;
    },
    channels: ws.channels,
    ephemerals: ws.ephemerals,
    files: ws.files,
    views: ws.views,
    responseUrlPosts,
    outbound,
    problems: ws.problems,
    workspace: ws,
    message(channelId, ts) {
      const c = ws.channels.get(channelId);
      return c ? findMessage(c, ts) : undefined;
    },
    waitFor(pred, timeoutMs = 5000) {
      const match = typeof pred === 'string' ? (c: RecordedCall) => c.method === pred : pred;
      const seen = [...calls, ...responseUrlPosts.map(responseUrlCall)].find(match);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const waiter = (c: RecordedCall) => {
          if (!match(c)) return;
          clearTimeout(timer);
          waiters.delete(waiter);
          resolve(c);
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          const dump = calls.length > 0 ? calls.map(describeCall).join('\n') : '  (none)';
          const what = typeof pred === 'string' ? pred : 'a matching call';
          reject(new Error(`slack emulator: no ${what} within ${timeoutMs} ms. Calls so far:\n${dump}`));
        }, timeoutMs);
        waiters.add(waiter);
      });
    },
    async slashCommand(input, opts) {
      const user = userOf(input.userId);
      const channel = findChannel(ws, input.channelId ?? [...ws.channels.keys()][0]);
      if (!channel) throw new Error(`slashCommand: unknown channel ${input.channelId}`);
      const triggerId = issueTriggerId(user.id);
      const responseUrl = issueResponseUrl({ kind: 'command', channelId: channel.id, userId: user.id });
      const fields: Record<string, string> = {
        token: 'emulator-verification-token',
        team_id: ws.teamId,
        team_domain: ws.teamDomain,
        channel_id: channel.id,
        channel_name: channel.name,
        user_id: user.id,
        user_name: user.name,
        command: input.command,
        text: input.text ?? '',
        api_app_id: ws.appId,
        is_enterprise_install: 'false',
        response_url: responseUrl,
        trigger_id: triggerId,
      };
      if (input.threadTs) fields.thread_ts = input.threadTs;
      const body = new URLSearchParams(fields).toString();
      const result = await send('command', body, 'application/x-www-form-urlencoded', opts);
      return { ...result, responseUrl, triggerId };
    },
    async interaction(payload, opts) {
      const given = payload.user as { id?: string } | undefined;
      const user = userOf(given?.id);
      const triggerId = issueTriggerId(user.id);
      const full: Record<string, unknown> = {
        team: { id: ws.teamId, domain: ws.teamDomain },
        user: { id: user.id, username: user.name, name: user.name, team_id: ws.teamId },
        api_app_id: ws.appId,
        token: 'emulator-verification-token',
        trigger_id: triggerId,
        ...payload,
      };
      let responseUrl: string | undefined;
      if (full.type === 'block_actions' && full.response_url === undefined) {
        const container = (full.container ?? {}) as { channel_id?: string; message_ts?: string };
        const channelObj = full.channel as { id?: string } | undefined;
        const message = full.message as { ts?: string } | undefined;
        const channelId = channelObj?.id ?? container.channel_id;
        const messageTs = message?.ts ?? container.message_ts;
        if (channelId) {
          responseUrl = issueResponseUrl({
            kind: 'interaction',
            channelId,
            userId: user.id,
            ...(messageTs ? { messageTs } : {}),
          });
          full.response_url = responseUrl;
        }
      }
      const body = new URLSearchParams({ payload: JSON.stringify(full) }).toString();
      const result = await send('interaction', body, 'application/x-www-form-urlencoded', opts);
      return { ...result, triggerId, ...(responseUrl ? { responseUrl } : {}) };
    },
    async submitView(viewId, values, userId, opts) {
      const stored = ws.views.get(viewId);
      if (!stored) throw new Error(`submitView: no open view ${viewId}`);
      const blocks = (stored.view.blocks as Array<Record<string, unknown>> | undefined) ?? [];
      const state: Record<string, Record<string, Record<string, unknown>>> = {};
      for (const b of blocks) {
        if (b.type !== 'input') continue;
        const el = b.element as { action_id: string; type: string };
        const typed = values[b.block_id as string];
        state[b.block_id as string] = {
          [el.action_id]: { type: el.type, value: typed === undefined || typed === '' ? null : typed },
        };
      }
      const unknown = Object.keys(values).filter((k) => !(k in state));
      if (unknown.length) throw new Error(`submitView: the view has no input blocks ${unknown.join(', ')}`);
      return emulator.interaction(
        {
          type: 'view_submission',
          user: { id: userId ?? stored.user ?? userOf(undefined).id },
          view: {
            id: stored.id,
            team_id: ws.teamId,
            type: stored.view.type,
            callback_id: stored.view.callback_id,
            private_metadata: stored.view.private_metadata ?? '',
            blocks,
            hash: stored.hash,
            app_id: ws.appId,
            bot_id: ws.botId,
            state: { values: state },
          },
        },
        opts,
      );
    },
    async event(event, opts) {
      const e: Record<string, unknown> = { ...event };
      const channelId = typeof e.channel === 'string' ? e.channel : undefined;
      const channel = channelId ? ws.channels.get(channelId) : undefined;
      if (typeof e.ts !== 'string') e.ts = ws.nextTs();
      if (e.event_ts === undefined) e.event_ts = e.ts;
      if (e.user === undefined && (e.type === 'app_mention' || e.type === 'message'))
        e.user = userOf(undefined).id;
      // A mention is also a message people see in the channel; put it there so bot replies can thread on it.
      if (channel && (e.type === 'app_mention' || e.type === 'message') && typeof e.text === 'string') {
        if (!findMessage(channel, e.ts as string)) {
          addMessage(ws, channel, {
            ts: e.ts as string,
            text: e.text,
            ...(typeof e.thread_ts === 'string' ? { thread_ts: e.thread_ts } : {}),
            user: String(e.user),
            bot: false,
            files: [],
            via: 'event',
          });
          changed();
        }
      }
      const envelope = {
        token: 'emulator-verification-token',
        team_id: ws.teamId,
        api_app_id: ws.appId,
        event: e,
        type: 'event_callback',
        event_id: ws.nextId('Ev'),
        event_time: Math.floor(now() / 1000),
        authorizations: [
          {
            enterprise_id: null,
            team_id: ws.teamId,
            user_id: ws.botUserId,
            is_bot: true,
            is_enterprise_install: false,
          },
        ],
        is_ext_shared_channel: false,
      };
      const result = await send('event', JSON.stringify(envelope), 'application/json', opts);
      return { ...result, eventTs: e.ts as string };
    },
    urlVerification(challenge = randomBytes(16).toString('hex')) {
      const body = JSON.stringify({
        token: 'emulator-verification-token',
        challenge,
        type: 'url_verification',
      });
      return send('url_verification', body, 'application/json');
    },
    sign: (body, timestamp) =>
      slackSignatureHeaders(options.signingSecret, body, timestamp ?? Math.floor(now() / 1000)),
    setRateLimit(method, limit) {
      emulator.fault({ method, kind: 'ratelimited', times: limit.times, retryAfterSec: limit.retryAfterSec });
    },
    fault(spec) {
      if (spec.probability !== undefined && !(spec.probability >= 0 && spec.probability <= 1)) {
        throw new Error(`fault: probability must be within 0..1, got ${spec.probability}`);
      }
      const entry = {
        ...spec,
        hits: 0,
        left: spec.times ?? (spec.probability !== undefined ? Number.POSITIVE_INFINITY : 1),
      };
      faults.push(entry);
      return {
        spec,
        get hits() {
          return entry.hits;
        },
        remove() {
          const i = faults.indexOf(entry);
          if (i >= 0) faults.splice(i, 1);
        },
      };
    },
    clearFaults() {
      faults.length = 0;
    },
    snapshot() {
      const state: WorkspaceSnapshot = {
        team: { id: ws.teamId, domain: ws.teamDomain },
        bot: { userId: ws.botUserId, botId: ws.botId, appId: ws.appId },
        users: [...ws.users.values()],
        channels: [...ws.channels.values()].map((c) => ({ id: c.id, name: c.name, messages: c.messages })),
        ephemerals: ws.ephemerals,
        views: [...ws.views.values()],
        files: [...ws.files.values()],
        problems: ws.problems,
      };
      // Round-trip through JSON so the copy shares nothing with live state; bytes stay out.
      return JSON.parse(JSON.stringify(state, (k, v) => (k === 'bytes' ? undefined : v)));
    },
    reset() {
      calls.length = 0;
      responseUrlPosts.length = 0;
      outbound.length = 0;
      ws.ephemerals.length = 0;
      ws.problems.length = 0;
      ws.files.clear();
      ws.views.clear();
      ws.triggers.clear();
      responseUrls.clear();
      faults.length = 0;
      for (const c of ws.channels.values()) c.messages = [];
      changed();
    },
    setBotUrl(botUrl, path) {
      botEndpoint = endpointOf(botUrl, path);
    },
    issueTriggerId,
    onChange(listener) {
      changeListeners.add(listener);
      return () => changeListeners.delete(listener);
    },
    touch: changed,
    mount(handler) {
      extraRoutes.push(handler);
    },
    close() {
      return new Promise((resolve) => {
        socketMode.close();
        server.closeAllConnections();
        server.close(() => resolve());
      });
    },
  };
  return emulator;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** mulberry32: tiny, seeded, good enough to pick which calls fail. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** response_url POSTs also wake waitFor, as pseudo-calls named 'response_url'. */
function responseUrlCall(p: ResponseUrlPost): RecordedCall {
  return {
    method: 'response_url',
    args: p.body,
    token: undefined,
    at: p.at,
    status: p.status,
    response: p.error ? { ok: false, error: p.error } : { ok: true },
  };
}

function removeMessage(channel: EmuChannel, m: EmuMessage): void {
  if (m.thread_ts) {
    const parent = channel.messages.find((x) => x.ts === m.thread_ts);
    if (parent) parent.replies = parent.replies.filter((x) => x !== m);
  } else {
    channel.messages = channel.messages.filter((x) => x !== m);
  }
}
