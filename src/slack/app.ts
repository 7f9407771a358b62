import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, LogLevel, SocketModeReceiver } from '@slack/bolt';
import type { Logger } from 'pino';
import type { Access, Action, DeviceFacts } from '../policy/index.js';
import type { Intake } from './intake.js';
import { type Route, routeMatches, SigningReceiver } from './receiver.js';
import type { Responder } from '../chat/index.js';

export interface ActionHandler {
  /** Block Kit action_id (exact) this handles. */
  actionId: string;
  /** What the policy must allow; decided on the clicking user, channel and devicesOf(value). */
  action: Action;
  /** The devices a click's value names (untrusted: return [] when it names none or is malformed). */
  devicesOf?(value: string | undefined): DeviceFacts[];
  handle(input: {
    /** What the clicking user may do, already allowed `action`. */
    access: Access;
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
  /** What the policy must allow for a submission. */
  action: Action;
  /** The channel and devices a submission is about, read from its private_metadata (untrusted). */
  scopeOf?(privateMetadata: string): { channel?: string; devices: string[] };
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

export interface Click {
  userId: string;
  channel?: string;
  channelName?: string;
  messageTs?: string;
  threadTs?: string;
  value?: string;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/**
 * What a block_actions payload says, read defensively: the body is whatever reached a signed
 * endpoint, so every field is checked for its type. Null when there is no user to decide on.
 */
export function readClick(body: unknown, action: unknown): Click | null {
  if (typeof body !== 'object' || body === null) return null;
  const b = body as Record<string, unknown>;
  const obj = (v: unknown) => (typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {});
  const userId = str(obj(b.user).id);
  if (!userId) return null;
  const channel = obj(b.channel);
  const container = obj(b.container);
  const message = obj(b.message);
  const channelId = str(channel.id) ?? str(container.channel_id);
  const channelName = str(channel.name);
  const messageTs = str(message.ts) ?? str(container.message_ts);
  const threadTs = str(message.thread_ts) ?? str(container.thread_ts);
  const value = obj(action).value;
  return {
    userId,
    ...(channelId ? { channel: channelId } : {}),
    ...(channelName ? { channelName } : {}),
    ...(messageTs ? { messageTs } : {}),
    ...(threadTs ? { threadTs } : {}),
    ...(typeof value === 'string' ? { value } : {}),
  };
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
      ...(command.channel_name ? { channelName: command.channel_name } : {}),
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

  // Slack says a user group changed: its members are asked again on the next request.
  app.event('subteam_members_changed', async ({ event }) => {
    const id = (event as { subteam_id?: unknown }).subteam_id;
    if (typeof id === 'string') intake.groupChanged(id);
  });

  for (const action of options.actions ?? []) {
    app.action(action.actionId, async ({ ack, body, action: a, client }) => {
      await ack();
      const triggerId = (body as { trigger_id?: unknown }).trigger_id;
      const click = readClick(body, a);
      if (!click) {
        log.warn({ actionId: action.actionId }, 'interaction without a user; ignored');
        return;
      }
      let devices: DeviceFacts[] = [];
      try {
        devices = action.devicesOf?.(click.value) ?? [];
      } catch {
        // a malformed value names no device; the handler refuses it with its own message
      }
      const where = click.channel
        ? { channel: click.channel, ...(click.threadTs ? { threadTs: click.threadTs } : {}) }
        : undefined;
      await intake
        .interaction({
          actionId: action.actionId,
          action: action.action,
          devices,
          ...click,
          // Without a channel (a click from somewhere unusual) the answer goes to the user's DM.
          replyPrivately: async (m) => {
            if (where) await options.responder.ephemeral(where, click.userId, m);
            else await options.responder.post({ channel: click.userId }, m);
          },
          run: (access) =>
            action.handle({
              access,
              userId: click.userId,
              ...(click.channel ? { channel: click.channel } : {}),
              ...(click.messageTs ? { messageTs: click.messageTs } : {}),
              ...(click.threadTs ? { threadTs: click.threadTs } : {}),
              ...(click.value !== undefined ? { value: click.value } : {}),
              responder: options.responder,
              openModal: async (view) => {
                if (typeof triggerId !== 'string') throw new Error('this interaction carries no trigger_id');
                await client.views.open({ trigger_id: triggerId, view: view as never });
              },
            }),
        })
        .catch((err) => log.error({ err, actionId: action.actionId }, 'action failed'));
    });
  }

  for (const v of options.views ?? []) {
    app.view(v.callbackId, async ({ ack, body, view }) => {
      let errors: Record<string, string> | undefined;
      const first = (view.blocks as Array<{ type: string; block_id?: string }>).find(
        (b) => b.type === 'input',
      );
      let scope: { channel?: string; devices: string[] } = { devices: [] };
      try {
        scope = v.scopeOf?.(view.private_metadata ?? '') ?? scope;
      } catch {
        // damaged metadata names nothing; the handler says so itself
      }
      const denied = await intake.submission({
        callbackId: v.callbackId,
        action: v.action,
        userId: body.user.id,
        ...(scope.channel ? { channel: scope.channel } : {}),
        deviceNames: scope.devices,
      });
      if (denied) {
        // Slack shows field errors only (150 characters): the whole sentence also goes privately.
        if (scope.channel) {
          await options.responder
            .ephemeral({ channel: scope.channel }, body.user.id, { text: `:no_entry: ${denied}` })
            .catch(() => {});
        }
        // The reason goes on the first input; the form stays open as typed.
        await ack({
          response_action: 'errors',
          errors: { [first?.block_id ?? 'lines']: denied.slice(0, 150) },
        });
        return;
      }
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
          const path = (req.url ?? '').split('?')[0] ?? '';
          const mounted = options.routes?.find((r) => r.mount && routeMatches(r, req.method, path));
          if (mounted) return void (await mounted.handler(req, res, ''));
          const route = options.routes?.find((r) => !r.mount && routeMatches(r, req.method, path));
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
