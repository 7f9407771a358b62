import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { ErrorCode, isNetopsError, NetopsError, userText } from '../errors.js';
import type { Inventory } from '../inventory/index.js';
import { type Enqueue, newJobId } from '../queue/index.js';
import type { Registry } from '../registry/index.js';
import type { CommandUser } from '../registry/types.js';
import type { AuditLog } from '../storage/audit.js';
import {
  type Destination,
  escapeMrkdwn,
  type Message,
  progressMessage,
  type Responder,
} from '../chat/index.js';

export interface IntakeOptions {
  config: Config;
  registry: Registry;
  inventory: Inventory;
  enqueue: Enqueue;
  responder: Responder;
  audit?: AuditLog;
  log: Logger;
  onCommand?(command: string, outcome: 'queued' | 'answered' | 'rejected' | 'failed'): void;
}

export interface Request {
  source: 'slash' | 'mention';
  text: string;
  user: CommandUser;
  where: Destination;
  /** How replies to this user are shown: privately (slash) or in the thread (mention). */
  replyPrivately(message: Message): Promise<void>;
  /** Opens a modal with this request's trigger_id (slash commands only). */
  openModal?(view: Record<string, unknown>): Promise<void>;
}

/**
 * Everything between "a verified request arrived" and "a job is queued": parse, run the command's
 * run() (which validates and enqueues), post the progress message, audit. Transport-blind.
 */
export function createIntake(options: IntakeOptions) {
  const { registry, responder, log, audit } = options;
  const invokedAs = options.config.slack.command;

  const auditSafely = async <T>(fn: () => Promise<T>): Promise<T | undefined> => {
    if (!audit) return undefined;
    try {
      return await fn();
    } catch (err) {
      // The audit trail is important but a dead database must not stop on-call work.
      log.error({ err }, 'audit write failed');
      return undefined;
    }
  };

  async function handle(req: Request): Promise<void> {
    const base = {
      source: req.source,
      userId: req.user.id,
      ...(req.user.name ? { userName: req.user.name } : {}),
      ...(req.user.teamId ? { teamId: req.user.teamId } : {}),
      channelId: req.where.channel,
      ...(req.where.threadTs ? { threadTs: req.where.threadTs } : {}),
      text: req.text,
    };
    let parsedName: string | undefined;
    try {
      const { command, args, parsed } = registry.parse(req.text);
      parsedName = command.name;
      let enqueued = false;
      await command.run({
        args,
        raw: parsed,
        user: req.user,
        where: req.where,
        config: options.config,
        inventory: options.inventory,
        registry,
        invokedAs,
        ...(audit ? { audit } : {}),
        ...(req.openModal ? { openModal: req.openModal } : {}),
        reply: async (message) => {
          if (message.inChannel) await responder.post(req.where, message);
          else await req.replyPrivately(message);
        },
        enqueue: async (jobName, data, opts = {}) => {
          enqueued = true;
          const jobId = newJobId();
          // A command's own description carries its formatting; raw text is quoted as typed.
          const what = opts.describe
            ? `${invokedAs} ${opts.describe}`
            : `\`${invokedAs} ${escapeMrkdwn(req.text)}\``;
          // The progress message comes first so the worker always has a message to edit.
          let messageTs: string;
          try {
            // Keyed: a post Slack made but answered with a 5xx is found, not made twice.
            ({ ts: messageTs } = await responder.post(
              req.where,
              progressMessage({ state: 'queued', what, jobId, userId: req.user.id }),
              { key: `${jobId}:progress` },
            ));
          } catch (err) {
            throw new NetopsError(ErrorCode.SLACK_API, 'could not post the progress message', {
              cause: err,
              userMessage: `I could not post in this channel, so nothing was started.`,
              hint:
                isNetopsError(err) && err.hint
                  ? err.hint
                  : 'Invite the bot to the channel (`/invite @netops`) and try again.',
            });
          }
          // With the durable audit log this never loses the row: it is spooled when Postgres is away.
          await auditSafely(() =>
            audit!.record({ ...base, command: command.name, status: 'queued', jobId, jobName }),
          );
          try {
            await options.enqueue(jobName, data, {
              jobId,
              origin: {
                channel: req.where.channel,
                ...(req.where.threadTs ? { threadTs: req.where.threadTs } : {}),
                messageTs,
                userId: req.user.id,
                ...(audit ? { audited: true } : {}),
              },
            });
          } catch (err) {
            await auditSafely(() =>
              audit!.jobFinished(
                jobId,
                'failed',
                userText(err),
                isNetopsError(err) ? err.code : ErrorCode.INTERNAL,
              ),
            );
            await responder
              .update(
                { ...req.where, ts: messageTs },
                progressMessage({ state: 'failed', what, jobId, userId: req.user.id, detail: userText(err) }),
              )
              .catch(() => {});
            options.onCommand?.(command.name, 'failed');
            throw Object.assign(err as object, { alreadyShown: true });
          }
          options.onCommand?.(command.name, 'queued');
          return { jobId };
        },
      });
      if (!enqueued) {
        options.onCommand?.(command.name, 'answered');
        await auditSafely(() => audit!.record({ ...base, command: command.name, status: 'answered' }));
      }
    } catch (err) {
      if ((err as { alreadyShown?: boolean }).alreadyShown) return;
      if (!isNetopsError(err)) log.error({ err, text: req.text }, 'command failed');
      options.onCommand?.(parsedName ?? 'unknown', 'rejected');
      await auditSafely(() =>
        audit!.record({
          ...base,
          ...(parsedName ? { command: parsedName } : {}),
          status: 'rejected',
          errorCode: isNetopsError(err) ? err.code : ErrorCode.INTERNAL,
          resultSummary: userText(err),
        }),
      );
      await req
        .replyPrivately({ text: `:warning: ${userText(err)}` })
        .catch((e) => log.warn({ err: e }, 'could not reply'));
    }
  }

  return { handle };
}

export type Intake = ReturnType<typeof createIntake>;
