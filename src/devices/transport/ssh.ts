import { createHash } from 'node:crypto';
import ssh2, { type Client as Ssh2Client, type ClientChannel, type ConnectConfig } from 'ssh2';
import { ErrorCode, NetopsError } from '../../errors.js';
import { commandOutput, PromptReader, promptPrefix } from './text.js';

// ssh2 is CommonJS: take values off the default export.
const { Client } = ssh2;

/** How long a prompt-looking line with an unexpected hostname must stand before it counts. */
const UNPINNED_QUIET_MS = 300;

/**
 * Vendor-blind SSH transport: an interactive shell that sends a line and reads until a prompt.
 * Everything vendor-specific arrives as data (CliProfile). Secrets live only in SshCredential
 * objects handed to ssh2 and are never put into an error message or context.
 */

export interface SshCredential {
  /** The credential's NAME (for messages); never the secret. */
  name: string;
  username: string;
  password?: string;
  privateKey?: Buffer | string;
  passphrase?: string;
  /** Enable/privileged-mode secret; the password is tried when absent. */
  enable?: string;
}

export interface CliProfile {
  prompt: RegExp;
  userPrompt?: RegExp;
  enable?: { command: string; passwordPrompt: RegExp };
  pager?: RegExp;
  pagingOff: string[];
  exit?: string;
}

export interface HostKeyPolicy {
  /** Pinned key: base64 of the key blob, `ssh-xxx AAAA…`, or `SHA256:<fingerprint>`. */
  expected?: string;
  /** Called with the fingerprint when nothing was pinned (trust on first use stores it). */
  onUnknown?(fingerprint: string): void;
}

export interface SshSessionOptions {
  /** Device name, for error context. */
  device: string;
  host: string;
  port: number;
  /** Tried in order; the next one only when the previous was refused. */
  credentials: SshCredential[];
  profile: CliProfile;
  hostKey?: HostKeyPolicy;
  legacyAlgorithms?: boolean;
  /** TCP connect + SSH handshake + login + first prompt. */
  connectTimeoutMs?: number;
  commandTimeoutMs?: number;
  keepaliveIntervalMs?: number;
  /** Terminal size; wide lines keep device output from wrapping. */
  cols?: number;
  signal?: AbortSignal;
  /** Tap on the raw stream (recording sessions for fixtures, debugging). Sees no secrets: the device does not echo them. */
  onRaw?: (chunk: string) => void;
}

export interface RunCommandOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** Algorithms old IOS/NX-OS/ScreenOS boxes still speak; appended, so modern ones stay preferred. */
// ssh2 accepts a partial { append } map; its typings insist on all three keys.
export const LEGACY_ALGORITHMS = {
  kex: {
    append: [
      'diffie-hellman-group14-sha1',
      'diffie-hellman-group-exchange-sha1',
      'diffie-hellman-group1-sha1',
    ],
  },
  cipher: { append: ['aes128-cbc', 'aes256-cbc', '3des-cbc'] },
  serverHostKey: { append: ['ssh-rsa', 'ssh-dss'] },
  hmac: { append: ['hmac-sha1'] },
} as unknown as NonNullable<ConnectConfig['algorithms']>;

export function fingerprint(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

/** Does a pinned value name this key? Accepts a fingerprint, a bare base64 blob or an OpenSSH public-key line. */
export function hostKeyMatches(pinned: string, key: Buffer): boolean {
  const p = pinned.trim();
  if (/^sha256:/i.test(p)) return p.slice(7).replace(/=+$/, '') === fingerprint(key).slice(7);
  const blob = p.split(/\s+/).find((w) => /^AAAA[A-Za-z0-9+/=]+$/.test(w)) ?? p;
  return blob === key.toString('base64');
}

export class SshSession {
  private client: Ssh2Client;
  private channel?: ClientChannel;
  private reader?: PromptReader;
  /** Stream events for the exchange in progress; `undefined` = the connection closed. */
  private onEvent?: (ev: ReturnType<PromptReader['push']> | undefined) => void;
  private queue: Promise<unknown> = Promise.resolve();
  private pinned?: string;
  private closedError?: NetopsError;
  /** Fingerprint of the key the server presented. */
  hostKeyFingerprint = '';
  /** Which credential got in (its name). */
  credentialName = '';
  lastUsed = Date.now();

  /** Settles when the TCP connection is gone (the device has freed its vty line). */
  private readonly ended: Promise<void>;

  private constructor(private readonly options: SshSessionOptions) {
    this.client = new Client();
    this.ended = new Promise((resolve) => this.client.once('close', () => resolve()));
  }

  /** Connects (credential chain), opens a shell, waits for the first prompt, enables, turns paging off. */
  static async open(options: SshSessionOptions): Promise<SshSession> {
    if (options.credentials.length === 0) {
      throw new NetopsError(ErrorCode.CREDENTIAL_MISSING, `no credential for ${options.device}`, {
        context: { device: options.device },
        userMessage: `No credential is configured for \`${options.device}\`.`,
      });
    }
    let lastDenied: NetopsError | undefined;
    for (const cred of options.credentials) {
      const session = new SshSession(options);
      try {
        await session.connect(cred);
        return session;
      } catch (err) {
        session.destroy();
        if (err instanceof NetopsError && err.code === ErrorCode.AUTH_DENIED) {
          lastDenied = err;
          continue;
        }
        throw err;
      }
    }
    const names = options.credentials.map((c) => c.name).join(', then ');
    // The login worked and privileged mode did not: the enable secret is what to check, not the
    // username/password (which is what this message used to say).
    if (lastDenied?.context.stage === 'enable') {
      throw new NetopsError(ErrorCode.AUTH_DENIED, `enable refused on ${options.device} (tried ${names})`, {
        context: { device: options.device, credentials: options.credentials.map((c) => c.name) },
        cause: lastDenied,
        userMessage: `\`${options.device}\` accepted the login but refused the enable (privileged mode) secret (tried credential ${names}).`,
        hint: `Check the enable secret of that credential (${options.credentials.map((c) => `NETOPS_CRED_${c.name.toUpperCase().replace(/-/g, '_')}_ENABLE`).join(', ')}).`,
      });
    }
    throw new NetopsError(
      ErrorCode.AUTH_DENIED,
      `authentication failed on ${options.device} (tried ${names})`,
      {
        context: { device: options.device, credentials: options.credentials.map((c) => c.name) },
        cause: lastDenied,
        userMessage: `\`${options.device}\` refused the login (tried credential ${names}).`,
        hint: 'Check the username/password for that credential name, or set a fallbackCredential.',
      },
    );
  }

  private err(
    code: ErrorCode,
    message: string,
    extra: {
      command?: string;
      cause?: unknown;
      userMessage?: string;
      hint?: string;
      /** Where it failed, when that changes what the user should check ('enable'). */
      stage?: string;
    } = {},
  ) {
    return new NetopsError(code, message, {
      context: {
        device: this.options.device,
        ...(extra.command ? { command: extra.command } : {}),
        ...(extra.stage ? { stage: extra.stage } : {}),
      },
      cause: extra.cause,
      userMessage: extra.userMessage ?? message,
      ...(extra.hint ? { hint: extra.hint } : {}),
    });
  }

  private async connect(cred: SshCredential): Promise<void> {
    const o = this.options;
    const device = o.device;
    const timeout = o.connectTimeoutMs ?? 15_000;
    let keyMismatch = false;
    await new Promise<void>((resolve, reject) => {
      let settled = false;
      const done = (e?: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        o.signal?.removeEventListener('abort', onAbort);
        if (e) reject(e);
        else resolve();
      };
      const timer = setTimeout(
        () =>
          done(
            this.err(
              ErrorCode.DEVICE_TIMEOUT,
              `timed out connecting to ${device} (${o.host}:${o.port}) after ${timeout} ms`,
              {
                userMessage: `\`${device}\` did not answer the SSH login within ${Math.round(timeout / 1000)} s.`,
                hint: 'Check that the device is up and reachable from the worker.',
              },
            ),
          ),
        timeout,
      );
      const onAbort = () => done(this.err(ErrorCode.DEVICE_TIMEOUT, `connection to ${device} aborted`));
      o.signal?.addEventListener('abort', onAbort, { once: true });
      this.client.on('ready', () => done());
      this.client.on('error', (e: Error & { level?: string; code?: string }) => {
        if (keyMismatch) {
          done(
            this.err(
              ErrorCode.HOST_KEY_MISMATCH,
              `host key of ${device} does not match the pinned key (got ${this.hostKeyFingerprint})`,
              {
                cause: e,
                userMessage: `The SSH host key of \`${device}\` has CHANGED (now ${this.hostKeyFingerprint}); the connection was refused.`,
                hint: 'If the device was replaced or re-keyed on purpose, update its hostKey in the inventory; otherwise treat it as a possible man-in-the-middle.',
              },
            ),
          );
        } else if (e.level === 'client-authentication') {
          done(this.err(ErrorCode.AUTH_DENIED, `${device} refused credential ${cred.name}`, { cause: e }));
        } else if (e.level === 'client-timeout') {
          done(this.err(ErrorCode.DEVICE_TIMEOUT, `SSH handshake with ${device} timed out`, { cause: e }));
        } else if (e.level === 'handshake' || e.level === 'protocol') {
          done(
            this.err(ErrorCode.DEVICE_PROTOCOL, `SSH negotiation with ${device} failed: ${e.message}`, {
              cause: e,
              userMessage: `\`${device}\` and the bot could not agree on SSH algorithms (${e.message}).`,
              hint: o.legacyAlgorithms
                ? undefined
                : 'For old devices set legacyAlgorithms: true in the inventory.',
            }),
          );
        } else {
          done(
            this.err(
              ErrorCode.DEVICE_UNREACHABLE,
              `cannot reach ${device} at ${o.host}:${o.port}: ${e.code ?? e.message}`,
              {
                cause: e,
                userMessage: `\`${device}\` is unreachable (${o.host}:${o.port}: ${e.code ?? e.message}).`,
                hint: 'Check the address and port in the inventory and that SSH is enabled on the device.',
              },
            ),
          );
        }
      });
      this.client.on('close', () => {
        done(this.err(ErrorCode.DEVICE_UNREACHABLE, `${device} closed the connection during login`));
        this.closedError ??= this.err(ErrorCode.DEVICE_UNREACHABLE, `${device} closed the SSH session`);
        this.onEvent?.(undefined);
      });
      this.client.on('keyboard-interactive', (_name, _instr, _lang, prompts, finish) => {
        finish(prompts.map(() => cred.password ?? ''));
      });
      const config: ConnectConfig = {
        host: o.host,
        port: o.port,
        username: cred.username,
        readyTimeout: timeout,
        keepaliveInterval: o.keepaliveIntervalMs ?? 15_000,
        keepaliveCountMax: 3,
        tryKeyboard: cred.password !== undefined,
        hostVerifier: (key: Buffer) => {
          this.hostKeyFingerprint = fingerprint(key);
          const pinned = o.hostKey?.expected;
          if (pinned) {
            keyMismatch = !hostKeyMatches(pinned, key);
            return !keyMismatch;
          }
          o.hostKey?.onUnknown?.(this.hostKeyFingerprint);
          return true;
        },
      };
      if (cred.password !== undefined) config.password = cred.password;
      if (cred.privateKey !== undefined) config.privateKey = cred.privateKey;
      if (cred.passphrase !== undefined) config.passphrase = cred.passphrase;
      if (o.legacyAlgorithms) config.algorithms = LEGACY_ALGORITHMS;
      this.client.connect(config);
    });
    this.credentialName = cred.name;
    // One short line per command and a wait for the answer: Nagle would only add latency.
    this.client.setNoDelay(true);
    await this.openShell(cred, timeout);
  }

  private async openShell(cred: SshCredential, timeout: number): Promise<void> {
    const o = this.options;
    this.channel = await new Promise<ClientChannel>((resolve, reject) => {
      this.client.shell({ term: 'vt100', cols: o.cols ?? 511, rows: 24, width: 0, height: 0 }, (e, ch) =>
        e
          ? reject(
              this.err(ErrorCode.DEVICE_PROTOCOL, `${o.device} refused an interactive shell`, { cause: e }),
            )
          : resolve(ch),
      );
    });
    this.channel.setEncoding('utf8');
    this.channel.on('data', (d: string) => {
      o.onRaw?.(d);
      const ev = this.reader?.push(d);
      if (ev !== undefined) this.onEvent?.(ev);
    });
    this.channel.stderr.on('data', (d: Buffer | string) => {
      const ev = this.reader?.push(String(d));
      if (ev !== undefined) this.onEvent?.(ev);
    });
    this.channel.on('close', () => {
      this.closedError ??= this.err(ErrorCode.DEVICE_UNREACHABLE, `${o.device} closed the shell`);
      this.onEvent?.(undefined);
    });
    // Banner + first prompt.
    await this.exchange(null, timeout, { login: true });
    const first = this.reader!.currentLine();
    if (o.profile.userPrompt?.test(first) && o.profile.enable) await this.enable(cred, timeout);
    for (const cmd of o.profile.pagingOff) await this.exchange(cmd, timeout, { login: true });
    this.pinned = promptPrefix(this.reader!.currentLine());
  }

  private async enable(cred: SshCredential, timeout: number): Promise<void> {
    const en = this.options.profile.enable!;
    const first = await this.exchange(en.command, timeout, { login: true, extra: [en.passwordPrompt] });
    let refused = false;
    if (first.event !== 'prompt') {
      const secret = cred.enable ?? cred.password;
      if (secret === undefined) {
        throw this.err(
          ErrorCode.AUTH_DENIED,
          `${this.options.device} asks for an enable secret and credential ${cred.name} has none`,
          {
            stage: 'enable',
            hint: `Set NETOPS_CRED_${cred.name.toUpperCase().replace(/-/g, '_')}_ENABLE for the worker.`,
          },
        );
      }
      // The secret is written to the channel only; the echo-free answer is not kept.
      const second = await this.exchange(secret, timeout, {
        login: true,
        secret: true,
        extra: [en.passwordPrompt],
      });
      // IOS asks again after a wrong secret: that is a refusal too (we never retry the same secret).
      refused = second.event !== 'prompt';
    }
    if (refused || this.options.profile.userPrompt?.test(this.reader!.currentLine())) {
      throw this.err(
        ErrorCode.AUTH_DENIED,
        `${this.options.device} refused the enable secret of credential ${cred.name}`,
        {
          stage: 'enable',
          userMessage: `\`${this.options.device}\` refused the enable (privileged mode) secret.`,
          hint: `Check the _ENABLE secret of credential ${cred.name}.`,
        },
      );
    }
  }

  /**
   * Sends one line (or nothing) and reads until the prompt. Pager markers are answered with a space.
   * Returns the raw text and what stopped the read.
   */
  private exchange(
    line: string | null,
    timeoutMs: number,
    opts: {
      login?: boolean;
      secret?: boolean;
      extra?: RegExp[];
      signal?: AbortSignal;
      command?: string;
    } = {},
  ): Promise<{ raw: string; event: 'prompt' | { extra: number } }> {
    const o = this.options;
    const ch = this.channel!;
    const unpin = opts.login || (line !== null && /\b(?:hostname|host-name)\b/.test(line));
    const reader = new PromptReader({
      prompt: o.profile.prompt,
      ...(o.profile.pager ? { pager: o.profile.pager } : {}),
      ...(opts.extra ? { extra: opts.extra } : {}),
      ...(!unpin && this.pinned ? { pinnedPrefix: this.pinned } : {}),
    });
    this.reader = reader;
    const shown = opts.secret ? '(secret)' : (line ?? '(login)');
    return new Promise((resolve, reject) => {
      const finish = (e: NetopsError | null, event?: 'prompt' | { extra: number }) => {
        clearTimeout(timer);
        if (quiet) clearTimeout(quiet);
        opts.signal?.removeEventListener('abort', onAbort);
        this.onEvent = undefined;
        if (e) reject(e);
        else resolve({ raw: reader.raw(), event: event! });
      };
      const timer = setTimeout(() => {
        const what = opts.login ? 'logging in' : `running \`${shown}\``;
        const e = this.err(
          ErrorCode.DEVICE_TIMEOUT,
          `${o.device}: no prompt after ${timeoutMs} ms while ${what}`,
          {
            ...(opts.command ? { command: opts.command } : {}),
            userMessage: `\`${o.device}\` did not finish ${what} within ${timeoutMs / 1000} s.`,
            hint: 'The device may be slow or the output huge; try again or narrow the command.',
          },
        );
        this.destroy(e);
        finish(e);
      }, timeoutMs);
      const onAbort = () => {
        const e = this.err(ErrorCode.DEVICE_TIMEOUT, `${o.device}: aborted while running \`${shown}\``);
        this.destroy(e);
        finish(e);
      };
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      let quiet: NodeJS.Timeout | undefined;
      this.onEvent = (ev) => {
        if (quiet) {
          clearTimeout(quiet);
          quiet = undefined;
        }
        if (ev === undefined)
          return finish(this.closedError ?? this.err(ErrorCode.DEVICE_UNREACHABLE, `${o.device} went away`));
        if (ev === null) return;
        if (ev === 'pager') {
          ch.write(' ');
          return;
        }
        if (ev === 'unpinned') {
          // A prompt with another hostname: believe it once nothing more arrives, then pin the new name.
          quiet = setTimeout(() => {
            this.pinned = promptPrefix(reader.currentLine());
            finish(null, 'prompt');
          }, UNPINNED_QUIET_MS);
          return;
        }
        finish(null, ev);
      };
      if (this.closedError) return finish(this.closedError);
      if (line !== null) ch.write(`${line}\n`);
    });
  }

  /** Runs one command; commands on one session are serialised. */
  run(command: string, options: RunCommandOptions = {}): Promise<string> {
    const next = this.queue.then(async () => {
      if (this.closedError) throw this.closedError;
      const timeout = options.timeoutMs ?? this.options.commandTimeoutMs ?? 60_000;
      const { raw } = await this.exchange(command, timeout, {
        command,
        ...(options.signal ? { signal: options.signal } : {}),
      });
      this.lastUsed = Date.now();
      return commandOutput(raw, command, this.options.profile.pager);
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  get alive(): boolean {
    return this.closedError === undefined;
  }

  /**
   * Leaves politely (exit), then closes the connection and waits (up to 1 s) until it is gone, so
   * a session limit counted around it is never briefly exceeded on the device.
   */
  async close(): Promise<void> {
    if (this.closedError) return;
    try {
      if (this.options.profile.exit) this.channel?.write(`${this.options.profile.exit}\n`);
    } catch {
      // the channel may already be gone
    }
    this.destroy();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.ended, new Promise((r) => (timer = setTimeout(r, 1_000)))]);
    clearTimeout(timer);
  }

  destroy(reason?: NetopsError): void {
    this.closedError ??=
      reason ?? this.err(ErrorCode.DEVICE_UNREACHABLE, `session to ${this.options.device} closed`);
    try {
      this.client.end();
    } catch {
      // ignore: closing twice is fine
    }
  }
}
