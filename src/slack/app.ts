import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, LogLevel, SocketModeReceiver } from '@slack/bolt';
import type { Logger } from 'pino';
import type { Intake } from './intake.js';
import { type Route, SigningReceiver } from './receiver.js';
import type { Responder } from './types.js';

export interface ActionHandler {
  /** Block Kit action_id (exact) this handles. */
  actionId: string;
  handle(input: {
    userId: string;
    channel?: string;
    threadTs?: string;
    messageTs?: string;
    value?: string;
    responder: Responder;
  }): Promise<void>;
}

export interface SlackAppOptions {
  botToken: string;
  signingSecret?: string;
  /** Socket Mode when set. */
  appToken?: string;
  apiUrl?: string;
  command: string;
  port: number;
  host?: string;
  intake: Intake;
  responder: Responder;
  actions?: ActionHandler[];
  routes?: Route[];
  log: Logger;
  onRequest?(outcome: 'ok' | 'unauthorized' | 'bad-request', ms: number): void;
}

export interface SlackApp {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Port of the HTTP server (Slack events in HTTP mode; health and metrics in both). */
  readonly port: number;
  readonly app: InstanceType<typeof App>;
}

/** Strips the leading mention(s) so `@netops show core1 version` reads like the slash command. */
export function mentionText(text: string): string {
  return text.replace(/^(\s*<@[A-Z0-9]+(\|[^>]*)?>)+/, '').trim();
}

export function createSlackApp(options: SlackAppOptions): SlackApp {
  const { intake, log } = options;
  const boltLogger = {
    debug: () => {},
    info: () => {},
    warn: (...m: unknown[]) => log.warn({ bolt: m.map(String).join(' ') }),
    error: (...m: unknown[]) => log.error({ bolt: m.map(String).join(' ') }),
    setLevel: () => {},
    getLevel: () => LogLevel.WARN,
    setName: () => {},
  };
  const clientOptions = options.apiUrl ? { slackApiUrl: options.apiUrl } : {};

  let receiver: SigningReceiver | InstanceType<typeof SocketModeReceiver>;
  let sideServer: Server | undefined;
  if (options.appToken) {
    receiver = new SocketModeReceiver({
      appToken: options.appToken,
      logger: boltLogger,
      // Bolt hands installerOptions.clientOptions to the Socket Mode client's own WebClient.
      ...(options.apiUrl ? { installerOptions: { clientOptions: { slackApiUrl: options.apiUrl } } } : {}),
    });
  } else {
    if (!options.signingSecret) throw new Error('SLACK_SIGNING_SECRET is required without SLACK_APP_TOKEN');
    receiver = new SigningReceiver({
      signingSecret: options.signingSecret,
      port: options.port,
      ...(options.host ? { host: options.host } : {}),
      log,
      routes: options.routes ?? [],
      ...(options.onRequest ? { onRequest: options.onRequest } : {}),
    });
  }

  const app = new App({ token: options.botToken, receiver, logger: boltLogger, clientOptions });

  app.command(options.command, async ({ command, ack, respond }) => {
    await ack();
    await intake.handle({
      source: 'slash',
      text: command.text ?? '',
      user: { id: command.user_id, name: command.user_name, teamId: command.team_id },
      where: { channel: command.channel_id },
      replyPrivately: async (m) => {
        await respond({
          response_type: 'ephemeral',
          text: m.text,
          ...(m.blocks ? { blocks: m.blocks as never } : {}),
        });
      },
    });
  });

  app.event('app_mention', async ({ event }) => {
    if (!event.user) return;
    const where = { channel: event.channel, threadTs: event.thread_ts ?? event.ts };
    const user = event.user;
    await intake.handle({
      source: 'mention',
      text: mentionText(event.text),
      user: { id: user, ...(event.team ? { teamId: event.team } : {}) },
      where,
      replyPrivately: (m) => options.responder.ephemeral(where, user, m),
    });
  });

  for (const action of options.actions ?? []) {
    app.action(action.actionId, async ({ ack, body, action: a }) => {
      await ack();
      const b = body as {
        user: { id: string };
        channel?: { id: string };
        message?: { ts: string; thread_ts?: string };
      };
      const value = (a as { value?: string }).value;
      await action
        .handle({
          userId: b.user.id,
          ...(b.channel ? { channel: b.channel.id } : {}),
          ...(b.message?.ts ? { messageTs: b.message.ts } : {}),
          ...(b.message?.thread_ts ? { threadTs: b.message.thread_ts } : {}),
          ...(value !== undefined ? { value } : {}),
          responder: options.responder,
        })
        .catch((err) => log.error({ err, actionId: action.actionId }, 'action failed'));
    });
  }

  app.error(async (err) => {
    log.error({ err }, 'bolt error');
  });

  return {
    app,
    get port() {
      if (receiver instanceof SigningReceiver) return receiver.port;
      return (sideServer?.address() as AddressInfo | null)?.port ?? options.port;
    },
    async start() {
      await app.start();
      if (!(receiver instanceof SigningReceiver)) {
        // Socket Mode has no HTTP server of its own; health and metrics still need one.
        sideServer = createServer(async (req, res) => {
          const route = options.routes?.find(
            (r) => r.path === (req.url ?? '').split('?')[0] && r.method === req.method,
          );
          if (!route) return void res.writeHead(404).end();
          // Alert webhooks arrive here in Socket Mode too: read the body (bounded) as the HTTP receiver does.
          const chunks: Buffer[] = [];
          let size = 0;
          for await (const c of req) {
            size += (c as Buffer).length;
            if (size > 1_000_000) return void res.writeHead(413).end('body too large');
            chunks.push(c as Buffer);
          }
          await route.handler(req, res, Buffer.concat(chunks).toString('utf8'));
        });
        await new Promise<void>((r) => sideServer!.listen(options.port, options.host ?? '0.0.0.0', r));
      }
    },
    async stop() {
      await app.stop().catch(() => {});
      if (sideServer) await new Promise<void>((r) => sideServer!.close(() => r()));
    },
  };
}
