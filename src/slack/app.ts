import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, LogLevel, SocketModeReceiver } from '@slack/bolt';
import type { Logger } from 'pino';
import type { Intake } from './intake.js';
import { type Route, SigningReceiver } from './receiver.js';
import type { Responder } from '../chat/index.js';

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
    /** Opens a modal with the click's trigger_id (valid for 3 s). */
    openModal(view: Record<string, unknown>): Promise<void>;
  }): Promise<void>;
}

/** What a modal's inputs hold on submission: block_id → action_id → element state. */
export type ViewValues = Record<
  string,
  Record<string, { value?: string | null; selected_option?: { value: string } | null }>
>;

export interface ViewHandler {
  /** The modal's callback_id. */
  callbackId: string;
  /**
   * Handles a submission. Returning field errors (block_id → sentence) keeps the modal open with
   * everything the user typed; returning nothing closes it.
   */
  submit(input: {
    userId: string;
    values: ViewValues;
    privateMetadata: string;
    responder: Responder;
  }): Promise<Record<string, string> | undefined>;
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
  views?: ViewHandler[];
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

  app.command(options.command, async ({ command, ack, respond, client }) => {
    await ack();
    await intake.handle({
      source: 'slash',
      text: command.text ?? '',
      user: { id: command.user_id, name: command.user_name, teamId: command.team_id },
      where: { channel: command.channel_id },
      // A trigger_id is good for 3 s: the command opens its modal before anything slow.
      openModal: async (view) => {
        await client.views.open({ trigger_id: command.trigger_id, view: view as never });
      },
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
    app.action(action.actionId, async ({ ack, body, action: a, client }) => {
      await ack();
      const triggerId = (body as { trigger_id?: string }).trigger_id;
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
          openModal: async (view) => {
            if (!triggerId) throw new Error('this interaction carries no trigger_id');
            await client.views.open({ trigger_id: triggerId, view: view as never });
          },
        })
        .catch((err) => log.error({ err, actionId: action.actionId }, 'action failed'));
    });
  }

  for (const v of options.views ?? []) {
    app.view(v.callbackId, async ({ ack, body, view }) => {
      let errors: Record<string, string> | undefined;
      try {
        errors = await v.submit({
          userId: body.user.id,
          values: view.state.values as ViewValues,
          privateMetadata: view.private_metadata ?? '',
          responder: options.responder,
        });
      } catch (err) {
        log.error({ err, callbackId: v.callbackId }, 'view submission failed');
        // Keep the modal (and what was typed) open with the reason on its first field.
        const first = (view.blocks as Array<{ type: string; block_id?: string }>).find(
          (b) => b.type === 'input',
        );
        errors = {
          [first?.block_id ?? 'lines']: `Could not submit: ${(err as Error).message}`.slice(0, 150),
        };
      }
      await ack(errors ? { response_action: 'errors', errors } : undefined);
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
          await route.handler(req, res, '');
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
