import type { z } from 'zod';
import type { Config } from '../config.js';
import type { Inventory } from '../inventory/index.js';
import type { AuditLog } from '../storage/audit.js';
import type { Destination, Message } from '../chat/index.js';
import type { Enqueue } from '../queue/types.js';
import type { Access, Action, DeviceFacts } from '../policy/index.js';

export interface ParsedArgs {
  /** Positional words after the subcommand, quotes removed. */
  positionals: string[];
  /** --flag value / --flag=value / --bool. */
  flags: Record<string, string | boolean>;
  /** The raw text after the subcommand. */
  raw: string;
}

export interface CommandUser {
  id: string;
  name?: string;
  teamId?: string;
}

export interface CommandContext<A> {
  args: A;
  raw: ParsedArgs;
  user: CommandUser;
  where: Destination;
  /**
   * Enqueue the job that does the work; the host posts the "queued" message and audits it. The
   * policy is asked first with `devices` (what the job will touch) and `action` (the command's own
   * unless one of its `alsoActions`): a denial throws and nothing is queued.
   */
  enqueue(
    jobName: string,
    data: unknown,
    options?: { describe?: string; devices?: readonly DeviceFacts[]; action?: Action },
  ): Promise<{ jobId: string }>;
  /**
   * Opens a modal (Slack views.open) with the trigger of this request. Present only for requests that
   * carry a trigger (slash commands, button clicks); a mention has none.
   */
  openModal?(view: Record<string, unknown>): Promise<void>;
  /** Answer at once without a job (help, validation errors). Private to the user unless `inChannel`. */
  reply(message: Message & { inChannel?: boolean }): Promise<void>;
  config: Config;
  inventory: Inventory;
  audit?: AuditLog;
  /** The registry itself (help lists it). */
  registry: RegistryView;
  /** How the user invoked us, e.g. `/net` or `@netops`: used in help and hints. */
  invokedAs: string;
  /** What this user may do in this channel (help lists by it; whoami shows it). */
  access: Access;
}

export interface RegistryView {
  list(): readonly CommandDefinition[];
  get(name: string): CommandDefinition | undefined;
  /**
   * Help text generated from the registry: all commands, or one with its examples. With `may`,
   * only the commands whose action (or one of its alsoActions) the user may run.
   */
  help(invokedAs: string, name?: string, may?: (action: Action) => boolean): string;
}

export interface CommandDefinition<S extends z.ZodType = z.ZodType> {
  name: string;
  /** Other words that run this command. */
  aliases?: string[];
  summary: string;
  /** e.g. "devices [filter] [--site S] [--role R] [--tag T]" */
  usage: string;
  examples?: string[];
  /** Flags that never take a value (`--missing`), so `--missing foo` keeps `foo` positional. */
  booleanFlags?: string[];
  /** Hidden from help (internal or not yet released). */
  hidden?: boolean;
  /**
   * What the policy must allow before this command runs (`public`: everyone, always). Checked at
   * intake, and again per device when the command enqueues.
   */
  action: Action;
  /** Other actions some uses need (`config backup` → backup); passed to enqueue as `action`. */
  alsoActions?: readonly Action[];
  /** Which of the declared actions these arguments need, so a denial names the right one. */
  actionFor?(args: z.infer<S>): Action;
  /** The device word in these arguments, if any: a denial before run() is audited against its devices. */
  targetOf?(args: z.infer<S>): string | undefined;
  /**
   * Turns ParsedArgs into typed args. Receives { positionals, flags }. A failure becomes a private
   * reply naming the problem and showing usage.
   */
  args: S;
  run(ctx: CommandContext<z.infer<S>>): Promise<void>;
}

export type { Enqueue };
