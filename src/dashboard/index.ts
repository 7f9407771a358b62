import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Queue } from 'bullmq';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { CredentialResolver } from '../credentials/index.js';
import type { Route } from '../slack/receiver.js';
import { createLockout } from './lockout.js';

export interface DashboardOptions {
  settings: Config['dashboard'];
  /** The queues to show (the producer's, one per queue name). */
  queues: Queue[];
  credentials: CredentialResolver;
  log: Logger;
}

/** Equal without telling by its timing how much of the guess was right (both sides hashed first). */
function same(a: string, b: string): boolean {
  const h = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(h(a), h(b));
}

type Check = (authorization: string | undefined) => boolean;

/** Who may look: basic auth against a credential's username/password, or a bearer token. */
function authCheck(options: DashboardOptions): Check | undefined {
  const { settings, credentials, log } = options;
  if (settings.auth === 'bearer') {
    const token = credentials.secret(settings.credential);
    if (!token) {
      log.error(
        { env: credentials.secretVariable(settings.credential) },
        'dashboard has no token (environment or credentials file); it refuses everyone',
      );
      return undefined;
    }
    return (h) => h?.startsWith('Bearer ') === true && same(h.slice('Bearer '.length).trim(), token);
  }
  const { username, password } = credentials.secrets(settings.credential);
  if (!username || !password) {
    log.error(
      {
        env: [
          credentials.variable(settings.credential, 'username'),
          credentials.variable(settings.credential, 'password'),
        ],
      },
      'dashboard has no username and password (environment or credentials file); it refuses everyone',
    );
    return undefined;
  }
  const expected = `${username}:${password}`;
  return (h) =>
    h?.startsWith('Basic ') === true &&
    same(Buffer.from(h.slice('Basic '.length).trim(), 'base64').toString('utf8'), expected);
}

/**
 * Bull Board on the bot's HTTP server: every queue's jobs by state, their data, logs and errors.
 * Each request must carry the configured credentials (401 otherwise, also when none are configured).
 * Read-only unless the configuration says otherwise: Bull Board's own read-only mode hides and
 * refuses the actions, and anything but GET is refused here before it reaches Bull Board.
 */
export function createDashboardRoute(options: DashboardOptions): Route {
  const { settings, log } = options;
  const check = authCheck(options);
  const lockout = createLockout({ max: settings.maxFailedLogins, windowMs: settings.lockout });
  const server = new ExpressAdapter();
  server.setBasePath(settings.path);
  createBullBoard({
    queues: options.queues.map((q) => new BullMQAdapter(q, { readOnlyMode: settings.readOnly })),
    // @bull-board/express pins its own copy of @bull-board/api (one patch release apart): the same
    // adapter, typed twice.
    serverAdapter: server as unknown as Parameters<typeof createBullBoard>[0]['serverAdapter'],
    options: { uiConfig: { boardTitle: 'netops-bot queues' } },
  });
  const app = server.getRouter() as (
    req: IncomingMessage,
    res: ServerResponse,
    next: (err?: unknown) => void,
  ) => void;

  const refuse = (
    res: ServerResponse,
    status: number,
    text: string,
    headers: Record<string, string> = {},
  ) => {
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers });
    res.end(text);
  };

  return {
    method: '*',
    path: settings.path,
    mount: true,
    handler: (req, res) =>
      new Promise<void>((resolve) => {
        const remote = req.socket.remoteAddress ?? 'unknown';
        const wait = lockout.blockedFor(remote);
        if (wait > 0) {
          refuse(res, 429, 'too many failed logins from this address; try again later', {
            'retry-after': String(Math.ceil(wait / 1000)),
          });
          return resolve();
        }
        const authorization = req.headers.authorization;
        if (!check?.(authorization)) {
          // Only a wrong guess counts: a browser's first request carries no credentials at all.
          if (authorization && lockout.failed(remote))
            log.warn(
              { remote, failures: settings.maxFailedLogins, lockoutMs: settings.lockout },
              'dashboard: too many failed logins, address locked out',
            );
          log.warn({ path: req.url, remote }, 'dashboard request refused');
          refuse(res, 401, 'authentication required', {
            'www-authenticate':
              settings.auth === 'basic'
                ? 'Basic realm="netops-bot", charset="UTF-8"'
                : 'Bearer realm="netops-bot"',
          });
          return resolve();
        }
        lockout.succeeded(remote);
        if (settings.readOnly && req.method !== 'GET' && req.method !== 'HEAD') {
          refuse(res, 405, 'the dashboard is read-only', { allow: 'GET, HEAD' });
          return resolve();
        }
        // Mounted as Express mounts a sub-app: it sees the path below the mount point.
        const url = req.url ?? '/';
        const below = url.slice(settings.path.length);
        Object.assign(req, { originalUrl: url, url: below.startsWith('/') ? below : `/${below}` });
        res.once('finish', () => resolve());
        res.once('close', () => resolve());
        app(req, res, (err) => {
          if (err) log.error({ err }, 'dashboard failed');
          if (!res.headersSent) refuse(res, err ? 500 : 404, err ? 'dashboard error' : 'not found');
          resolve();
        });
      }),
  };
}
