import { webApi } from '@slack/bolt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type SlackEmulator, createSlackEmulator } from '../../src/lab/slack/index.js';

const { WebClient, LogLevel } = webApi;
const TOKEN = 'xoxb-test';

/** A real PNG: signature, IHDR for a 1x1 image, then the bytes must arrive untouched, NULs and all. */
const PNG = Buffer.from(
  '89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360000002000100' +
    'e221bc330000000049454e44ae426082',
  'hex',
);

describe('slack emulator × real @slack/web-api WebClient', () => {
  let emu: SlackEmulator;
  let client: InstanceType<typeof WebClient>;

  beforeEach(async () => {
    emu = await createSlackEmulator({ signingSecret: 'shh' });
    client = new WebClient(TOKEN, {
      slackApiUrl: emu.apiUrl,
      logLevel: LogLevel.ERROR,
      retryConfig: { retries: 0 },
    });
  });
  afterEach(async () => {
    await emu.close();
  });

  it('answers auth.test like Slack and records the call with its token', async () => {
    const res = await client.auth.test();
    expect(res.ok).toBe(true);
    expect(res.user_id).toBe(emu.workspace.botUserId);
    expect(emu.calls[0]).toMatchObject({ method: 'auth.test', token: TOKEN, status: 200 });
  });

  it('posts, threads and edits messages; ts values are unique and increasing', async () => {
    const a = await client.chat.postMessage({ channel: 'C00NETOPS0', text: 'queued' });
    const b = await client.chat.postMessage({ channel: '#netops', text: 'second' });
    expect(a.ts).toMatch(/^\d{10}\.\d{6}$/);
    expect(Number(b.ts)).toBeGreaterThan(Number(a.ts));
    expect(b.channel).toBe('C00NETOPS0');

    const reply = await client.chat.postMessage({
      channel: 'C00NETOPS0',
      thread_ts: a.ts!,
      text: 'in thread',
    });
    const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: '*done*' } }];
    const upd = await client.chat.update({ channel: 'C00NETOPS0', ts: a.ts!, text: 'done', blocks });
    expect(upd.ok).toBe(true);

    const top = emu.messages.C00NETOPS0!;
    expect(top.map((m) => m.text)).toEqual(['done', 'second']);
    expect(top[0]!.edits).toEqual([expect.objectContaining({ text: 'queued' })]);
    expect(top[0]!.blocks).toEqual(blocks);
    expect(top[0]!.replies.map((r) => r.ts)).toEqual([reply.ts]);
    // Blocks arrived form-encoded as JSON text; the recorded call holds them decoded.
    const call = await emu.waitFor((c) => c.method === 'chat.update');
    expect(call.args.blocks).toEqual(blocks);
    expect(emu.problems).toEqual([]);
  });

  it('chat.update keeps previous blocks unless given blocks (as Slack does) and flags the stale-blocks case', async () => {
    const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: 'queued' } }];
    const a = await client.chat.postMessage({ channel: 'C00NETOPS0', text: 'queued', blocks });
    await client.chat.update({ channel: 'C00NETOPS0', ts: a.ts!, text: 'done' });
    expect(emu.message('C00NETOPS0', a.ts!)).toMatchObject({ text: 'done', blocks });
    expect(emu.problems.map((p) => p.method)).toEqual(['chat.update']);
    await client.chat.update({ channel: 'C00NETOPS0', ts: a.ts!, text: 'done', blocks: [] });
    expect(emu.message('C00NETOPS0', a.ts!)!.blocks).toEqual([]);
    expect(emu.problems).toHaveLength(1);
  });

  it('keeps ephemeral messages out of channel history', async () => {
    const res = await client.chat.postEphemeral({
      channel: 'C00NETOPS0',
      user: 'U0000ALICE',
      text: 'only you',
    });
    expect(res.message_ts).toBeTruthy();
    expect(emu.ephemerals).toEqual([expect.objectContaining({ user: 'U0000ALICE', text: 'only you' })]);
    expect(emu.messages.C00NETOPS0).toEqual([]);
  });

  it('files.uploadV2 runs the three-step flow and the bytes arrive intact in a thread', async () => {
    const parent = await client.chat.postMessage({ channel: 'C00NETOPS0', text: 'chart coming' });
    const res = await client.files.uploadV2({
      channel_id: 'C00NETOPS0',
      thread_ts: parent.ts!,
      file: PNG,
      filename: 'chart.png',
      title: 'ifHCInOctets',
      initial_comment: 'here it is',
    });
    expect(res.ok).toBe(true);
    expect(emu.calls.map((c) => c.method)).toEqual([
      'chat.postMessage',
      'files.getUploadURLExternal',
      'upload',
      'files.completeUploadExternal',
    ]);
    const [file] = [...emu.files.values()];
    expect(file).toMatchObject({
      name: 'chart.png',
      title: 'ifHCInOctets',
      mimetype: 'image/png',
      completed: true,
    });
    expect(file!.bytes!.equals(PNG)).toBe(true);
    const reply = emu.messages.C00NETOPS0![0]!.replies[0]!;
    expect(reply).toMatchObject({ text: 'here it is', via: 'files.completeUploadExternal' });
    expect(reply.files[0]!.id).toBe(file!.id);
    // The console can fetch the bytes back.
    const got = Buffer.from(await (await fetch(`${emu.url}files/${file!.id}/chart.png`)).arrayBuffer());
    expect(got.equals(PNG)).toBe(true);
    expect(emu.problems).toEqual([]);
  });

  it('snapshot() is a detached JSON copy without file bytes; reset() empties state but keeps the workspace', async () => {
    const m = await client.chat.postMessage({ channel: 'C00NETOPS0', text: 'hello' });
    await client.files.uploadV2({ channel_id: 'C00NETOPS0', thread_ts: m.ts!, file: PNG, filename: 'c.png' });
    const snap = emu.snapshot();
    expect(
      snap.channels.find((c) => c.id === 'C00NETOPS0')!.messages[0]!.replies[0]!.files[0],
    ).not.toHaveProperty('bytes');
    expect(snap.files[0]).toMatchObject({ name: 'c.png', size: PNG.length });
    expect(JSON.parse(JSON.stringify(snap))).toEqual(snap);
    snap.channels[0]!.messages.length = 0;
    expect(emu.messages.C00NETOPS0).toHaveLength(1);
    emu.reset();
    expect(emu.calls).toEqual([]);
    expect(emu.messages.C00NETOPS0).toEqual([]);
    expect(emu.files.size).toBe(0);
    expect((await client.chat.postMessage({ channel: 'C00NETOPS0', text: 'again' })).ok).toBe(true);
  });

  it('uploads text content too', async () => {
    const content = 'interface Gi0/1\n description uplink\n'.repeat(1000);
    await client.files.uploadV2({ channel_id: 'C00NETOPS0', content, filename: 'running-config.txt' });
    const [file] = [...emu.files.values()];
    expect(file!.bytes!.toString('utf8')).toBe(content);
    expect(emu.messages.C00NETOPS0![0]!.files[0]!.name).toBe('running-config.txt');
  });

  it('rejects a missing or non-bot token like Slack', async () => {
    const noToken = new WebClient(undefined, { slackApiUrl: emu.apiUrl, retryConfig: { retries: 0 } });
    await expect(noToken.chat.postMessage({ channel: 'C00NETOPS0', text: 'x' })).rejects.toMatchObject({
      data: { ok: false, error: 'not_authed' },
    });
    const userToken = new WebClient('xoxp-user', { slackApiUrl: emu.apiUrl, retryConfig: { retries: 0 } });
    await expect(userToken.auth.test()).rejects.toMatchObject({ data: { error: 'invalid_auth' } });
    expect(emu.messages.C00NETOPS0).toEqual([]);
  });

  it('reports Slack errors: unknown channel, unknown ts, oversize text, too many blocks, long section', async () => {
    const err = (p: Promise<unknown>) =>
      p.then(
        () => 'no error',
        (e: { data?: { error?: string } }) => e.data?.error,
      );
    expect(await err(client.chat.postMessage({ channel: 'C_NOPE', text: 'x' }))).toBe('channel_not_found');
    expect(await err(client.chat.update({ channel: 'C00NETOPS0', ts: '1.000001', text: 'x' }))).toBe(
      'message_not_found',
    );
    expect(await err(client.chat.postMessage({ channel: 'C00NETOPS0', text: 'x'.repeat(40_001) }))).toBe(
      'msg_too_long',
    );
    const divider = { type: 'divider' };
    expect(
      await err(
        client.chat.postMessage({ channel: 'C00NETOPS0', text: 'x', blocks: Array(51).fill(divider) }),
      ),
    ).toBe('invalid_blocks');
    const long = [{ type: 'section', text: { type: 'mrkdwn', text: 'y'.repeat(3001) } }];
    const e = await client.chat
      .postMessage({ channel: 'C00NETOPS0', text: 'x', blocks: long })
      .catch((x) => x);
    expect(e.data.error).toBe('invalid_blocks');
    expect(e.data.errors[0]).toContain('/blocks/0/text/text');
    expect(await err(client.apiCall('chat.nonsense', {}))).toBe('unknown_method');
    // Exactly at the limits is fine.
    const ok = await client.chat.postMessage({
      channel: 'C00NETOPS0',
      text: 'x'.repeat(40_000),
      blocks: Array(50).fill({ type: 'section', text: { type: 'mrkdwn', text: 'z'.repeat(3000) } }),
    });
    expect(ok.ok).toBe(true);
  });

  it('returns 429 with Retry-After, and WebClient waits that long before retrying', async () => {
    const retrying = new WebClient(TOKEN, {
      slackApiUrl: emu.apiUrl,
      logLevel: LogLevel.ERROR,
      retryConfig: { retries: 2, minTimeout: 0, maxTimeout: 0 },
    });
    emu.setRateLimit('chat.postMessage', { retryAfterSec: 1, times: 1 });
    const started = Date.now();
    const res = await retrying.chat.postMessage({ channel: 'C00NETOPS0', text: 'after the limit' });
    expect(res.ok).toBe(true);
    const posts = emu.calls.filter((c) => c.method === 'chat.postMessage');
    expect(posts.map((c) => c.status)).toEqual([429, 200]);
    expect(posts[1]!.at - posts[0]!.at).toBeGreaterThanOrEqual(1000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(emu.messages.C00NETOPS0).toHaveLength(1);
  });

  it('rejectRateLimitedCalls surfaces the Retry-After value', async () => {
    const strict = new WebClient(TOKEN, { slackApiUrl: emu.apiUrl, rejectRateLimitedCalls: true });
    emu.setRateLimit('chat.update', { retryAfterSec: 7, times: 1 });
    await expect(strict.chat.update({ channel: 'C00NETOPS0', ts: '1.1', text: 'x' })).rejects.toMatchObject({
      code: 'slack_webapi_rate_limited_error',
      retryAfter: 7,
    });
  });

  it('looks up users, user groups and channels; adds reactions', async () => {
    await emu.close();
    emu = await createSlackEmulator({
      signingSecret: 'shh',
      users: [{ id: 'U1', name: 'carol', real_name: 'Carol C', tz: 'Asia/Tokyo' }],
      channels: [{ id: 'C1', name: 'core' }],
      usergroups: [{ id: 'S1', handle: 'neteng', users: ['U1'] }],
    });
    client = new WebClient(TOKEN, { slackApiUrl: emu.apiUrl, retryConfig: { retries: 0 } });
    expect((await client.users.info({ user: 'U1' })).user).toMatchObject({ name: 'carol', tz: 'Asia/Tokyo' });
    expect((await client.usergroups.users.list({ usergroup: 'S1' })).users).toEqual(['U1']);
    expect((await client.conversations.info({ channel: 'C1' })).channel).toMatchObject({ name: 'core' });
    await expect(client.users.info({ user: 'U404' })).rejects.toMatchObject({
      data: { error: 'user_not_found' },
    });
    const m = await client.chat.postMessage({ channel: 'C1', text: 'hi' });
    await client.reactions.add({ channel: 'C1', timestamp: m.ts!, name: 'white_check_mark' });
    await expect(
      client.reactions.add({ channel: 'C1', timestamp: m.ts!, name: 'white_check_mark' }),
    ).rejects.toMatchObject({ data: { error: 'already_reacted' } });
    expect(emu.message('C1', m.ts!)!.reactions).toEqual([
      { name: 'white_check_mark', users: [emu.workspace.botUserId] },
    ]);
  });

  it('waitFor resolves on a later call and rejects with a dump of what it saw', async () => {
    const waiting = emu.waitFor((c) => c.method === 'chat.postMessage' && c.args.text === 'later', 2000);
    await client.chat.postMessage({ channel: 'C00NETOPS0', text: 'earlier' });
    await client.chat.postMessage({ channel: 'C00NETOPS0', text: 'later' });
    expect((await waiting).args.text).toBe('later');
    await expect(emu.waitFor('views.open', 50)).rejects.toThrow(/no views\.open within 50 ms[\s\S]*earlier/);
  });
});
