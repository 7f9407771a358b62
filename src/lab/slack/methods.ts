import {
  type EmuFile,
  type EmuMessage,
  type Workspace,
  addMessage,
  editMessage,
  fileJson,
  fileTypeOf,
  findChannel,
  findMessage,
  messageJson,
} from './state.js';
import { validateMessage } from './validate.js';

export type MethodResult = Record<string, unknown> & { ok: boolean; error?: string };
export type MethodHandler = (ws: Workspace, args: Record<string, unknown>) => MethodResult;

/** Slack lets a trigger_id open a modal for 3 seconds after the user acted. */
export const TRIGGER_TTL_MS = 3000;

const fail = (error: string, extra: Record<string, unknown> = {}): MethodResult => ({
  ok: false,
  error,
  ...extra,
});

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

function problem(ws: Workspace, method: string, message: string): void {
  ws.problems.push({ at: ws.now(), method, message });
}

function messageArgs(args: Record<string, unknown>): { text: string; blocks?: unknown[] } {
  const out: { text: string; blocks?: unknown[] } = { text: typeof args.text === 'string' ? args.text : '' };
  if (Array.isArray(args.blocks)) out.blocks = args.blocks;
  return out;
}

function checkFallback(ws: Workspace, method: string, args: Record<string, unknown>): void {
  if (Array.isArray(args.blocks) && args.blocks.length > 0 && !str(args.text)) {
    problem(ws, method, 'blocks without fallback `text`: notifications and screen readers show nothing');
  }
}

const postMessage: MethodHandler = (ws, args) => {
  const channel = findChannel(ws, args.channel);
  if (!channel) return fail('channel_not_found');
  const invalid = validateMessage(args);
  if (invalid) return invalid;
  checkFallback(ws, 'chat.postMessage', args);
  const metadata = metadataOf(args.metadata);
  if (metadata === null) return fail('invalid_metadata_format');
  const threadTs = str(args.thread_ts);
  const { message, threadMissing } = addMessage(ws, channel, {
    ...messageArgs(args),
    ...(threadTs ? { thread_ts: threadTs } : {}),
    ...(metadata ? { metadata } : {}),
    user: ws.botUserId,
    bot: true,
    files: [],
    via: 'chat.postMessage',
  });
  if (threadMissing) {
    problem(
      ws,
      'chat.postMessage',
      `thread_ts ${threadTs} is not a message in ${channel.id}: posted top-level`,
    );
  }
  return {
    ok: true,
    channel: channel.id,
    ts: message.ts,
    message: messageJson(ws, message, { metadata: true }),
  };
};

/** undefined: none given; null: given but not `{event_type, event_payload}` (Slack refuses it). */
function metadataOf(v: unknown): EmuMessage['metadata'] | null | undefined {
  if (v === undefined || v === '') return undefined;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return null;
  const { event_type, event_payload } = v as Record<string, unknown>;
  if (typeof event_type !== 'string' || !/^[a-z0-9_]{1,255}$/i.test(event_type)) return null;
  if (typeof event_payload !== 'object' || event_payload === null || Array.isArray(event_payload))
    return null;
  return { event_type, event_payload: event_payload as Record<string, unknown> };
}

const tsNumber = (v: unknown): number | undefined => {
  const s = str(v);
  if (s === undefined) return undefined;
  const n = Number(s);
  return Number.isFinite(n) ? n : undefined;
};

/** Pages a newest-first (history) or oldest-first (replies) list with Slack's opaque cursor. */
function page(
  ws: Workspace,
  list: EmuMessage[],
  args: Record<string, unknown>,
  key: 'messages',
): MethodResult {
  const limit = Math.min(Math.max(Number(args.limit) || 100, 1), 1000);
  const start = str(args.cursor) ? Number(Buffer.from(String(args.cursor), 'base64').toString()) || 0 : 0;
  const withMetadata = args.include_all_metadata === true || args.include_all_metadata === 'true';
  const slice = list.slice(start, start + limit);
  const more = start + limit < list.length;
  return {
    ok: true,
    [key]: slice.map((m) => messageJson(ws, m, { metadata: withMetadata })),
    has_more: more,
    response_metadata: { next_cursor: more ? Buffer.from(String(start + limit)).toString('base64') : '' },
  };
}

function inRange(m: EmuMessage, args: Record<string, unknown>): boolean {
  const ts = Number(m.ts);
  const oldest = tsNumber(args.oldest);
  const latest = tsNumber(args.latest);
  const inclusive = args.inclusive === true || args.inclusive === 'true';
  if (oldest !== undefined && (inclusive ? ts < oldest : ts <= oldest)) return false;
  if (latest !== undefined && (inclusive ? ts > latest : ts >= latest)) return false;
  return true;
}

const conversationsHistory: MethodHandler = (ws, args) => {
  const channel = findChannel(ws, args.channel);
  if (!channel) return fail('channel_not_found');
  // Newest first, top-level messages only, as Slack returns them.
  const list = channel.messages.filter((m) => inRange(m, args)).reverse();
  return page(ws, list, args, 'messages');
};

const conversationsReplies: MethodHandler = (ws, args) => {
  const channel = findChannel(ws, args.channel);
  if (!channel) return fail('channel_not_found');
  const ts = str(args.ts);
  const parent = ts ? channel.messages.find((m) => m.ts === ts) : undefined;
  if (!parent) return fail('thread_not_found');
  // The parent first, then its replies oldest first; the range filter leaves the parent in.
  const list = [parent, ...parent.replies.filter((m) => inRange(m, args))];
  return page(ws, list, args, 'messages');
};

const filesInfo: MethodHandler = (ws, args) => {
  const id = str(args.file);
  const f = id ? ws.files.get(id) : undefined;
  if (!f) return fail('file_not_found');
  return { ok: true, file: fileJson(f, ws.baseUrl) };
};

const update: MethodHandler = (ws, args) => {
  const channel = findChannel(ws, args.channel);
  if (!channel) return fail('channel_not_found');
  const ts = str(args.ts);
  const message = ts ? findMessage(channel, ts) : undefined;
  if (!message) return fail('message_not_found');
  if (!message.bot) return fail('cant_update_message');
  // chat.update may change blocks alone; text alone; it needs one of them.
  if (args.text === undefined && args.blocks === undefined && args.attachments === undefined) {
    return fail('no_text');
  }
  const invalid = validateMessage({ ...args, text: args.text ?? message.text });
  if (invalid) return invalid;
  checkFallback(ws, 'chat.update', { ...args, text: args.text ?? message.text });
  const next: { text?: string; blocks?: unknown[] } = {};
  if (typeof args.text === 'string') next.text = args.text;
  if (Array.isArray(args.blocks)) next.blocks = args.blocks;
  // Slack keeps a message's blocks when chat.update omits `blocks`, and clients render blocks
  // rather than text: a new text alone stays invisible. Pass `blocks: []` to drop them.
  if (next.text !== undefined && next.blocks === undefined && (message.blocks?.length ?? 0) > 0) {
    problem(ws, 'chat.update', `text changed on ${message.ts} but its previous blocks are kept and shown`);
  }
  editMessage(ws, message, next);
  return {
    ok: true,
    channel: channel.id,
    ts: message.ts,
    text: message.text,
    message: messageJson(ws, message),
  };
};

const postEphemeral: MethodHandler = (ws, args) => {
  const channel = findChannel(ws, args.channel);
  if (!channel) return fail('channel_not_found');
  const user = str(args.user);
  if (!user || !ws.users.has(user)) return fail('user_not_found');
  const invalid = validateMessage(args);
  if (invalid) return invalid;
  checkFallback(ws, 'chat.postEphemeral', args);
  const e = { channel: channel.id, user, ...messageArgs(args), at: ws.now(), via: 'chat.postEphemeral' };
  const threadTs = str(args.thread_ts);
  ws.ephemerals.push(threadTs ? { ...e, thread_ts: threadTs } : e);
  // Ephemeral messages get a ts but never join the channel's history.
  return { ok: true, message_ts: ws.nextTs() };
};

const viewsOpen: MethodHandler = (ws, args) => {
  const triggerId = str(args.trigger_id);
  if (!triggerId) return fail('invalid_arguments');
  const trigger = ws.triggers.get(triggerId);
  if (!trigger) return fail('invalid_trigger_id');
  if (ws.now() - trigger.issuedAt > TRIGGER_TTL_MS) return fail('expired_trigger_id');
  const view = args.view;
  if (typeof view !== 'object' || view === null || Array.isArray(view)) return fail('invalid_arguments');
  const v = view as Record<string, unknown>;
  if (v.type !== 'modal' && v.type !== 'home') return fail('invalid_arguments');
  const id = ws.nextId('V');
  const stored = { id, view: v, hash: `${Date.now()}.${id}`, triggerId, user: trigger.user, updates: 0 };
  ws.views.set(id, stored);
  return { ok: true, view: { id, team_id: ws.teamId, ...v, hash: stored.hash } };
};

const viewsUpdate: MethodHandler = (ws, args) => {
  const id = str(args.view_id);
  const external = str(args.external_id);
  const stored = id
    ? ws.views.get(id)
    : [...ws.views.values()].find((x) => external && x.view.external_id === external);
  if (!stored) return fail('not_found');
  const hash = str(args.hash);
  if (hash && hash !== stored.hash) return fail('hash_conflict');
  const view = args.view;
  if (typeof view !== 'object' || view === null || Array.isArray(view)) return fail('invalid_arguments');
  stored.view = view as Record<string, unknown>;
  stored.updates++;
  stored.hash = `${Date.now()}.${stored.id}.${stored.updates}`;
  return { ok: true, view: { id: stored.id, team_id: ws.teamId, ...stored.view, hash: stored.hash } };
};

const getUploadUrl: MethodHandler = (ws, args) => {
  const filename = str(args.filename);
  const length = Number(args.length);
  if (!filename || !Number.isInteger(length) || length < 0) return fail('invalid_arguments');
  const id = ws.nextId('F');
  const file: EmuFile = {
    id,
    name: filename,
    title: filename,
    ...fileTypeOf(filename),
    size: 0,
    declaredLength: length,
    completed: false,
    channels: [],
    created: ws.now(),
  };
  const alt = str(args.alt_text) ?? str(args.alt_txt);
  if (alt) file.altText = alt;
  ws.files.set(id, file);
  return { ok: true, upload_url: `${ws.baseUrl}upload/${id}`, file_id: id };
};

const completeUpload: MethodHandler = (ws, args) => {
  const list = args.files;
  if (!Array.isArray(list) || list.length === 0) return fail('invalid_arguments');
  const files: EmuFile[] = [];
  for (const entry of list) {
    const id = typeof entry === 'object' && entry !== null ? str((entry as { id?: unknown }).id) : undefined;
    const file = id ? ws.files.get(id) : undefined;
    if (!file) return fail('file_not_found');
    if (!file.bytes) return fail('file_upload_incomplete');
    if (file.completed) return fail('file_already_completed');
    const title = str((entry as { title?: unknown }).title);
    if (title) file.title = title;
    files.push(file);
  }
  const channelRef = args.channel_id ?? args.channels;
  const channel = channelRef === undefined ? undefined : findChannel(ws, channelRef);
  if (channelRef !== undefined && !channel) return fail('channel_not_found');
  for (const f of files) f.completed = true;
  if (channel) {
    for (const f of files) f.channels.push(channel.id);
    const threadTs = str(args.thread_ts);
    const text = typeof args.initial_comment === 'string' ? args.initial_comment : '';
    const { threadMissing } = addMessage(ws, channel, {
      text,
      ...(Array.isArray(args.blocks) && !text ? { blocks: args.blocks } : {}),
      ...(threadTs ? { thread_ts: threadTs } : {}),
      user: ws.botUserId,
      bot: true,
      files,
      via: 'files.completeUploadExternal',
    });
    if (threadMissing) {
      problem(ws, 'files.completeUploadExternal', `thread_ts ${threadTs} is not a message in ${channel.id}`);
    }
  }
  return { ok: true, files: files.map((f) => fileJson(f, ws.baseUrl)) };
};

const usersInfo: MethodHandler = (ws, args) => {
  const id = str(args.user);
  const u = id ? ws.users.get(id) : undefined;
  if (!u) return fail('user_not_found');
  return {
    ok: true,
    user: {
      id: u.id,
      team_id: ws.teamId,
      name: u.name,
      real_name: u.real_name,
      deleted: false,
      is_bot: u.is_bot ?? false,
      tz: u.tz ?? 'UTC',
      profile: { real_name: u.real_name, display_name: u.name },
    },
  };
};

const usergroupUsers: MethodHandler = (ws, args) => {
  const id = str(args.usergroup);
  const g = id ? ws.usergroups.get(id) : undefined;
  if (!g) return fail('no_such_subteam');
  return { ok: true, users: [...g.users] };
};

const conversationsInfo: MethodHandler = (ws, args) => {
  const c = findChannel(ws, args.channel);
  if (!c) return fail('channel_not_found');
  return {
    ok: true,
    channel: {
      id: c.id,
      name: c.name,
      is_channel: true,
      is_private: false,
      is_archived: false,
      is_member: true,
    },
  };
};

const reactionsAdd: MethodHandler = (ws, args) => {
  const c = findChannel(ws, args.channel);
  if (!c) return fail('channel_not_found');
  const ts = str(args.timestamp);
  const m: EmuMessage | undefined = ts ? findMessage(c, ts) : undefined;
  if (!m) return fail('message_not_found');
  const name = str(args.name)?.replace(/^:|:$/g, '');
  if (!name) return fail('invalid_name');
  const r = m.reactions.find((x) => x.name === name);
  if (r?.users.includes(ws.botUserId)) return fail('already_reacted');
  if (r) r.users.push(ws.botUserId);
  else m.reactions.push({ name, users: [ws.botUserId] });
  return { ok: true };
};

const authTest: MethodHandler = (ws) => ({
  ok: true,
  url: `https://${ws.teamDomain}.slack.com/`,
  team: ws.teamDomain,
  user: 'netops-bot',
  team_id: ws.teamId,
  user_id: ws.botUserId,
  bot_id: ws.botId,
  is_enterprise_install: false,
});

/** The Web API methods the emulator speaks. Anything else answers unknown_method, as Slack does. */
export const METHODS: Record<string, MethodHandler> = {
  'auth.test': authTest,
  'chat.postMessage': postMessage,
  'chat.update': update,
  'chat.postEphemeral': postEphemeral,
  'views.open': viewsOpen,
  'views.update': viewsUpdate,
  'files.getUploadURLExternal': getUploadUrl,
  'files.completeUploadExternal': completeUpload,
  'users.info': usersInfo,
  'usergroups.users.list': usergroupUsers,
  'conversations.info': conversationsInfo,
  'reactions.add': reactionsAdd,
  'conversations.history': conversationsHistory,
  'conversations.replies': conversationsReplies,
  'files.info': filesInfo,
};
