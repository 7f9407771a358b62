import type { z } from 'zod';
import type { Config } from '../config.js';
import type { Inventory } from '../inventory/index.js';
import type { AuditLog } from '../storage/audit.js';
import type { Destination, Message } from '../chat/index.js';
import type { Enqueue } from '../queue/types.js';

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
  /** Enqueue the job that does the work; the host posts the "queued" message and audits it. */
  enqueue(jobName: string, data: unknown, options?: { describe?: string }): Promise<{ jobId: string }>;
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
}

export interface RegistryView {
  list(): readonly CommandDefinition[];
  get(name: string): CommandDefinition | undefined;
  /** Help text generated from the registry: all commands, or one with its examples. */
  help(invokedAs: string, name?: string): string;
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
   * Turns ParsedArgs into typed args. Receives { positionals, flags }. A failure becomes a private
   * reply naming the problem and showing usage.
   */
  args: S;
  run(ctx: CommandContext<z.infer<S>>): Promise<void>;
}

export type { Enqueue };
