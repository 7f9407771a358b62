import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { ErrorCode, isNetopsError, NetopsError, userText } from '../errors.js';
import type { Inventory } from '../inventory/index.js';
import {
  type Access,
  type Action,
  type Decision,
  type DeviceFacts,
  type Guard,
  isPolicyDenial as isDenial,
  policyDenial,
} from '../policy/index.js';
import { type Enqueue, newJobId } from '../queue/index.js';
import type { Registry } from '../registry/index.js';
import type { CommandUser } from '../registry/types.js';
import type { AuditLog, NewAudit } from '../storage/audit.js';
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
  /** Who may do what: every command and every interaction is decided here before anything runs. */
  guard: Guard;
  audit?: AuditLog;
  log: Logger;
  onCommand?(command: string, outcome: 'queued' | 'answered' | 'rejected' | 'denied' | 'failed'): void;
  /** Throws (NETOPS_RATE_LIMITED) when this person has sent too many commands just now. */
  admit?(userId: string): Promise<void>;
}

export interface Request {
  source: 'slash' | 'mention';
  text: string;
  user: CommandUser;
  where: Destination;
  /** Without the `#`, when the transport knows it (slash commands do): lets `#name` rules match. */
  channelName?: string;
  /** How replies to this user are shown: privately (slash) or in the thread (mention). */
  replyPrivately(message: Message): Promise<void>;
  /** Opens a modal with this request's trigger_id (slash commands only). */
  openModal?(view: Record<string, unknown>): Promise<void>;
}

/** A button click, modal submission or alert action, as the transport read it. */
export interface InteractionRequest {
  /** Block Kit action_id (or callback_id). */
  actionId: string;
  /** What the handler declared it needs. */
  action: Action;
  /** What the click would touch (read from its value; may be empty). */
  devices: readonly DeviceFacts[];
  userId: string;
  channel?: string;
  channelName?: string;
  threadTs?: string;
  value?: string;
  /** The handler's work, run only when the policy allows it. */
  run(access: Access): Promise<void>;
  replyPrivately(message: Message): Promise<void>;
}

/**
 * Everything between "a verified request arrived" and "a job is queued": parse, authorise (the
 * command's action, then per device when it enqueues), run the command's run() (which validates
 * and enqueues), post the progress message, audit. Transport-blind.
 */
export function createIntake(options: IntakeOptions) {
  const { registry, responder, log, audit, guard } = options;
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
    const base: NewAudit = {
      source: req.source,
      userId: req.user.id,
      ...(req.user.name ? { userName: req.user.name } : {}),
      ...(req.user.teamId ? { teamId: req.user.teamId } : {}),
      channelId: req.where.channel,
      ...(req.where.threadTs ? { threadTs: req.where.threadTs } : {}),
      text: req.text,
      status: 'answered',
    };
    let parsedName: string | undefined;
    let tried: { action: Action; devices: readonly DeviceFacts[] } | undefined;
    try {
      const { command, args, parsed } = registry.parse(req.text);
      parsedName = command.name;
      await options.admit?.(req.user.id);
      const channel = { id: req.where.channel, ...(req.channelName ? { name: req.channelName } : {}) };
      const access = await guard.access(req.user.id, channel);
      const declared: Action[] = [command.action, ...(command.alsoActions ?? [])];
      const wanted = command.actionFor?.(args) ?? command.action;
      if (!declared.includes(wanted)) {
        throw new NetopsError(
          ErrorCode.INTERNAL,
          `${command.name}.actionFor gave ${wanted}, which it does not declare`,
        );
      }
      tried = { action: wanted, devices: [] };
      // Before run(): may this user do this here at all? Device scopes are checked at enqueue.
      const early = access.decide(wanted);
      if (!early.allow) {
        const target = command.targetOf?.(args);
        let named: DeviceFacts[] = [];
        try {
          named = target ? options.inventory.resolve(target) : [];
        } catch {
          // an unknown device: the denial still stands, with no device to file it under
        }
        tried = { action: wanted, devices: named };
        throw policyDenial(wanted, early);
      }
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
        access,
        ...(audit ? { audit } : {}),
        ...(req.openModal ? { openModal: req.openModal } : {}),
        reply: async (message) => {
          if (message.inChannel) await responder.post(req.where, message);
          else await req.replyPrivately(message);
        },
        enqueue: async (jobName, data, opts = {}) => {
          const action = opts.action ?? wanted;
          if (!declared.includes(action)) {
            throw new NetopsError(
              ErrorCode.INTERNAL,
              `${command.name} enqueued ${jobName} with action ${action}, which it does not declare`,
            );
          }
          const devices = opts.devices ?? [];
          tried = { action, devices };
          const decision = access.decide(action, devices);
          if (!decision.allow) throw policyDenial(action, decision);
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
            audit!.record({
              ...base,
              command: command.name,
              status: 'queued',
              jobId,
              jobName,
              action,
              devices: devices.map((d) => d.name),
              rule: decision.rule.id,
            }),
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
        await auditSafely(() =>
          audit!.record({ ...base, command: command.name, status: 'answered', action: command.action }),
        );
      }
    } catch (err) {
      if ((err as { alreadyShown?: boolean }).alreadyShown) return;
      if (!isNetopsError(err)) log.error({ err, text: req.text }, 'command failed');
      const denied = isDenial(err);
      options.onCommand?.(parsedName ?? 'unknown', denied ? 'denied' : 'rejected');
      await auditSafely(() =>
        audit!.record({
          ...base,
          ...(parsedName ? { command: parsedName } : {}),
          status: denied ? 'denied' : 'rejected',
          ...(tried ? { action: tried.action, devices: tried.devices.map((d) => d.name) } : {}),
          errorCode: isNetopsError(err) ? err.code : ErrorCode.INTERNAL,
          resultSummary: userText(err),
        }),
      );
      await req
        .replyPrivately({ text: `${denied ? ':no_entry:' : ':warning:'} ${userText(err)}` })
        .catch((e) => log.warn({ err: e }, 'could not reply'));
    }
  }

  /**
   * A click is a request like any other: it is decided on who clicked, where, and what the value
   * names, never on who the button was shown to, so a forged or replayed payload gets nowhere.
   */
  async function interaction(req: InteractionRequest): Promise<void> {
    const channel = { id: req.channel ?? '', ...(req.channelName ? { name: req.channelName } : {}) };
    const base: NewAudit = {
      source: 'interaction',
      userId: req.userId,
      ...(req.channel ? { channelId: req.channel } : {}),
      ...(req.threadTs ? { threadTs: req.threadTs } : {}),
      // the value is what the button carries (a proposed device, an id): never a secret
      text: `[${req.actionId}] ${(req.value ?? '').slice(0, 500)}`,
      command: req.actionId,
      action: req.action,
      devices: req.devices.map((d) => d.name),
      status: 'answered',
    };
    let access: Access;
    let decision: Decision;
    try {
      access = await guard.access(req.userId, channel);
      decision = access.decide(req.action, req.devices);
    } catch (err) {
      log.error({ err, actionId: req.actionId }, 'policy check failed');
      await req.replyPrivately({ text: `:warning: ${userText(err)}` }).catch(() => {});
      return;
    }
    if (!decision.allow) {
      const e = policyDenial(req.action, decision);
      await auditSafely(() =>
        audit!.record({
          ...base,
          status: 'denied',
          errorCode: e.code,
          resultSummary: e.toUserText(),
        }),
      );
      await req
        .replyPrivately({ text: `:no_entry: ${e.toUserText()}` })
        .catch((err) => log.warn({ err }, 'could not reply'));
      return;
    }
    try {
      await req.run(access);
      await auditSafely(() => audit!.record({ ...base, status: 'answered', rule: decision.rule.id }));
    } catch (err) {
      if (!isNetopsError(err)) log.error({ err, actionId: req.actionId }, 'action failed');
      await auditSafely(() =>
        audit!.record({
          ...base,
          status: 'rejected',
          rule: decision.rule.id,
          errorCode: isNetopsError(err) ? err.code : ErrorCode.INTERNAL,
          resultSummary: userText(err),
        }),
      );
      await req.replyPrivately({ text: `:warning: ${userText(err)}` }).catch(() => {});
    }
  }

  /**
   * A modal submission: decided on who submitted and on the channel and devices its metadata
   * names (metadata a forger controls, so it is decided, not trusted). Audited either way.
   * Returns the denial sentence, or undefined when allowed.
   */
  async function submission(req: {
    callbackId: string;
    action: Action;
    userId: string;
    channel?: string;
    deviceNames: readonly string[];
  }): Promise<string | undefined> {
    const devices = req.deviceNames.map((n) => options.inventory.get(n) ?? { name: n });
    const base: NewAudit = {
      source: 'interaction',
      userId: req.userId,
      ...(req.channel ? { channelId: req.channel } : {}),
      text: `[${req.callbackId}] ${req.deviceNames.join(' ').slice(0, 400)}`,
      command: req.callbackId,
      action: req.action,
      devices: req.deviceNames,
      status: 'answered',
    };
    let decision: Decision;
    try {
      const access = await guard.access(req.userId, { id: req.channel ?? '' });
      decision = access.decide(req.action, devices);
    } catch (err) {
      log.error({ err, callbackId: req.callbackId }, 'policy check failed');
      return userText(err);
    }
    if (!decision.allow) {
      const e = policyDenial(req.action, decision);
      await auditSafely(() =>
        audit!.record({ ...base, status: 'denied', errorCode: e.code, resultSummary: e.toUserText() }),
      );
      return e.toUserText();
    }
    await auditSafely(() => audit!.record({ ...base, rule: decision.rule.id }));
    return undefined;
  }

  return {
    handle,
    interaction,
    submission,
    /** `subteam_members_changed`: membership of this group is asked again on next use. */
    groupChanged: (groupId: string) => guard.forgetGroup(groupId),
  };
}

export type Intake = ReturnType<typeof createIntake>;
