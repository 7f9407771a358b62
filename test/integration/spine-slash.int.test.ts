import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleDevices, type Stack, startStack } from '../helpers/stack.js';
import { redisConnection } from '../helpers/redis.js';

const CHANNEL = 'C00NETOPS0';

async function queueTotals(prefix: string): Promise<number> {
  const connection = redisConnection();
  let total = 0;
  for (const name of ['default', 'devices']) {
    const q = new Queue(name, { connection, prefix });
    const counts = await q.getJobCounts();
    total += Object.values(counts).reduce((a, b) => a + b, 0);
    await q.close();
  }
  await connection.quit();
  return total;
}

describe('slash command → queue → worker → Slack, on real Redis and Postgres', () => {
  let s: Stack;
  beforeAll(async () => {
    s = await startStack({ devices: sampleDevices(60) });
  });
  afterAll(async () => {
    await s?.stop();
  });

  it('acks within 3 s, edits one progress message to done and posts the result; audits it', async () => {
    const res = await s.emu.slashCommand({
      command: '/net',
      text: 'devices core*',
      channelId: CHANNEL,
      userId: 'U0000ALICE',
    });
    expect(res.status).toBe(200);
    expect(res.ms).toBeLessThan(3_000);

    const done = await s.emu.waitFor(
      (c) => c.method === 'chat.update' && /done/.test(String(c.args.text)),
      15_000,
    );
    const progressTs = String(done.args.ts);
    const posts = s.emu.calls.filter((c) => c.method === 'chat.postMessage');
    const progress = posts.find((c) => c.response.ts === progressTs);
    expect(String(progress?.args.text)).toMatch(/queued/);
    // queued → running → done, all on the same message
    const edits = s.emu.calls
      .filter((c) => c.method === 'chat.update' && c.args.ts === progressTs)
      .map((c) => String(c.args.text));
    expect(edits[0]).toMatch(/^running/);
    expect(edits.at(-1)).toMatch(/^done/);

    const result = posts.find((c) => c !== progress && JSON.stringify(c.args.blocks ?? '').includes('core1'));
    expect(result?.args.channel).toBe(CHANNEL);
    expect(JSON.stringify(result?.args.blocks)).toMatch(/core1 .*cisco_iosxe .*192\.0\.2\.1:22/);
    expect(JSON.stringify(result?.args.blocks)).not.toMatch(/edge2/);

    const jobId = /job (j-[0-9a-f]{8})/.exec(String(progress?.args.text))?.[1];
    expect(jobId).toBeDefined();
    const { rows } = await s.db.pool.query('SELECT * FROM audit WHERE job_id = $1', [jobId]);
    expect(rows[0]).toMatchObject({
      source: 'slash',
      user_id: 'U0000ALICE',
      channel_id: CHANNEL,
      text: 'devices core*',
      command: 'devices',
      job_name: 'devices.list',
      status: 'done',
    });
    expect(rows[0].started_at).toBeInstanceOf(Date);
    expect(rows[0].finished_at.getTime()).toBeGreaterThanOrEqual(rows[0].started_at.getTime());
    expect(rows[0].result_posted_at).toBeInstanceOf(Date);
    expect(rows[0].result_summary).toMatch(/of 60 devices/);
  });

  it('sends long output as a file, not a wall of text', async () => {
    const before = s.emu.calls.length;
    await s.emu.slashCommand({ command: '/net', text: 'devices', channelId: CHANNEL });
    const complete = await s.emu.waitFor(
      (c) => c.method === 'files.completeUploadExternal' && s.emu.calls.indexOf(c) >= before,
      15_000,
    );
    expect(complete.args.channel_id).toBe(CHANNEL);
    const file = [...s.emu.files.values()].find((f) => f.name === 'devices.txt');
    expect(file?.bytes?.toString('utf8').split('\n').length).toBe(62);
  });

  it('answers help privately, generated from the registry, without a job', async () => {
    const res = await s.emu.slashCommand({ command: '/net', text: 'help', channelId: CHANNEL });
    expect(res.status).toBe(200);
    await expect.poll(() => s.emu.responseUrlPosts.length, { timeout: 5_000 }).toBeGreaterThan(0);
    const reply = s.emu.responseUrlPosts.at(-1)!;
    expect(reply.body.response_type).toBe('ephemeral');
    expect(String(reply.body.text)).toMatch(/`\/net devices \[name-glob\]/);
    expect(String(reply.body.text)).toMatch(/`\/net jobs \[mine\|all\]/);
  });

  it('answers an unknown subcommand privately with the closest match', async () => {
    const n = s.emu.responseUrlPosts.length;
    await s.emu.slashCommand({ command: '/net', text: 'devics core*', channelId: CHANNEL });
    await expect.poll(() => s.emu.responseUrlPosts.length, { timeout: 5_000 }).toBe(n + 1);
    expect(String(s.emu.responseUrlPosts.at(-1)!.body.text)).toMatch(
      /no `devics` command.*Did you mean `devices`/,
    );
    expect(s.emu.responseUrlPosts.at(-1)!.body.response_type).toBe('ephemeral');
  });

  it('lists recent jobs with /net jobs', async () => {
    await s.emu.slashCommand({ command: '/net', text: 'jobs all', channelId: CHANNEL });
    const done = await s.emu.waitFor(
      (c) => c.method === 'chat.update' && /^done: .*jobs all/.test(String(c.args.text)),
      15_000,
    );
    const result = s.emu.calls.find(
      (c) =>
        c.method === 'chat.postMessage' &&
        c.at >= done.at - 5_000 &&
        /devices core\*.*done/s.test(JSON.stringify(c.args.blocks ?? '')),
    );
    expect(result).toBeDefined();
  });

  it('answers @mentions in the thread they came from', async () => {
    const parent = '1700000000.000001';
    const ev = await s.emu.event({
      type: 'app_mention',
      text: '<@UBOT0NETOP> devices edge2',
      channel: CHANNEL,
      thread_ts: parent,
      user: 'U00000BOB0',
    });
    expect(ev.status).toBe(200);
    const done = await s.emu.waitFor(
      (c) =>
        c.method === 'chat.update' && /done/.test(String(c.args.text)) && /edge2/.test(String(c.args.text)),
      15_000,
    );
    const progress = s.emu.calls.find(
      (c) => c.method === 'chat.postMessage' && c.response.ts === done.args.ts,
    );
    expect(progress?.args.thread_ts).toBe(parent);
    const result = s.emu.calls.find(
      (c) =>
        c.method === 'chat.postMessage' &&
        c.args.thread_ts === parent &&
        /edge2/.test(JSON.stringify(c.args.blocks ?? '')) &&
        c !== progress,
    );
    expect(result).toBeDefined();
  });

  it('rejects forged, stale and malformed requests without enqueueing or auditing anything', async () => {
    const jobsBefore = await queueTotals(s.prefix);
    const auditBefore = (await s.db.pool.query('SELECT count(*)::int AS n FROM audit')).rows[0].n;
    const url = `http://127.0.0.1:${s.bot!.port}/slack/events`;
    const body = new URLSearchParams({
      command: '/net',
      text: 'devices',
      user_id: 'U1',
      channel_id: CHANNEL,
      response_url: 'http://127.0.0.1:9/x',
    }).toString();
    const post = (headers: Record<string, string>, b = body) =>
      fetch(url, {
        method: 'POST',
        body: b,
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      });

    const forged = { ...s.emu.sign(body), 'x-slack-signature': `v0=${'0'.repeat(64)}` };
    expect((await post(forged)).status).toBe(401);
    const staleTs = Math.floor(Date.now() / 1000) - 6 * 60;
    expect((await post(s.emu.sign(body, staleTs))).status).toBe(401);
    expect((await post({})).status).toBe(401);
    const junk = 'this is not a slack payload';
    expect((await post(s.emu.sign(junk), junk)).status).toBe(400);
    const badJson = `payload=${encodeURIComponent('{"type":')}`;
    expect((await post(s.emu.sign(badJson), badJson)).status).toBe(400);
    // the emulator's own forging path: a slash command signed with a stale timestamp
    expect(
      (await s.emu.slashCommand({ command: '/net', text: 'devices' }, { timestamp: staleTs })).status,
    ).toBe(401);

    await new Promise((r) => setTimeout(r, 300));
    expect(await queueTotals(s.prefix)).toBe(jobsBefore);
    expect((await s.db.pool.query('SELECT count(*)::int AS n FROM audit')).rows[0].n).toBe(auditBefore);
  });

  it('serves /healthz, /readyz and /metrics', async () => {
    const h = await fetch(`http://127.0.0.1:${s.bot!.port}/healthz`);
    expect(h.status).toBe(200);
    expect(await h.json()).toEqual({ ok: true, role: 'bot' });
    const r = await fetch(`http://127.0.0.1:${s.bot!.port}/readyz`);
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ ok: true, postgres: true, redis: true, slack: true });
    const m = await (await fetch(`http://127.0.0.1:${s.bot!.port}/metrics`)).text();
    expect(m).toMatch(/netops_slack_ack_seconds_count \d+/);
    expect(m).toMatch(/netops_commands_total\{command="devices",outcome="queued"\} \d+/);
  });
});
