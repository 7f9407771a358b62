import type { Pool } from 'pg';
import type { SlackEmulator } from '../../src/lab/slack/index.js';

export const ALICE = 'U0000ALICE';
export const BOB = 'U00000BOB0';
export const CAROL = 'U0000CAROL';
export const CHANNEL = 'C00NETOPS0';

const TERMINAL = ['confirmed', 'rolled_back', 'failed', 'expired', 'cancelled', 'rejected'];

/** Drives the change flow through the emulator the way people do: slash command, modal, buttons. */
export function changeDriver(emu: SlackEmulator, pool: Pool) {
  const openForm = async (target: string, user = ALICE): Promise<string> => {
    const before = emu.calls.length;
    const res = await emu.slashCommand({
      command: '/net',
      text: `change ${target}`,
      userId: user,
      channelId: CHANNEL,
    });
    if (res.status !== 200) throw new Error(`slash command answered ${res.status}`);
    const call = await emu.waitFor(
      (c) => c.method === 'views.open' && emu.calls.indexOf(c) >= before,
      10_000,
    );
    if (!call.response.ok) throw new Error(`views.open failed: ${call.response.error}`);
    return (call.response.view as { id: string }).id;
  };

  const submit = (viewId: string, values: Record<string, string>, user = ALICE) =>
    emu.submitView(viewId, values, user);

  /** Opens the form, submits it, and returns the change id once its approval card is posted. */
  const request = async (target: string, values: Record<string, string>, user = ALICE) => {
    const view = await openForm(target, user);
    const res = await submit(view, values, user);
    const body = res.body as { response_action?: string; errors?: Record<string, string> } | '';
    if (body && body.response_action === 'errors')
      throw new Error(`form refused: ${JSON.stringify(body.errors)}`);
    const { rows } = await pool.query(
      'SELECT id FROM change_requests WHERE requester = $1 ORDER BY created_at DESC LIMIT 1',
      [user],
    );
    const id = rows[0].id as string;
    return { id, card: await card(id) };
  };

  const card = async (id: string) => {
    const call = await emu.waitFor(
      (c) =>
        c.method === 'chat.postMessage' &&
        String(c.args.text).startsWith(`Change ${id} `) &&
        JSON.stringify(c.args.blocks ?? []).includes('change.approve'),
      60_000,
    );
    const blocks = call.args.blocks as Array<{
      type: string;
      elements?: Array<{ action_id: string; value: string }>;
    }>;
    const value = blocks
      .find((b) => b.type === 'actions')!
      .elements!.find((e) => e.action_id === 'change.approve')!.value;
    return { ts: call.response.ts as string, value, text: JSON.stringify(call.args.blocks) };
  };

  const click = async (
    action: 'change.approve' | 'change.reject',
    value: string,
    ts: string,
    user: string,
  ) => {
    const before = emu.calls.length;
    await emu.interaction({
      type: 'block_actions',
      user: { id: user },
      channel: { id: CHANNEL },
      container: { type: 'message', channel_id: CHANNEL, message_ts: ts },
      message: { ts, text: 'card' },
      actions: [{ type: 'button', action_id: action, block_id: 'change.actions', value }],
    });
    // Every click gets a private answer: accepted or why not.
    const reply = await emu.waitFor(
      (c) => c.method === 'chat.postEphemeral' && c.args.user === user && emu.calls.indexOf(c) >= before,
      10_000,
    );
    return String(reply.args.text);
  };

  const state = async (id: string) => {
    const { rows } = await pool.query('SELECT state, detail FROM change_requests WHERE id = $1', [id]);
    return rows[0] as { state: string; detail: string | null };
  };

  const settle = async (id: string, timeoutMs = 90_000) => {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const s = await state(id);
      if (TERMINAL.includes(s.state)) return s;
      if (Date.now() > end) throw new Error(`change ${id} still ${s.state} after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };

  const devices = async (id: string) => {
    const { rows } = await pool.query(
      'SELECT device, wave, state, detail FROM change_devices WHERE change_id = $1 ORDER BY wave, device',
      [id],
    );
    return rows as Array<{ device: string; wave: number; state: string; detail: string | null }>;
  };

  /** Messages in the card's thread, oldest first. */
  const thread = (ts: string) => emu.message(CHANNEL, ts)?.replies?.map((r) => r.text) ?? [];

  return { openForm, submit, request, card, click, state, settle, devices, thread };
}

/**
 * netops.yaml for the change suites: Alice may request, Bob approves (a second engineer), and the
 * post-checks run at once after the commit.
 */
export function twoEngineers(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    changes: { soak: 0 },
    policy: {
      grants: [
        { role: 'operator', users: [ALICE] },
        { role: 'approver', users: [BOB] },
      ],
    },
    ...extra,
  };
}

/** Polls until `fn` returns something other than undefined. */
export async function until<T>(
  fn: () => Promise<T | undefined>,
  what: string,
  timeoutMs = 60_000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** `/net config backup <device>` through the emulator, returning once a new version is stored. */
export async function backupViaSlack(
  emu: SlackEmulator,
  pool: Pool,
  device: string,
  user = ALICE,
): Promise<void> {
  const count = async () =>
    (await pool.query('SELECT count(*)::int AS n FROM config_versions WHERE device = $1', [device])).rows[0]
      .n as number;
  const before = await count();
  await emu.slashCommand({
    command: '/net',
    text: `config backup ${device}`,
    userId: user,
    channelId: CHANNEL,
  });
  await until(async () => ((await count()) > before ? true : undefined), `a new version of ${device}`);
}
