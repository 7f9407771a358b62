import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisConnection } from '../helpers/redis.js';
import { sampleDevices, type Stack, startStack } from '../helpers/stack.js';

const NETOPS = 'C00NETOPS0';
const INCIDENTS = 'C0INCIDENT';
const ALICE = 'U0000ALICE'; // operator, only in #netops
const BOB = 'U00000BOB0'; // approver through @neteng (S00NETENG0)
const CAROL = 'U0000CAROL'; // viewer
const GROUP = 'S00NETENG0';

let dir: string;
let s: Stack;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'netops-policy-'));
  s = await startStack({
    devices: sampleDevices(6),
    file: join(dir, 'netops.yaml'),
    extraYaml: {
      discovery: { allowedSubnets: ['10.99.0.0/24'] },
      policy: {
        groupCacheSeconds: 2,
        grants: [
          { role: 'viewer', users: [CAROL] },
          { role: 'operator', users: [ALICE], channels: ['#netops'] },
          { role: 'approver', groups: [GROUP] },
        ],
      },
    },
  });
}, 60_000);
afterAll(async () => {
  await s?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function jobCount(): Promise<number> {
  const connection = redisConnection();
  let total = 0;
  for (const name of ['default', 'devices', 'snmp']) {
    const q = new Queue(name, { connection, prefix: s.prefix });
    total += Object.values(await q.getJobCounts()).reduce((a, b) => a + b, 0);
    await q.close();
  }
  await connection.quit();
  return total;
}

/** The private reply to a slash command: what its response_url received. */
async function privateReply(userId: string, text: string, channelId = NETOPS): Promise<string> {
  const before = s.emu.responseUrlPosts.length;
  const res = await s.emu.slashCommand({ command: '/net', text, userId, channelId });
  expect(res.status).toBe(200);
  await s.emu.waitFor((c) => c.method === 'response_url' && s.emu.responseUrlPosts.length > before, 10_000);
  const post = s.emu.responseUrlPosts.slice(before).find((p) => p.origin.userId === userId);
  expect(post?.body.response_type).toBe('ephemeral');
  return String(post?.body.text);
}

const click = (userId: string, device: Record<string, unknown>, channelId = NETOPS) =>
  s.emu.interaction({
    type: 'block_actions',
    user: { id: userId },
    channel: { id: channelId, name: channelId === NETOPS ? 'netops' : 'incidents' },
    container: { type: 'message', channel_id: channelId, message_ts: '1700000000.000100' },
    message: { ts: '1700000000.000100', text: 'proposals' },
    actions: [{ type: 'button', action_id: 'discover.add', block_id: 'b1', value: JSON.stringify(device) }],
  });

describe('policy enforced at intake, through the emulator and the real receiver', () => {
  it('a denied user gets a private reply naming the rule that would allow it, and no job', async () => {
    const jobsBefore = await jobCount();
    const postsBefore = s.emu.calls.filter((c) => c.method === 'chat.postMessage').length;
    const text = await privateReply(CAROL, 'config backup core1');
    expect(text).toMatch(/^:no_entry: You have no role that allows `backup`/);
    expect(text).toContain('role `operator` (policy.grants[1]) for <@U0000ALICE> in #netops');
    expect(text).toContain('role `approver` (policy.grants[2]) for <!subteam^S00NETENG0>');
    expect(s.emu.calls.filter((c) => c.method === 'chat.postMessage').length).toBe(postsBefore);
    expect(await jobCount()).toBe(jobsBefore);
    const { rows } = await s.db.pool.query(
      "SELECT * FROM audit WHERE user_id = $1 AND status = 'denied' ORDER BY id DESC LIMIT 1",
      [CAROL],
    );
    expect(rows[0]).toMatchObject({
      source: 'slash',
      channel_id: NETOPS,
      command: 'config',
      action: 'backup',
      devices: ['core1'],
      error_code: 'NETOPS_FORBIDDEN',
    });
    expect(rows[0].result_summary).toMatch(/no role that allows `backup`/);
  });

  it('a channel-bound role is refused in another channel, and works in its own', async () => {
    const text = await privateReply(ALICE, 'config backup core1', INCIDENTS);
    expect(text).toMatch(/allows `backup` .* only in #netops, not in <#C0INCIDENT>/);
    // in #netops the same command is queued (the progress message appears)
    await s.emu.slashCommand({ command: '/net', text: 'devices core*', userId: ALICE, channelId: NETOPS });
    await s.emu.waitFor((c) => c.method === 'chat.update' && /done/.test(String(c.args.text)), 15_000);
  });

  it('help differs by user: a viewer does not see audit, an approver does', async () => {
    const carol = await privateReply(CAROL, 'help');
    const bob = await privateReply(BOB, 'help');
    expect(carol).toMatch(/`\/net devices/);
    expect(carol).not.toMatch(/`\/net audit/);
    expect(carol).toMatch(/more command\(s\) need a role you do not have here/);
    expect(bob).toMatch(/`\/net audit/);
    expect(carol).not.toBe(bob);
  });

  it('whoami shows roles, groups and what is allowed here', async () => {
    const bob = await privateReply(BOB, 'whoami');
    expect(bob).toContain('user groups: <!subteam^S00NETENG0>');
    expect(bob).toContain('role `approver` (policy.grants[2])');
    expect(bob).toMatch(/you may: .*`change.approve`/);
    const carol = await privateReply(CAROL, 'whoami');
    expect(carol).toContain('role `viewer` (policy.grants[0])');
    expect(carol).toMatch(/you may: `read`, `show` \(/);
  });

  it('a forged Add click by a viewer is refused privately: no job, netops.yaml unchanged', async () => {
    const before = readFileSync(join(dir, 'netops.yaml'), 'utf8');
    const jobsBefore = await jobCount();
    await click(CAROL, { name: 'sneaky', vendor: 'linux', host: '10.99.0.66', credential: 'default' });
    const e = await s.emu.waitFor((c) => c.method === 'chat.postEphemeral' && c.args.user === CAROL, 10_000);
    expect(String(e.args.text)).toMatch(/^:no_entry: You have no role that allows `inventory.add`/);
    expect(String(e.args.text)).toContain('policy.grants[1]');
    expect(readFileSync(join(dir, 'netops.yaml'), 'utf8')).toBe(before);
    expect(await jobCount()).toBe(jobsBefore);
    const { rows } = await s.db.pool.query(
      "SELECT * FROM audit WHERE source = 'interaction' AND user_id = $1 AND status = 'denied'",
      [CAROL],
    );
    expect(rows[0]).toMatchObject({ command: 'discover.add', action: 'inventory.add', devices: ['sneaky'] });
  });

  it("a replayed click of an operator's button, from another channel, is refused too", async () => {
    const before = readFileSync(join(dir, 'netops.yaml'), 'utf8');
    await click(
      ALICE,
      { name: 'replayed', vendor: 'linux', host: '10.99.0.67', credential: 'default' },
      INCIDENTS,
    );
    const e = await s.emu.waitFor(
      (c) =>
        c.method === 'chat.postEphemeral' &&
        c.args.user === ALICE &&
        /only in #netops/.test(String(c.args.text)),
      10_000,
    );
    expect(e.args.channel).toBe(INCIDENTS);
    expect(readFileSync(join(dir, 'netops.yaml'), 'utf8')).toBe(before);
  });

  it('the worker refuses a job that changes the inventory on behalf of someone without the role', async () => {
    const before = readFileSync(join(dir, 'netops.yaml'), 'utf8');
    const connection = redisConnection();
    const q = new Queue('default', { connection, prefix: s.prefix });
    // Anyone who can write to Redis can do this: the job claims Carol asked.
    const forged = { name: 'forged', vendor: 'linux', host: '10.99.0.68', credential: 'default' };
    const job = await q.add(
      'inventory.add',
      {
        payload: { device: JSON.stringify(forged) },
        origin: { channel: NETOPS, userId: CAROL },
        enqueuedAt: Date.now(),
      },
      { jobId: 'j-forged01', attempts: 1 },
    );
    let state = '';
    for (let i = 0; i < 100 && state !== 'failed' && state !== 'completed'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      state = await job.getState();
    }
    expect(state).toBe('failed');
    expect((await q.getJob('j-forged01'))?.failedReason).toMatch(/no role that allows `inventory.add`/);
    // and one without any user at all
    const anon = await q.add(
      'inventory.add',
      { payload: { device: JSON.stringify({ ...forged, name: 'anon' }) }, enqueuedAt: Date.now() },
      { jobId: 'j-forged02', attempts: 1 },
    );
    state = '';
    for (let i = 0; i < 100 && state !== 'failed' && state !== 'completed'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      state = await anon.getState();
    }
    expect(state).toBe('failed');
    expect((await q.getJob('j-forged02'))?.failedReason).toMatch(/does not say who asked/);
    await q.close();
    await connection.quit();
    expect(readFileSync(join(dir, 'netops.yaml'), 'utf8')).toBe(before);
  });

  it('an operator in the right channel adds the device; the worker writes it', async () => {
    await click(ALICE, { name: 'leaf9', vendor: 'arista_eos', host: '10.99.0.9', credential: 'default' });
    await s.emu.waitFor(
      (c) => c.method === 'chat.postMessage' && /<@U0000ALICE> added `leaf9`/.test(JSON.stringify(c.args)),
      15_000,
    );
    expect(readFileSync(join(dir, 'netops.yaml'), 'utf8')).toMatch(/name: leaf9/);
  });
});

describe('modal submissions are decided on who submits and what the metadata names', () => {
  const submit = (userId: string, devices: string[], channel = NETOPS) =>
    s.emu.interaction({
      type: 'view_submission',
      user: { id: userId },
      view: {
        id: 'V0FORGED01',
        callback_id: 'change.request',
        private_metadata: JSON.stringify({ target: devices.join(','), devices, channel }),
        blocks: [{ type: 'input', block_id: 'lines' }],
        state: {
          values: {
            lines: { lines: { type: 'plain_text_input', value: 'snmp-server location ams1' } },
            reason: { reason: { type: 'plain_text_input', value: 'forged' } },
          },
        },
      },
    });

  it("a viewer's forged change-request submission is refused on the form and privately; nothing is created", async () => {
    const res = await submit(CAROL, ['core1']);
    expect(res.status).toBe(200);
    const body = res.body as { response_action?: string; errors?: Record<string, string> };
    expect(body.response_action).toBe('errors');
    expect(body.errors?.lines).toMatch(/^You have no role that allows `change.request`/);
    const e = await s.emu.waitFor(
      (c) =>
        c.method === 'chat.postEphemeral' &&
        c.args.user === CAROL &&
        /change.request/.test(String(c.args.text)),
      10_000,
    );
    expect(String(e.args.text)).toMatch(/policy.grants\[1\]/);
    const { rows } = await s.db.pool.query(
      "SELECT * FROM audit WHERE source = 'interaction' AND command = 'change.request' AND user_id = $1",
      [CAROL],
    );
    expect(rows[0]).toMatchObject({ status: 'denied', action: 'change.request', devices: ['core1'] });
  });

  it('an operator submitting for #netops passes the policy (the change flow takes over)', async () => {
    const res = await submit(ALICE, ['core1']);
    const body = res.body as { errors?: Record<string, string> } | string;
    const errors = typeof body === 'object' && body ? JSON.stringify(body.errors ?? {}) : '';
    expect(errors).not.toMatch(/no role|only in/);
    const { rows } = await s.db.pool.query(
      "SELECT status, rule FROM audit WHERE source = 'interaction' AND command = 'change.request' AND user_id = $1",
      [ALICE],
    );
    expect(rows[0]).toMatchObject({ status: 'answered', rule: 'policy.grants[1]' });
  });

  it('the same operator naming another channel in forged metadata is refused', async () => {
    const res = await submit(ALICE, ['core1'], INCIDENTS);
    expect(JSON.stringify(res.body)).toMatch(/only in #netops/);
  });
});

describe('user groups: usergroups.users.list, cached, refreshed by expiry or by the event', () => {
  const group = () => s.emu.workspace.usergroups.get(GROUP)!;

  it('a member added to the group gains the role after the cache expiry', async () => {
    // Carol is not in @neteng: audit is denied (and the membership is now cached).
    expect(await privateReply(CAROL, 'audit')).toMatch(/:no_entry: You have no role that allows `audit`/);
    group().users.push(CAROL);
    // still cached: the change is not seen yet
    expect(await privateReply(CAROL, 'audit')).toMatch(/:no_entry:/);
    await new Promise((r) => setTimeout(r, 2_100));
    const before = s.emu.calls.length;
    await s.emu.slashCommand({ command: '/net', text: 'audit', userId: CAROL, channelId: NETOPS });
    await s.emu.waitFor(
      (c) =>
        s.emu.calls.indexOf(c) >= before && c.method === 'chat.update' && /done/.test(String(c.args.text)),
      15_000,
    );
  });

  it('subteam_members_changed drops the cached membership at once', async () => {
    // fill the cache with Carol as a member
    const bobFirst = await privateReply(BOB, 'whoami');
    expect(bobFirst).toContain('<!subteam^S00NETENG0>');
    group().users = group().users.filter((u) => u !== CAROL && u !== BOB);
    const ev = await s.emu.event({
      type: 'subteam_members_changed',
      subteam_id: GROUP,
      team_id: 'T0EMULATOR',
      removed_users: [CAROL, BOB],
      removed_users_count: '2',
    });
    expect(ev.status).toBe(200);
    // well inside the 2 s cache: only the event can explain the change
    expect(await privateReply(BOB, 'audit')).toMatch(/:no_entry: You have no role that allows `audit`/);
    group().users.push(BOB);
    await s.emu.event({ type: 'subteam_members_changed', subteam_id: GROUP, added_users: [BOB] });
  });
});

describe('/net audit', () => {
  it('by user: lists the denials; long results come as CSV', async () => {
    for (let i = 0; i < 22; i++) {
      await s.emu.slashCommand({
        command: '/net',
        text: `config backup edge${(i % 5) + 2}`,
        userId: CAROL,
        channelId: NETOPS,
      });
    }
    const before = s.emu.calls.length;
    await s.emu.slashCommand({
      command: '/net',
      text: `audit <@${CAROL}|carol> --since 1h`,
      userId: BOB,
      channelId: NETOPS,
    });
    const upload = await s.emu.waitFor(
      (c) => s.emu.calls.indexOf(c) >= before && c.method === 'files.completeUploadExternal',
      20_000,
    );
    expect(upload.args.channel_id ?? upload.args.channels).toBe(NETOPS);
    const csv = [...s.emu.files.values()].find((f) => /^audit-.*\.csv$/.test(f.name));
    const body = csv?.bytes?.toString('utf8') ?? '';
    const lines = body.trim().split('\n');
    expect(lines[0]).toBe(
      'time,user,user_name,channel,source,command,action,devices,status,rule,job,text,result',
    );
    expect(lines.length).toBeGreaterThan(23);
    expect(lines.filter((l) => /,U0000CAROL,/.test(l) && /,denied,/.test(l)).length).toBeGreaterThanOrEqual(
      22,
    );
    expect(body).not.toMatch(/U00000BOB0/);
  });

  it('by device: what touched it, including denials', async () => {
    const before = s.emu.calls.length;
    await s.emu.slashCommand({ command: '/net', text: 'audit core1', userId: BOB, channelId: NETOPS });
    const result = await s.emu.waitFor(
      (c) =>
        s.emu.calls.indexOf(c) >= before &&
        c.method === 'chat.postMessage' &&
        /config backup core1/.test(JSON.stringify(c.args.blocks ?? '')),
      15_000,
    );
    expect(JSON.stringify(result.args.blocks)).toMatch(/denied/);
  });

  it('a bad argument is a private sentence with usage', async () => {
    expect(await privateReply(BOB, 'audit core1 --since forever')).toMatch(
      /`--since forever` is not a duration/,
    );
    expect(await privateReply(BOB, 'audit @nobody')).toMatch(/is not a user I can look up/);
  });
});
