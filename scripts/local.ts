/**
 * `npm run local`: the whole bot on this machine without a Slack workspace. Starts the Slack
 * emulator, the bot and a worker (role `all`) on local Redis and Postgres, with the inventory from
 * netops.yaml (or the sample netops.example.yaml), and a console where you type what you would type
 * in Slack: `/net devices`, `@netops jobs`, or just `devices`.
 *
 *   npm run local                      interactive console
 *   npm run local -- --once "devices"  run one command, print what the bot posts, exit
 */
import { existsSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import { loadConfig } from '../src/config.js';
import { createConsolePrinter } from '../src/lab/console.js';
import { createSlackEmulator } from '../src/lab/slack/index.js';
import { createLogger } from '../src/log.js';
import { startRoles } from '../src/main.js';

const args = process.argv.slice(2);
const onceIdx = args.indexOf('--once');
const once = onceIdx >= 0 ? args[onceIdx + 1] : undefined;
const env = process.env;
const secret = 'local-emulator-signing-secret';
const configPath = env.NETOPS_CONFIG ?? (existsSync('netops.yaml') ? 'netops.yaml' : 'netops.example.yaml');
const channelId = 'C00NETOPS0';
const userId = 'U0000ALICE';

const emu = await createSlackEmulator({ signingSecret: secret, port: Number(env.EMULATOR_PORT ?? 0) });
const config = loadConfig(
  {
    ...env,
    SLACK_BOT_TOKEN: 'xoxb-local-emulator',
    SLACK_SIGNING_SECRET: secret,
    SLACK_APP_TOKEN: undefined,
    SLACK_API_URL: emu.apiUrl,
    NETOPS_CONFIG: configPath,
    DATABASE_URL: env.DATABASE_URL ?? 'postgres://root@127.0.0.1:5432/netops',
    PORT: env.PORT ?? '3000',
    HOST: '127.0.0.1',
    LOG_LEVEL: env.LOG_LEVEL ?? 'warn',
  },
  { role: 'all', readFile: (p) => readFileSync(p, 'utf8') },
);
const log = createLogger(config.env.LOG_LEVEL, { role: 'local' });
const running = await startRoles({ config, role: 'all', log });
emu.setBotUrl(`http://127.0.0.1:${running.port}`);
const command = config.slack.command;
const printer = createConsolePrinter({ emu, filesDir: 'var/files', write: (l) => console.log(l) });

async function send(line: string): Promise<void> {
  const text = line.trim();
  if (!text) return;
  if (text.startsWith('@')) {
    await emu.event({
      type: 'app_mention',
      text: `<@${emu.workspace.botUserId}> ${text.replace(/^@\S+\s*/, '')}`,
      channel: channelId,
      user: userId,
    });
    return;
  }
  const body = text.startsWith(command) ? text.slice(command.length).trim() : text;
  const res = await emu.slashCommand({ command, text: body, channelId, userId });
  if (res.status !== 200) console.log(`  ✗ the bot answered HTTP ${res.status}`);
}

async function settle(ms: number, until?: () => boolean): Promise<void> {
  const end = Date.now() + ms;
  let quietSince = Date.now();
  let last = emu.calls.length + emu.responseUrlPosts.length;
  while (Date.now() < end) {
    await new Promise((r) => setTimeout(r, 100));
    printer.flush();
    const now = emu.calls.length + emu.responseUrlPosts.length;
    if (now !== last) {
      last = now;
      quietSince = Date.now();
    }
    if (until?.() && Date.now() - quietSince > 400) return;
  }
}

const stop = async (code: number) => {
  await running.stop(5_000);
  await emu.close();
  process.exit(code);
};

console.log(
  `netops-bot (local): ${config.devices.length} devices from ${configPath}; Slack emulator at ${emu.url}; bot on :${running.port}`,
);
if (once !== undefined) {
  const before = emu.calls.length;
  await send(once);
  await settle(60_000, () => {
    const mine = emu.calls.slice(before);
    return (
      emu.responseUrlPosts.length > 0 ||
      mine.some(
        (c) =>
          c.method === 'chat.update' && /^(done|failed)/.test(String((c.args as { text?: string }).text)),
      )
    );
  });
  await stop(0);
} else {
  console.log(
    `Type what you would type in Slack: "${command} help", "${command} devices core*", "@netops jobs". Ctrl-D quits.`,
  );
  const rl = createInterface({ input: process.stdin, output: process.stdout, prompt: `#netops> ` });
  const ticker = setInterval(() => printer.flush(), 150);
  rl.prompt();
  for await (const line of rl) {
    await send(line);
    await settle(1_500);
    rl.prompt();
  }
  clearInterval(ticker);
  await stop(0);
}
