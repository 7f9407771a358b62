// A post that may have been made (a worker killed mid-post, a 5xx or timeout after Slack made it)
// is looked up by its key before it is made again. In a busy channel thousands of messages can
// land between that post and the lookup: the lookup must still find it, and read only a bounded
// number of pages of history (conversations.history is rate limited, tier 3).
import type { WebAPICallResult } from '@slack/web-api';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type DeliveryLedger, deliverResult } from '../../src/chat/index.js';
import { createSlackEmulator, type SlackEmulator } from '../../src/lab/slack/index.js';
import { createDeliveryStore } from '../../src/queue/delivery.js';
import { createWebResponder } from '../../src/slack/responder.js';
import { createSlackCaller, createSlackClient, type SlackCaller } from '../../src/slack/web-api.js';
import { dropPrefix, freshPrefix, redisConnection } from '../helpers/redis.js';

const A = 'C00NETOPS0';
const TOKEN = 'xoxb-test';
/** More than the 2,000 newest messages the lookup used to read. */
const BUSY = 3_000;

describe('keyed posts in a busy channel', () => {
  let emu: SlackEmulator;
  let redis: Redis;
  const prefix = freshPrefix('busy');
  beforeAll(async () => {
    emu = await createSlackEmulator({ signingSecret: 's' });
    redis = redisConnection();
  });
  afterEach(() => emu.reset());
  afterAll(async () => {
    await emu.close();
    await dropPrefix(prefix);
    redis.disconnect();
  });

  /** Other people's and jobs' messages: `count` posts into the channel, 100 at a time. */
  async function chatter(count: number) {
    const client = createSlackClient(TOKEN, { apiUrl: emu.apiUrl });
    for (let i = 0; i < count; i += 100) {
      await Promise.all(
        Array.from({ length: Math.min(100, count - i) }, (_, j) =>
          client.chat.postMessage({ channel: A, text: `chatter ${i + j}` }),
        ),
      );
    }
  }

  const history = () => emu.calls.filter((c) => c.method === 'conversations.history');
  const results = (text: string) => (emu.messages[A] ?? []).filter((m) => m.text === text);

  function responderOver(wrap?: (caller: SlackCaller) => SlackCaller) {
    const client = createSlackClient(TOKEN, { apiUrl: emu.apiUrl });
    const caller = createSlackCaller(client, { backoffMs: 10 });
    return createWebResponder(client, { caller: wrap ? wrap(caller) : caller });
  }

  it('a result a killed worker posted (before recording it) is found by the retry, however busy the channel since', async () => {
    const responder = responderOver();
    const store = createDeliveryStore(redis, prefix, 'j-busy0001');
    const result = { summary: 'the result', text: 'woke up (job j-busy0001)' };
    // The first attempt's post reaches Slack; the worker dies before the ledger says done.
    const dying: DeliveryLedger = {
      ...store.ledger,
      async set(part, record) {
        if (record.state === 'done') throw new Error('SIGKILL');
        return store.ledger.set(part, record);
      },
    };
    await expect(deliverResult(responder, { channel: A }, result, dying)).rejects.toThrow('SIGKILL');
    expect(results('the result')).toHaveLength(1);
    await chatter(BUSY);
    // The retry (another worker, later).
    await deliverResult(responderOver(), { channel: A }, result, store.ledger);
    expect(results('the result')).toHaveLength(1);
    expect(await store.ledger.get('result')).toMatchObject({ state: 'done' });
    // The window after the recorded send, not the whole channel: a bounded number of pages.
    expect(history().length).toBeLessThanOrEqual(25);
    for (const c of history()) expect(c.args).toHaveProperty('latest');
  });

  it('a result a killed worker never sent is posted once by the retry', async () => {
    const store = createDeliveryStore(redis, prefix, 'j-busy0002');
    const result = { summary: 'never sent', text: 'woke up (job j-busy0002)' };
    // Killed after recording "started", before the post went out.
    await store.ledger.set('result', { state: 'started', at: Date.now() });
    await chatter(500);
    await deliverResult(responderOver(), { channel: A }, result, store.ledger);
    expect(results('never sent')).toHaveLength(1);
  });

  it('a progress post answered 500 after Slack made it is found even when thousands of messages came first', async () => {
    emu.fault({ method: 'chat.postMessage', channel: A, kind: 'error-after-commit', times: 1 });
    let busy = false;
    // The channel gets busy between the post and its lookup (a slow answer under load).
    const responder = responderOver((caller) => ({
      ...caller,
      async call(method: string, args: Record<string, unknown>, opts?: Parameters<SlackCaller['call']>[2]) {
        if (method === 'conversations.history' && !busy) {
          busy = true;
          await chatter(BUSY);
        }
        return caller.call(method, args, opts) as Promise<WebAPICallResult>;
      },
    }));
    const progress = { text: 'queued: sleep 50 (job j-busy0003)' };
    const { ts } = await responder.post({ channel: A }, progress, { key: 'j-busy0003:progress' });
    expect(results(progress.text)).toHaveLength(1);
    expect(ts).toBe(results(progress.text)[0]!.ts);
    expect(history().length).toBeLessThanOrEqual(25);
  });
});
