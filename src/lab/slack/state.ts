/**
 * The emulated workspace: channels → messages → thread replies, with edit history and files.
 * Plain data so a web console (or a test) can render or assert on it directly.
 */

export interface EmuUser {
  id: string;
  name: string;
  real_name: string;
  tz?: string;
  is_bot?: boolean;
}

export interface EmuChannelSpec {
  id: string;
  name: string;
}

export interface EmuUsergroup {
  id: string;
  handle: string;
  users: string[];
}

export interface EmuFile {
  id: string;
  name: string;
  title: string;
  mimetype: string;
  filetype: string;
  size: number;
  /** What the client said it would send (files.getUploadURLExternal `length`). */
  declaredLength: number;
  altText?: string;
  /** Set once the bytes arrive at the upload URL. */
  bytes?: Buffer;
  /** Set by files.completeUploadExternal. */
  completed: boolean;
  channels: string[];
  created: number;
}

export interface EmuEdit {
  at: number;
  /** What the message said before this edit. */
  text: string;
  blocks?: unknown[];
}

export interface EmuMessage {
  ts: string;
  channel: string;
  /** Author: the bot's user id for bot posts, else the human's. */
  user: string;
  bot: boolean;
  text: string;
  blocks?: unknown[];
  /** Set on replies: the parent's ts. Parents have `replies` instead. */
  thread_ts?: string;
  replies: EmuMessage[];
  edits: EmuEdit[];
  files: EmuFile[];
  reactions: { name: string; users: string[] }[];
  /** How it got there, for a console: chat.postMessage, response_url, files.completeUploadExternal, event… */
  via: string;
  /** Message metadata (chat.postMessage `metadata`): what a bot finds its own posts by. */
  metadata?: { event_type: string; event_payload: Record<string, unknown> };
}

export interface EmuEphemeral {
  channel: string;
  user: string;
  text: string;
  blocks?: unknown[];
  thread_ts?: string;
  at: number;
  via: string;
}

export interface EmuView {
  id: string;
  view: Record<string, unknown>;
  hash: string;
  triggerId?: string;
  user?: string;
  updates: number;
}

export interface EmuChannel extends EmuChannelSpec {
  /** Top-level messages, oldest first; replies hang off their parent. */
  messages: EmuMessage[];
}

/**
 * Slack's ts is "<unix seconds>.<6 digits>", unique per channel and increasing. We keep one
 * counter in microseconds for the whole workspace: never behind the clock, always +1 past the last.
 */
export function createTsGenerator(nowMs: () => number): () => string {
  let last = 0n;
  return () => {
    const now = BigInt(Math.floor(nowMs())) * 1000n;
    last = now > last ? now : last + 1n;
    const s = last / 1_000_000n;
    const us = last % 1_000_000n;
    return `${s}.${us.toString().padStart(6, '0')}`;
  };
}

/** Compares two ts strings numerically (string compare fails across second-digit-count changes). */
export function compareTs(a: string, b: string): number {
  const [as = '0', au = '0'] = a.split('.');
  const [bs = '0', bu = '0'] = b.split('.');
  const d =
    BigInt(as) * 1_000_000n +
    BigInt(au.padEnd(6, '0')) -
    (BigInt(bs) * 1_000_000n + BigInt(bu.padEnd(6, '0')));
  return d < 0n ? -1 : d > 0n ? 1 : 0;
}

export interface Workspace {
  teamId: string;
  teamDomain: string;
  botUserId: string;
  botId: string;
  appId: string;
  users: Map<string, EmuUser>;
  channels: Map<string, EmuChannel>;
  usergroups: Map<string, EmuUsergroup>;
  files: Map<string, EmuFile>;
  views: Map<string, EmuView>;
  ephemerals: EmuEphemeral[];
  /** trigger_id → when it was issued; views.open must use one within 3 s, as in Slack. */
  triggers: Map<string, { issuedAt: number; user: string }>;
  /**
   * Things real Slack tolerates but that are almost always bot bugs (a reply to a thread that
   * does not exist, blocks without fallback text, an upload whose size differs from the declared one).
   */
  problems: { at: number; method: string; message: string }[];
  /** The emulator's own base URL (…/), for url_private links; set once it listens. */
  baseUrl: string;
  nextTs: () => string;
  nextId: (prefix: string) => string;
  now: () => number;
}

export function createWorkspace(opts: {
  teamId: string;
  teamDomain: string;
  botUserId: string;
  botId: string;
  appId: string;
  users: EmuUser[];
  channels: EmuChannelSpec[];
  usergroups: EmuUsergroup[];
  now: () => number;
}): Workspace {
  let seq = 0;
  return {
    teamId: opts.teamId,
    teamDomain: opts.teamDomain,
    botUserId: opts.botUserId,
    botId: opts.botId,
    appId: opts.appId,
    users: new Map(opts.users.map((u) => [u.id, u])),
    channels: new Map(opts.channels.map((c) => [c.id, { ...c, messages: [] }])),
    usergroups: new Map(opts.usergroups.map((g) => [g.id, g])),
    files: new Map(),
    views: new Map(),
    ephemerals: [],
    triggers: new Map(),
    problems: [],
    baseUrl: '',
    nextTs: createTsGenerator(opts.now),
    nextId: (prefix) => `${prefix}${(++seq).toString(36).toUpperCase().padStart(9, '0')}`,
    now: opts.now,
  };
}

/** A channel by id, or by name with or without '#', as chat.postMessage accepts. */
export function findChannel(ws: Workspace, ref: unknown): EmuChannel | undefined {
  if (typeof ref !== 'string' || ref === '') return undefined;
  const byId = ws.channels.get(ref);
  if (byId) return byId;
  const name = ref.replace(/^#/, '');
  for (const c of ws.channels.values()) if (c.name === name) return c;
  return undefined;
}

/** A message anywhere in the channel, top-level or reply. */
export function findMessage(channel: EmuChannel, ts: string): EmuMessage | undefined {
  for (const m of channel.messages) {
    if (m.ts === ts) return m;
    const r = m.replies.find((x) => x.ts === ts);
    if (r) return r;
  }
  return undefined;
}

/**
 * Adds a message. A thread_ts naming a reply is re-pointed at its parent (Slack does the same);
 * a thread_ts naming nothing posts top-level, which Slack also does silently — the caller
 * records that as a problem, since it is nearly always a bot bug.
 */
export function addMessage(
  ws: Workspace,
  channel: EmuChannel,
  m: Omit<EmuMessage, 'ts' | 'channel' | 'replies' | 'edits' | 'reactions' | 'thread_ts'> & {
    ts?: string;
    thread_ts?: string;
  },
): { message: EmuMessage; threadMissing: boolean } {
  const ts = m.ts ?? ws.nextTs();
  let parent: EmuMessage | undefined;
  let threadMissing = false;
  if (m.thread_ts) {
    const target = findMessage(channel, m.thread_ts);
    parent = target?.thread_ts ? channel.messages.find((x) => x.ts === target.thread_ts) : target;
    threadMissing = parent === undefined;
  }
  const message: EmuMessage = {
    ts,
    channel: channel.id,
    user: m.user,
    bot: m.bot,
    text: m.text,
    replies: [],
    edits: [],
    files: m.files,
    reactions: [],
    via: m.via,
  };
  if (m.blocks) message.blocks = m.blocks;
  if (m.metadata) message.metadata = m.metadata;
  if (parent) {
    message.thread_ts = parent.ts;
    insertByTs(parent.replies, message);
  } else {
    insertByTs(channel.messages, message);
  }
  return { message, threadMissing };
}

function insertByTs(list: EmuMessage[], m: EmuMessage): void {
  let i = list.length;
  while (i > 0 && compareTs(list[i - 1]!.ts, m.ts) > 0) i--;
  list.splice(i, 0, m);
}

export function editMessage(ws: Workspace, m: EmuMessage, next: { text?: string; blocks?: unknown[] }): void {
  const edit: EmuEdit = { at: ws.now(), text: m.text };
  if (m.blocks) edit.blocks = m.blocks;
  m.edits.push(edit);
  if (next.text !== undefined) m.text = next.text;
  if (next.blocks !== undefined) m.blocks = next.blocks;
}

const MIME: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  svg: 'image/svg+xml',
  txt: 'text/plain',
  log: 'text/plain',
  cfg: 'text/plain',
  conf: 'text/plain',
  diff: 'text/x-diff',
  patch: 'text/x-diff',
  csv: 'text/csv',
  json: 'application/json',
  pdf: 'application/pdf',
};

export function fileTypeOf(filename: string): { filetype: string; mimetype: string } {
  const ext = /\.([A-Za-z0-9]+)$/.exec(filename)?.[1]?.toLowerCase();
  if (!ext) return { filetype: 'binary', mimetype: 'application/octet-stream' };
  return { filetype: ext === 'txt' ? 'text' : ext, mimetype: MIME[ext] ?? 'application/octet-stream' };
}

/** Slack's public view of a message (what chat.* methods return under `message`). */
export function messageJson(
  ws: Workspace,
  m: EmuMessage,
  opts: { metadata?: boolean } = {},
): Record<string, unknown> {
  const out: Record<string, unknown> = {
    type: 'message',
    text: m.text,
    user: m.user,
    ts: m.ts,
    team: ws.teamId,
  };
  if (m.bot) {
    out.bot_id = ws.botId;
    out.app_id = ws.appId;
  }
  if (m.blocks) out.blocks = m.blocks;
  if (m.thread_ts) out.thread_ts = m.thread_ts;
  if (m.edits.length > 0) out.edited = { user: m.user, ts: m.ts };
  if (m.files.length > 0) out.files = m.files.map((f) => fileJson(f, ws.baseUrl));
  // Slack returns metadata only to callers that ask (include_all_metadata) and to the poster.
  if (opts.metadata && m.metadata) out.metadata = m.metadata;
  if (m.replies.length > 0) {
    out.reply_count = m.replies.length;
    out.latest_reply = m.replies[m.replies.length - 1]!.ts;
  }
  return out;
}

export function fileJson(f: EmuFile, baseUrl: string): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: f.id,
    created: Math.floor(f.created / 1000),
    name: f.name,
    title: f.title,
    mimetype: f.mimetype,
    filetype: f.filetype,
    size: f.size,
    channels: f.channels,
  };
  if (baseUrl) out.url_private = `${baseUrl}files/${f.id}/${encodeURIComponent(f.name)}`;
  if (f.altText) out.alt_txt = f.altText;
  return out;
}
