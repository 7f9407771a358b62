import { afterEach, describe, expect, it } from 'vitest';
import { testCommands, testJobs } from '../fixtures/spine/sleep.js';
import { type Stack, startStack } from '../helpers/stack.js';

const CHANNEL = 'C00NETOPS0';

const updates = (s: Stack) =>
  s.emu.calls.filter((c) => c.method === 'chat.update' && c.status === 200).map((c) => String(c.args.text));

describe('regression: every Slack failure was retried, channel_not_found and invalid_auth included', () => {
  let s: Stack | undefined;
  afterEach(async () => {
    await s?.stop();
    s = undefined;
  });

  it.each([
    [
      'channel_not_found',
      'NETOPS_SLACK_CHANNEL',
      /not let netops-bot post in that channel.*`\/invite @netops`/s,
    ],
    ['not_in_channel', 'NETOPS_SLACK_CHANNEL', /the bot is not a member/],
    ['invalid_auth', 'NETOPS_SLACK_AUTH', /refused netops-bot’s token.*SLACK_BOT_TOKEN/s],
  ])(
    'the result post refused with %s fails the job at once with a sentence, not three attempts',
    async (error, code, sentence) => {
      s = await startStack({ start: { jobs: testJobs, commands: testCommands } });
      await s.emu.slashCommand({ command: '/net', text: 'sleep 800', channelId: CHANNEL });
      // The progress message is up (the bot posted it); the result post is the one Slack refuses.
      await s.emu.waitFor((c) => c.method === 'chat.update' && /^running/.test(String(c.args.text)), 15_000);
      const refusal = s.emu.fault({ method: 'chat.postMessage', kind: 'refused', error, times: 10 });
      await expect
        .poll(() => updates(s!).some((t) => t.startsWith('failed')), { timeout: 20_000 })
        .toBe(true);
      await new Promise((r) => setTimeout(r, 1_500)); // a retry, if one were made, posts again now
      expect(refusal.hits).toBe(1);
      expect(updates(s).filter((t) => t.startsWith('running'))).toHaveLength(1);
      expect(updates(s).some((t) => t.startsWith('retrying'))).toBe(false);
      expect(updates(s).find((t) => t.startsWith('failed'))).toMatch(sentence);
      const { rows } = await s.db.pool.query(
        "SELECT status, error_code FROM audit WHERE job_name = 'test.sleep'",
      );
      expect(rows).toEqual([{ status: 'failed', error_code: code }]);
    },
    60_000,
  );

  it('a 500 on the result post is still retried and the result arrives once', async () => {
    s = await startStack({ start: { jobs: testJobs, commands: testCommands } });
    await s.emu.slashCommand({ command: '/net', text: 'sleep 300', channelId: CHANNEL });
    await s.emu.waitFor((c) => c.method === 'chat.update' && /^running/.test(String(c.args.text)), 15_000);
    s.emu.fault({ method: 'chat.postMessage', kind: 'error', times: 2 });
    await expect.poll(() => updates(s!).some((t) => t.startsWith('done')), { timeout: 30_000 }).toBe(true);
    expect((s.emu.messages[CHANNEL] ?? []).filter((m) => /woke up/.test(JSON.stringify(m)))).toHaveLength(1);
  }, 60_000);
});
