import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normalise, rulesFor } from '../../src/configs/index.js';
import type { SimVendor as Vendor } from '../../src/lab/vendors.js';
import { type Fleet, fleetAccess, startFleet } from '../../src/lab/fleet/index.js';
import { ALICE, BOB, CAROL, CHANNEL, changeDriver } from '../helpers/changes.js';
import { type Stack, startStack } from '../helpers/stack.js';

/**
 * The change workflow end to end: real SSH to the simulated fleet (IOS-XE, NX-OS, EOS, Junos), real
 * Redis, Postgres, Bolt; every step driven through the Slack emulator with signed payloads.
 */

const VENDORS: Array<[string, Vendor]> = [
  ['xe1', 'cisco_iosxe'],
  ['nx1', 'cisco_nxos'],
  ['eos1', 'arista_eos'],
  ['jun1', 'juniper_junos'],
  ['xe2', 'cisco_iosxe'],
  ['jun2', 'juniper_junos'],
  ['eos2', 'arista_eos'],
];
const WAVE_FLEET = Array.from({ length: 20 }, (_, i) => `w${String(i).padStart(2, '0')}`);

const NTP: Record<string, string> = {
  cisco_iosxe: 'ntp server 10.77.0.1',
  cisco_nxos: 'ntp server 10.77.0.1',
  arista_eos: 'ntp server 10.77.0.1',
  juniper_junos: 'set system ntp server 10.77.0.1',
};

let fleet: Fleet;
let s: Stack;
let d: ReturnType<typeof changeDriver>;

const body = (name: string) => {
  const dev = fleet.get(name);
  return normalise(dev.runningConfig(), rulesFor(dev.vendor));
};

beforeAll(async () => {
  fleet = await startFleet({
    devices: [
      ...VENDORS.map(([name, vendor]) => ({ name, vendor })),
      ...WAVE_FLEET.map((name) => ({ name, vendor: 'cisco_iosxe' as Vendor })),
    ],
    // Device minutes of 2 s: a 5-minute confirm window is 10 s here.
    minuteMs: 2_000,
  });
  const { devices, env } = fleetAccess(fleet, { pinHostKeys: true });
  s = await startStack({
    devices,
    extraYaml: {
      changes: { soak: 0, waveSize: 5 },
      // Alice and Bob request and approve anything; Carol approves only the w* devices.
      policy: {
        grants: [
          { role: 'approver', users: [ALICE] },
          { role: 'approver', users: [BOB] },
          { role: 'approver', users: [CAROL], devices: { name: 'w*' } },
        ],
      },
    },
    start: { secretsEnv: env },
  });
  d = changeDriver(s.emu, s.db.pool);
}, 120_000);

afterAll(async () => {
  await s?.stop();
  await fleet?.stop();
});

describe.each(VENDORS.slice(0, 4))('approve → applied and confirmed on %s (%s)', (name, vendor) => {
  it('dry-run diff on the card, second engineer approves, the device holds the change, a version names both', async () => {
    const before = body(name);
    const { id, card } = await d.request(name, {
      lines: NTP[vendor]!,
      reason: `ntp for ${name}`,
      ticket: 'CHG-1',
    });
    expect(card.text).toContain('10.77.0.1');
    expect(card.text).toContain('change.reject');
    expect(body(name)).toBe(before); // the dry run left nothing behind
    const reply = await d.click('change.approve', card.value, card.ts, BOB);
    expect(reply).toMatch(/approved; applying/);
    const end = await d.settle(id);
    expect(end.state, end.detail ?? '').toBe('confirmed');
    expect(fleet.get(name).runningConfig()).toContain('10.77.0.1');
    // Confirmed: the device's timer must not take it back.
    expect(fleet.get(name).sim.pendingRollback).toBeNull();
    const { rows } = await s.db.pool.query(
      `SELECT author, trigger FROM config_versions WHERE device = $1 ORDER BY id DESC LIMIT 1`,
      [name],
    );
    expect(rows[0]).toEqual({ author: `<@${ALICE}> approved by <@${BOB}>`, trigger: 'change' });
    expect((await s.db.pool.query('SELECT count(*)::int AS n FROM change_locks')).rows[0].n).toBe(0);
    // The card ends in its final state, without buttons.
    const final = s.emu.message(CHANNEL, card.ts)!;
    expect(final.text).toMatch(new RegExp(`^Change ${id} \\(confirmed\\)`));
    expect(JSON.stringify(final.blocks)).not.toContain('change.approve');
    expect(JSON.stringify(final.blocks)).toContain(`approved by <@${BOB}>`);
    const thread = d.thread(card.ts).join('\n');
    expect(thread).toMatch(/committed inside the/);
    expect(thread).toMatch(/reachable over SSH: yes/);
    expect(thread).toMatch(/confirmed/);
    // The before/after diff from the backups: the new line, and nothing else changed.
    const diff = d.thread(card.ts).find((t) => t.includes('(before)'))!;
    expect(diff).toMatch(/10\.77\.0\.1/);
    expect(diff.split('\n').filter((l) => /^-(?!--)/.test(l))).toEqual([]);
  });
});

describe('refusals', () => {
  it('failing post-check → rolled back, the running config equals the backup, the thread says why', async () => {
    const before = body('xe2');
    const { id, card } = await d.request('xe2', {
      lines: 'interface Loopback99\n description rollback-me',
      reason: 'post-check that cannot pass',
      checks: 'show running-config | include ^hostname => hostname not-this-device',
    });
    await d.click('change.approve', card.value, card.ts, BOB);
    const end = await d.settle(id);
    expect(end.state).toBe('rolled_back');
    expect(end.detail).toMatch(/hostname not-this-device/);
    expect(body('xe2')).toBe(before);
    expect(fleet.get('xe2').runningConfig()).not.toContain('rollback-me');
    expect((await d.devices(id))[0]!.state).toBe('rolled_back');
  });

  it('a line the device refuses fails the dry run with the device’s own words, and nothing is applied', async () => {
    const view = await d.openForm('jun2');
    const before = s.emu.calls.length;
    await d.submit(view, { lines: 'set system ntp server 10.14.0.1\nset bogus', reason: 'typo' });
    const msg = await s.emu.waitFor(
      (c) =>
        c.method === 'chat.postMessage' &&
        s.emu.calls.indexOf(c) >= before &&
        /dry run failed/.test(String(c.args.text)),
      30_000,
    );
    expect(String(msg.args.text)).toMatch(/`jun2`: .*rejected `set bogus`: syntax error/);
    const { rows } = await s.db.pool.query(
      `SELECT state FROM change_requests ORDER BY created_at DESC LIMIT 1`,
    );
    expect(rows[0].state).toBe('failed');
    expect(fleet.get('jun2').runningConfig()).not.toContain('10.14.0.1');
    expect((await s.db.pool.query('SELECT count(*)::int AS n FROM change_locks')).rows[0].n).toBe(0);
    // The session was left clean: the next dry run on the device works.
    const next = await d.request('jun2', { lines: 'set system ntp server 10.14.0.2', reason: 'fixed' });
    expect(next.card.text).toContain('10.14.0.2');
    await d.click('change.reject', next.card.value, next.card.ts, BOB);
  });

  it('IOS-XE has no syntax check in the dry run: a refused line at apply is rolled back with the reason', async () => {
    const before = body('xe2');
    const { id, card } = await d.request('xe2', {
      lines: 'ntp server 10.15.0.1\nbogus-command here',
      reason: 'typo at apply',
    });
    await d.click('change.approve', card.value, card.ts, BOB);
    const end = await d.settle(id);
    expect(end.state).toBe('rolled_back');
    expect(end.detail).toMatch(/rejected `bogus-command here`/);
    expect(body('xe2')).toBe(before);
  });

  it('the requester approving their own change is refused and nothing moves', async () => {
    // Alice holds change.approve too, so only the second-person rule stands in her way.
    const { id, card } = await d.request('jun2', {
      lines: 'set system ntp server 10.66.0.1',
      reason: 'own approval',
    });
    const reply = await d.click('change.approve', card.value, card.ts, ALICE);
    expect(reply).toMatch(/You requested change CR-\d+; a second engineer must approve it/);
    expect((await d.state(id)).state).toBe('awaiting_approval');
    // The same card then works for someone else: the refusal lost nothing.
    await d.click('change.reject', card.value, card.ts, BOB);
    expect((await d.settle(id)).state).toBe('rejected');
    expect(fleet.get('jun2').runningConfig()).not.toContain('10.66.0.1');
  });

  it('an approver without scope on the device is refused', async () => {
    const { id, card } = await d.request('eos2', { lines: 'ntp server 10.55.0.1', reason: 'scope' });
    const reply = await d.click('change.approve', card.value, card.ts, CAROL);
    expect(reply).toMatch(/cannot approve change CR-\d+: .*`eos2`/);
    expect((await d.state(id)).state).toBe('awaiting_approval');
    const { rows } = await s.db.pool.query(
      'SELECT user_id, accepted, reason FROM approvals WHERE change_id = $1',
      [id],
    );
    expect(rows).toEqual([{ user_id: CAROL, accepted: false, reason: expect.stringMatching(/eos2/) }]);
    await d.click('change.reject', card.value, card.ts, BOB);
  });

  it('a stale dry run (the device changed and was backed up since) is refused and voided', async () => {
    const { id, card } = await d.request('eos2', { lines: 'ntp server 10.44.0.1', reason: 'stale' });
    fleet.get('eos2').configure(['snmp-server location moved-rack'], 'someone');
    await s.emu.slashCommand({
      command: '/net',
      text: 'config backup eos2',
      userId: BOB,
      channelId: CHANNEL,
    });
    await s.emu.waitFor(
      (c) => c.method === 'chat.update' && /new version/.test(JSON.stringify(c.args)),
      30_000,
    );
    const reply = await d.click('change.approve', card.value, card.ts, BOB);
    expect(reply).toMatch(/dry run of CR-\d+ is stale: `eos2` changed since/);
    const end = await d.state(id);
    expect(end.state).toBe('expired');
    expect(fleet.get('eos2').runningConfig()).not.toContain('10.44.0.1');
  });

  it('a device changed after the dry run but not backed up yet: the apply notices and applies nothing', async () => {
    const { id, card } = await d.request('eos2', { lines: 'ntp server 10.45.0.1', reason: 'stale at apply' });
    fleet.get('eos2').configure(['snmp-server contact someone-else'], 'someone');
    expect(await d.click('change.approve', card.value, card.ts, BOB)).toMatch(/approved; applying/);
    const end = await d.settle(id);
    expect(end.state).toBe('failed');
    expect(end.detail).toMatch(/eos2`: its configuration changed since the dry run \(stale\); not applied/);
    expect(fleet.get('eos2').runningConfig()).not.toContain('10.45.0.1');
    expect((await d.devices(id))[0]!.state).toBe('skipped');
  });

  it('a long diff goes up as a file in the card thread', async () => {
    const lines = Array.from(
      { length: 60 },
      (_, i) => `ntp server 10.46.${Math.floor(i / 250)}.${(i % 250) + 1}`,
    ).join('\n');
    const { id, card } = await d.request('eos2', { lines, reason: 'many lines' });
    expect(card.text).toMatch(/The diff \(\d+ lines\) is attached in the thread/);
    const up = await s.emu.waitFor(
      (c) => c.method === 'files.completeUploadExternal' && c.args.thread_ts === card.ts,
      10_000,
    );
    expect(up.response.ok).toBe(true);
    const file = [...s.emu.files.values()].find((f) => f.name === `${id}-dry-run.diff`)!;
    expect(file.bytes!.toString()).toContain('+ntp server 10.46.0.60');
    await d.click('change.reject', card.value, card.ts, BOB);
  });

  it('an expired approval is refused', async () => {
    const { id, card } = await d.request('eos2', { lines: 'ntp server 10.33.0.1', reason: 'expiry' });
    // Half an hour passes (the window is config; the clock is Postgres' and the bot's).
    await s.db.pool.query(
      `UPDATE change_requests SET expires_at = now() - interval '1 second' WHERE id = $1`,
      [id],
    );
    const reply = await d.click('change.approve', card.value, card.ts, BOB);
    expect(reply).toMatch(/expired at/);
    expect((await d.state(id)).state).toBe('expired');
    expect(fleet.get('eos2').runningConfig()).not.toContain('10.33.0.1');
  });

  it('a second change on a locked device is told which change holds it, by whom, since when', async () => {
    const { id } = await d.request('jun2', { lines: 'set system ntp server 10.22.0.1', reason: 'first' });
    const view = await d.openForm('jun2', BOB);
    const res = await d.submit(view, { lines: 'set system ntp server 10.22.0.2', reason: 'second' }, BOB);
    const errors = (res.body as { errors: Record<string, string> }).errors;
    expect(errors.lines).toMatch(
      new RegExp(`jun2 is locked by change ${id} \\(requested by ${ALICE}, since \\d\\d:\\d\\d UTC\\)`),
    );
    await s.emu.slashCommand({
      command: '/net',
      text: `change cancel ${id}`,
      userId: ALICE,
      channelId: CHANNEL,
    });
    expect((await d.settle(id)).state).toBe('cancelled');
    // Released: now Bob's goes through.
    const again = await d.submit(view, { lines: 'set system ntp server 10.22.0.2', reason: 'second' }, BOB);
    expect(again.body).toBe('');
  });

  it('someone whose role does not allow change.request is told so in the form', async () => {
    const view = await d.openForm('xe1', 'U0DAVE0000');
    const res = await d.submit(
      view,
      { lines: 'ntp server 10.11.0.1', reason: 'not mine to ask' },
      'U0DAVE0000',
    );
    expect((res.body as { errors: Record<string, string> }).errors.lines).toMatch(
      /no role that allows `change.request`/,
    );
    expect(
      (
        await s.db.pool.query('SELECT count(*)::int AS n FROM change_requests WHERE requester = $1', [
          'U0DAVE0000',
        ])
      ).rows[0].n,
    ).toBe(0);
  });

  it('bad form input is named per field and the form stays open', async () => {
    const view = await d.openForm('xe1');
    const res = await d.submit(view, { lines: '', reason: '', rollback: '999', checks: 'show version' });
    const errors = (res.body as { errors: Record<string, string> }).errors;
    expect(Object.keys(errors).sort()).toEqual(['checks', 'lines', 'reason', 'rollback']);
    const bad = await d.submit(view, { lines: 'ntp server 1.1.1.1', reason: 'x', checks: 'reload => .' });
    expect((bad.body as { errors: Record<string, string> }).errors.checks).toMatch(/not a read-only command/);
  });
});

describe('more ways in and out', () => {
  it('a mention in a thread posts a button that opens the same form', async () => {
    const thread = s.emu.workspace.nextTs();
    await s.emu.event({
      type: 'app_mention',
      channel: CHANNEL,
      text: '<@U0NETOPSBT> change xe1',
      user: ALICE,
      ts: thread,
    });
    const post = await s.emu.waitFor(
      (c) => c.method === 'chat.postMessage' && JSON.stringify(c.args.blocks ?? []).includes('change.open'),
      10_000,
    );
    expect(post.args.thread_ts).toBe(thread);
    const before = s.emu.calls.length;
    await s.emu.interaction({
      type: 'block_actions',
      user: { id: ALICE },
      channel: { id: CHANNEL },
      container: { type: 'message', channel_id: CHANNEL, message_ts: post.response.ts },
      message: { ts: post.response.ts, text: 'open', thread_ts: thread },
      actions: [{ type: 'button', action_id: 'change.open', block_id: 'b', value: 'xe1' }],
    });
    const open = await s.emu.waitFor(
      (c) => c.method === 'views.open' && s.emu.calls.indexOf(c) >= before,
      10_000,
    );
    expect(open.response.ok).toBe(true);
    const view = open.args.view as { callback_id: string; private_metadata: string };
    expect(view.callback_id).toBe('change.request');
    expect(JSON.parse(view.private_metadata)).toMatchObject({
      devices: ['xe1'],
      channel: CHANNEL,
      threadTs: thread,
    });
  });

  it('two Approve clicks at once: one approval, one apply, one commit on the device', async () => {
    const sim = fleet.get('jun1').sim;
    const { id, card } = await d.request('jun1', {
      lines: 'set system ntp server 10.13.0.1',
      reason: 'double click',
    });
    const commits: string[] = [];
    const off = sim.onSyslog((ev) => {
      if (ev.kind === 'config') commits.push(ev.line);
    });
    const from = s.emu.calls.length;
    await Promise.all([
      d.click('change.approve', card.value, card.ts, BOB),
      d.click('change.approve', card.value, card.ts, BOB),
    ]);
    expect((await d.settle(id)).state).toBe('confirmed');
    off();
    const replies = s.emu.calls
      .slice(from)
      .filter((c) => c.method === 'chat.postEphemeral' && c.args.user === BOB)
      .map((c) => String(c.args.text));
    expect(replies).toHaveLength(2);
    expect(replies.filter((r) => /approved; applying/.test(r))).toHaveLength(1);
    expect(replies.filter((r) => /nothing to approve|moved on before your click/.test(r))).toHaveLength(1);
    const { rows } = await s.db.pool.query(
      'SELECT count(*)::int AS n FROM approvals WHERE change_id = $1 AND accepted',
      [id],
    );
    expect(rows[0].n).toBe(1);
    // One `commit confirmed`; the confirming commit changes nothing, so the device logs one commit.
    expect(commits).toHaveLength(1);
  });

  it('a forged card value (another hash) is refused; every click is in the audit', async () => {
    const { id, card } = await d.request('eos2', { lines: 'ntp server 10.12.0.1', reason: 'forged hash' });
    const forged = `${id}:${'0'.repeat(64)}`;
    const reply = await d.click('change.approve', forged, card.ts, BOB);
    expect(reply).toMatch(/card is out of date/);
    expect((await d.state(id)).state).toBe('awaiting_approval');
    await d.click('change.reject', card.value, card.ts, BOB);
    expect((await d.settle(id)).state).toBe('rejected');
    const { rows } = await s.db.pool.query(
      `SELECT text, status FROM audit WHERE source = 'interaction' AND user_id = $1 AND text LIKE $2 ORDER BY id`,
      [BOB, `% ${id}`],
    );
    expect(rows).toEqual([
      { text: `approve ${id}`, status: 'rejected' },
      { text: `reject ${id}`, status: 'answered' },
    ]);
  });
});

describe('waves', () => {
  it('a 20-device change runs a canary then waves; wave 2 fails, stops there and is rolled back', async () => {
    const before = Object.fromEntries(WAVE_FLEET.map((n) => [n, body(n)]));
    const { id, card } = await d.request('w*', {
      lines: 'ntp server 10.88.0.1',
      reason: 'fleet ntp',
      // w07 (in wave 2) fails its check; every other device passes.
      checks: 'show running-config | include ^hostname => ^hostname w(?!07)',
    });
    await d.click('change.approve', card.value, card.ts, CAROL);
    const end = await d.settle(id, 180_000);
    expect(end.state).toBe('rolled_back');
    const rows = await d.devices(id);
    const byWave = (w: number) => rows.filter((r) => r.wave === w);
    expect(byWave(0).map((r) => r.state)).toEqual(['confirmed']);
    expect(byWave(1).every((r) => r.state === 'confirmed')).toBe(true);
    expect(byWave(2).map((r) => r.state)).toEqual(Array(5).fill('rolled_back'));
    expect(rows.filter((r) => r.wave > 2).every((r) => r.state === 'skipped')).toBe(true);
    for (const r of rows) {
      const cfg = fleet.get(r.device).runningConfig();
      if (r.state === 'confirmed') expect(cfg, r.device).toContain('10.88.0.1');
      else expect(body(r.device), r.device).toBe(before[r.device]);
    }
    expect(end.detail).toMatch(
      /wave 2 failed; 6 device\(s\) of earlier waves stay confirmed; 9 device\(s\) not started/,
    );
  }, 200_000);
});

describe('lists', () => {
  it('/net changes mine lists my requests with their states', async () => {
    await s.emu.slashCommand({ command: '/net', text: 'changes mine', userId: ALICE, channelId: CHANNEL });
    const call = await s.emu.waitFor(
      (c) =>
        /CR-\d+/.test(JSON.stringify(c.args)) &&
        /confirmed/.test(JSON.stringify(c.args)) &&
        c.method !== 'chat.update',
      20_000,
    );
    expect(JSON.stringify(call.args)).toMatch(/rolled_back/);
  });

  it('/net changes with a word that is neither open, mine nor a period is answered privately', async () => {
    const before = s.emu.calls.length;
    await s.emu.slashCommand({
      command: '/net',
      text: 'changes yesterday',
      userId: ALICE,
      channelId: CHANNEL,
    });
    const deadline = Date.now() + 10_000;
    while (
      !s.emu.responseUrlPosts.some((p) =>
        /`yesterday` is not `open`, `mine` or a period/.test(JSON.stringify(p.body)),
      )
    ) {
      if (Date.now() > deadline) throw new Error(`no private answer; calls: ${s.emu.calls.length - before}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  });
});
