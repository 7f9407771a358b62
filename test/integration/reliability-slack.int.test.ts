import { LogLevel, WebClient } from '@slack/web-api';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createSlackEmulator, type EmuMessage, type SlackEmulator } from '../../src/lab/slack/index.js';
import { createWebResponder } from '../../src/slack/responder.js';
import type { Responder } from '../../src/chat/index.js';
import { createSlackCaller, createSlackClient } from '../../src/slack/web-api.js';
import { type Stack, startStack } from '../helpers/stack.js';

const A = 'C00NETOPS0';
const B = 'C0INCIDENT';
const TOKEN = 'xoxb-test';

describe('emulator faults', () => {
  let emu: SlackEmulator;
  let client: WebClient;
  beforeAll(async () => {
    emu = await createSlackEmulator({ signingSecret: 's' });
    client = new WebClient(TOKEN, {
      slackApiUrl: emu.apiUrl,
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
      logLevel: LogLevel.ERROR,
    });
  });
  afterEach(() => emu.reset());
  afterAll(() => emu.close());

  it('answers 429 only on the chosen method and channel, with Retry-After', async () => {
    emu.fault({ method: 'chat.postMessage', channel: A, kind: 'ratelimited', retryAfterSec: 4, times: 1 });
    await expect(client.chat.postMessage({ channel: A, text: 'x' })).rejects.toMatchObject({
      code: 'slack_webapi_rate_limited_error',
      retryAfter: 4,
    });
    await client.chat.postMessage({ channel: B, text: 'other channel' });
    await client.chat.postMessage({ channel: A, text: 'limit used up' });
    expect(emu.calls.map((c) => c.status)).toEqual([429, 200, 200]);
    expect(emu.messages[A]!.map((m) => m.text)).toEqual(['limit used up']);
  });

  it('500 does nothing; 500-after-commit does the call and hides the answer', async () => {
    const f = emu.fault({ method: 'chat.postMessage', kind: 'error', times: 1 });
    await expect(client.chat.postMessage({ channel: A, text: 'lost' })).rejects.toMatchObject({
      code: 'slack_webapi_http_error',
      statusCode: 500,
    });
    expect(f.hits).toBe(1);
    expect(emu.messages[A]).toEqual([]);

    emu.fault({ method: 'chat.postMessage', kind: 'error-after-commit', status: 503 });
    await expect(client.chat.postMessage({ channel: A, text: 'made' })).rejects.toMatchObject({
      statusCode: 503,
    });
    expect(emu.messages[A]!.map((m) => m.text)).toEqual(['made']);
    const last = emu.calls.at(-1)!;
    expect(last).toMatchObject({ status: 503, fault: 'error-after-commit', response: { ok: true } });
  });

  it('faults with a probability are seeded: the same run fails the same calls', async () => {
    const run = async () => {
      const e = await createSlackEmulator({ signingSecret: 's', seed: 42 });
      const c = new WebClient(TOKEN, {
        slackApiUrl: e.apiUrl,
        retryConfig: { retries: 0 },
        logLevel: LogLevel.ERROR,
      });
      e.fault({ method: '*', kind: 'error', probability: 0.3 });
      const outcome: boolean[] = [];
      for (let i = 0; i < 40; i++)
        outcome.push(
          await c.auth.test().then(
            () => true,
            () => false,
          ),
        );
      await e.close();
      return outcome;
    };
    const first = await run();
    expect(await run()).toEqual(first);
    const failed = first.filter((ok) => !ok).length;
    expect(failed).toBeGreaterThan(4);
    expect(failed).toBeLessThan(24);
  });

  it('keeps metadata and finds messages by it in history and replies', async () => {
    const meta = { event_type: 'netops_post', event_payload: { key: 'k1' } };
    const parent = await client.chat.postMessage({ channel: A, text: 'parent', metadata: meta });
    await client.chat.postMessage({
      channel: A,
      text: 'reply',
      thread_ts: parent.ts!,
      metadata: { ...meta, event_payload: { key: 'k2' } },
    });
    const plain = await client.conversations.history({ channel: A });
    expect(plain.messages!.map((m) => [m.text, m.metadata])).toEqual([['parent', undefined]]);
    const withMeta = await client.conversations.history({ channel: A, include_all_metadata: true });
    expect(withMeta.messages![0]!.metadata).toEqual(meta);
    const replies = await client.conversations.replies({
      channel: A,
      ts: parent.ts!,
      include_all_metadata: true,
    });
    expect(replies.messages!.map((m) => m.metadata?.event_payload)).toEqual([{ key: 'k1' }, { key: 'k2' }]);
    await expect(
      client.chat.postMessage({ channel: A, text: 'x', metadata: { event_type: 'bad type!' } as never }),
    ).rejects.toMatchObject({ data: { error: 'invalid_metadata_format' } });
  });
});

describe('the Slack responder under faults', () => {
  let emu: SlackEmulator;
  let responder: Responder;
  const events: string[] = [];
  beforeAll(async () => {
    emu = await createSlackEmulator({ signingSecret: 's' });
    const client = createSlackClient(TOKEN, { apiUrl: emu.apiUrl });
    responder = createWebResponder(client, {
      caller: createSlackCaller(client, {
        backoffMs: 20,
        onEvent: (e) => events.push(`${e.method} ${e.kind}`),
      }),
    });
  });
  afterEach(() => {
    emu.reset();
    events.length = 0;
  });
  afterAll(() => emu.close());

  const texts = (channel: string) => (emu.messages[channel] ?? []).map((m) => m.text);

  it('a keyed post answered 500 after Slack made it is found, not made again', async () => {
    emu.fault({ method: 'chat.postMessage', kind: 'error-after-commit', times: 2 });
    const { ts } = await responder.post({ channel: A }, { text: 'once' }, { key: 'job-1:result' });
    expect(texts(A)).toEqual(['once']);
    expect(ts).toBe(emu.messages[A]![0]!.ts);
    expect(events).toEqual(['chat.postMessage error', 'chat.postMessage recovered']);
    // In a thread too (looked up with conversations.replies).
    const { ts: inThread } = await responder.post(
      { channel: A, threadTs: ts },
      { text: 'reply' },
      { key: 'k-thread' },
    );
    emu.fault({ method: 'chat.postMessage', kind: 'error-after-commit', times: 1 });
    await responder.post({ channel: A, threadTs: ts }, { text: 'reply 2' }, { key: 'k-thread-2' });
    expect(emu.messages[A]![0]!.replies.map((m) => m.text)).toEqual(['reply', 'reply 2']);
    expect(inThread).toBeTruthy();
  });

  it('a keyed post answered 500 before Slack made it is made on a later try', async () => {
    emu.fault({ method: 'chat.postMessage', kind: 'error', times: 2 });
    await responder.post({ channel: A }, { text: 'after two 500s' }, { key: 'job-2:result' });
    expect(texts(A)).toEqual(['after two 500s']);
    expect(emu.calls.filter((c) => c.method === 'chat.postMessage').map((c) => c.status)).toEqual([
      500, 500, 200,
    ]);
  });

  it('a post an earlier attempt may have made is looked up first (maybePostedSince)', async () => {
    const since = Date.now();
    const first = await responder.post(
      { channel: A },
      { text: 'made by a worker that then died' },
      { key: 'job-3:result' },
    );
    const again = await responder.post(
      { channel: A },
      { text: 'retry' },
      { key: 'job-3:result', maybePostedSince: since },
    );
    expect(again.ts).toBe(first.ts);
    const missing = await responder.post(
      { channel: A },
      { text: 'never made before' },
      { key: 'job-4:result', maybePostedSince: since },
    );
    expect(texts(A)).toEqual(['made by a worker that then died', 'never made before']);
    expect(missing.ts).not.toBe(first.ts);
  });

  it('a 429 holds back its method and channel only, for its Retry-After', async () => {
    const a = await responder.post({ channel: A }, { text: 'a' });
    const b = await responder.post({ channel: B }, { text: 'b' });
    emu.fault({ method: 'chat.update', channel: A, kind: 'ratelimited', retryAfterSec: 2, times: 1 });
    const t0 = Date.now();
    const slow = responder.update({ channel: A, ts: a.ts }, { text: 'a edited' }).then(() => Date.now() - t0);
    await new Promise((r) => setTimeout(r, 100)); // the 429 has come back by now
    const t1 = Date.now();
    await responder.update({ channel: B, ts: b.ts }, { text: 'b edited' });
    await responder.post({ channel: A }, { text: 'another method, same channel' });
    const fast = Date.now() - t1;
    expect(fast).toBeLessThan(1_500);
    expect(await slow).toBeGreaterThanOrEqual(2_000);
    expect(emu.message(A, a.ts)!.text).toBe('a edited');
    expect(events).toEqual(['chat.update ratelimited', 'chat.update retry']);
  });

  it('file sharing answered 500 after it happened shares the files once; staged files are shared, not uploaded again', async () => {
    emu.fault({ method: 'files.completeUploadExternal', kind: 'error-after-commit', times: 1 });
    await responder.upload({ channel: A }, [
      { filename: 'out.txt', content: 'x\n'.repeat(10), initialComment: 'output' },
    ]);
    expect(emu.messages[A]!.map((m) => [m.text, m.files.length])).toEqual([['output', 1]]);

    // A worker uploads the bytes and dies before sharing them; the retry shares what it staged.
    let staged: string[] = [];
    await expect(
      responder.upload({ channel: A }, [{ filename: 'diff.txt', content: 'y' }], {
        onStaged: async (ids) => {
          staged = ids;
          throw new Error('worker died');
        },
      }),
    ).rejects.toThrow(/worker died/);
    expect(emu.messages[A]).toHaveLength(1);
    const uploadsBefore = emu.calls.filter((c) => c.method === 'files.getUploadURLExternal').length;
    await responder.upload({ channel: A }, [{ filename: 'diff.txt', content: 'y' }], { staged });
    await responder.upload({ channel: A }, [{ filename: 'diff.txt', content: 'y' }], { staged });
    expect(emu.calls.filter((c) => c.method === 'files.getUploadURLExternal').length).toBe(uploadsBefore);
    expect(emu.messages[A]!.map((m) => m.files.map((f) => f.name))).toEqual([['out.txt'], ['diff.txt']]);
  });
});

describe('commands end to end while Slack misbehaves', () => {
  let s: Stack;
  beforeAll(async () => {
    s = await startStack({ env: { WORKER_LOCK_DURATION: '5s' } });
  });
  afterAll(() => s?.stop());

  /** Per job id: its progress messages and its result messages. */
  function byJob(messages: EmuMessage[]) {
    const out = new Map<string, { progress: EmuMessage[]; results: EmuMessage[] }>();
    for (const m of messages) {
      const progressOf = /\(job (j-[0-9a-f]{8})\)/.exec(m.text)?.[1];
      const entry = (id: string) => out.get(id) ?? out.set(id, { progress: [], results: [] }).get(id)!;
      if (progressOf && /^(queued|running|done|failed|retrying): /.test(m.text))
        entry(progressOf).progress.push(m);
      // Results carry no job id: counted as a total under 'results'.
      else if (/^\d+ of \d+ devices?$/.test(m.text)) entry('results').results.push(m);
    }
    return out;
  }

  it('500-after-commit on posts and edits: each command has one progress message (done) and one result', async () => {
    s.emu.reset();
    s.emu.fault({ method: 'chat.postMessage', kind: 'error-after-commit', probability: 0.5 });
    s.emu.fault({ method: 'chat.update', kind: 'error-after-commit', probability: 0.3 });
    const N = 20;
    for (let i = 0; i < N; i++)
      await s.emu.slashCommand({ command: '/net', text: 'devices core*', channelId: A });
    const progress = () => (s.emu.messages[A] ?? []).filter((m) => /\(job j-/.test(m.text));
    await expect
      .poll(() => progress().filter((m) => m.text.startsWith('done:')).length, { timeout: 30_000 })
      .toBe(N);
    await new Promise((r) => setTimeout(r, 500));
    const jobs = byJob(s.emu.messages[A] ?? []);
    const results = jobs.get('results')?.results ?? [];
    jobs.delete('results');
    expect(jobs.size).toBe(N);
    for (const [id, j] of jobs) expect(j.progress.length, id).toBe(1);
    expect(results).toHaveLength(N);
    expect(s.emu.calls.filter((c) => c.fault === 'error-after-commit').length).toBeGreaterThan(N / 2);
    const { rows } = await s.db.pool.query(
      `SELECT count(*)::int AS n FROM audit WHERE status = 'done' AND result_posted_at IS NOT NULL`,
    );
    expect(rows[0].n).toBe(N);
  });

  it('20 % of calls answered 429: nothing lost or doubled', async () => {
    s.emu.reset();
    s.emu.fault({ method: '*', kind: 'ratelimited', probability: 0.2, retryAfterSec: 1 });
    const N = 20;
    for (let i = 0; i < N; i++)
      await s.emu.slashCommand({ command: '/net', text: 'devices edge*', channelId: i % 2 ? A : B });
    const all = () => [...(s.emu.messages[A] ?? []), ...(s.emu.messages[B] ?? [])];
    await expect
      .poll(() => all().filter((m) => m.text.startsWith('done:')).length, { timeout: 30_000 })
      .toBe(N);
    await new Promise((r) => setTimeout(r, 500));
    const jobs = byJob(all());
    const results = jobs.get('results')?.results ?? [];
    jobs.delete('results');
    expect(jobs.size).toBe(N);
    for (const [id, j] of jobs) expect(j.progress.length, id).toBe(1);
    expect(results).toHaveLength(N);
    expect(s.emu.calls.filter((c) => c.status === 429).length).toBeGreaterThan(3);
  });
});
