/**
 * `npm run local`: the whole bot on this machine without a Slack workspace. Starts the Slack
 * emulator, the bot and a worker (role `all`) on local Redis and Postgres, with the inventory from
 * netops.yaml (or the sample netops.example.yaml), and a console where you type what you would type
 * in Slack: `/net devices`, `@netops jobs`, or just `devices`.
 *
 *   npm run local                      interactive console
 *   npm run local -- --once "devices"  run one command, print what the bot posts, exit
 */
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import { startLocalSite } from '../src/lab/local-site.js';
import { alertmanagerAvailable, startAlertmanager } from '../src/lab/alertmanager.js';
import { devicesUnderChange, startScenarioLoop } from '../src/lab/scenario.js';

const args = process.argv.slice(2);
const onceIdx = args.indexOf('--once');
const once = onceIdx >= 0 ? args[onceIdx + 1] : undefined;
const env = process.env;
const configPath = env.NETOPS_CONFIG ?? (existsSync('netops.yaml') ? 'netops.yaml' : 'netops.example.yaml');
const logPath = env.NETOPS_LOG_FILE ?? 'var/local/netops-bot.log';

const local = await startLocalSite({
  env,
  configPath,
  dir: 'var/local',
  logPath,
  filesDir: 'var/files',
  write: (l) => console.log(l),
  once: once !== undefined,
});
const { config, emu, running } = local;
const command = config.slack.command;

console.log(
  `netops-bot (local): ${config.devices.length} simulated devices (from ${configPath}); Slack emulator at ${emu.url}; bot on :${running.port}`,
);
console.log(`logs: ${logPath}`);

async function settle(ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    await new Promise((r) => setTimeout(r, 100));
    local.flush();
  }
}

if (once !== undefined) {
  const outcome = await local.run(once, 60_000);
  await local.stop();
  process.exit(outcome.state === 'timeout' ? 1 : 0);
} else {
  console.log(`web console: ${local.web.url}`);
  const say = (line: string) => console.log(line);
  local.history.then(say, (err) => say(`lab: history not written: ${(err as Error).message}`));
  local.rollups.then(say, (err) => say(`lab: rollups not written: ${(err as Error).message}`));
  const minutes = (name: string, fallback: number) => Number(env[name] ?? fallback) * 60_000;
  const alertUrl = `http://127.0.0.1:${running.port}/alerts/alertmanager`;
  // A real Alertmanager when Debian's package is installed, as a team would run one.
  const { alertmanagerPort, token } = local.alerts;
  const alertmanager =
    alertmanagerPort && alertmanagerAvailable()
      ? await startAlertmanager({ webhookUrl: alertUrl, bearerToken: token, port: alertmanagerPort }).catch(
          (err) => {
            say(`lab: Alertmanager not started (${(err as Error).message}); alerts are posted in its format`);
            return undefined;
          },
        )
      : undefined;
  const scenario = startScenarioLoop({
    site: local.site,
    say,
    alertUrl,
    alertToken: token,
    ...(alertmanager ? { alertmanager } : {}),
    colleagueEveryMs: minutes('NETOPS_LAB_COLLEAGUE_MINUTES', 6),
    alertEveryMs: minutes('NETOPS_LAB_ALERT_MINUTES', 4),
    busy: () => devicesUnderChange(running.pool),
  });
  const stopAll = async () => {
    scenario.stop();
    await alertmanager?.stop();
    await local.stop();
    process.exit(0);
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void stopAll());
  console.log(
    `Type what you would type in Slack: "${command} help", "${command} devices core*", "@netops jobs". Ctrl-D quits.`,
  );
  const rl = createInterface({ input: process.stdin, output: process.stdout, prompt: `#netops> ` });
  const ticker = setInterval(() => local.flush(), 150);
  rl.prompt();
  for await (const line of rl) {
    await local.send(line);
    await settle(1_500);
    rl.prompt();
  }
  // Ctrl-D at a terminal quits; a closed stdin (started in the background, from a script) leaves
  // the web console running until SIGINT/SIGTERM.
  if (process.stdin.isTTY) {
    clearInterval(ticker);
    await stopAll();
  } else {
    console.log(`stdin closed; the web console stays at ${local.web.url} until Ctrl-C or SIGTERM`);
  }
}
