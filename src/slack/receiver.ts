import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parse as parseQuery } from 'node:querystring';
import type { App, Receiver, ReceiverEvent } from '@slack/bolt';
import type { Logger } from 'pino';
import { verifySlackSignature } from './verify.js';

export interface Route {
  /** '*': every method (a mounted app, such as the dashboard, answers for itself). */
  method: 'GET' | 'POST' | '*';
  path: string;
  /**
   * The route answers for `path` and everything under it, and reads the request body itself
   * (`body` is then empty); `req.url` is left as received.
   */
  mount?: boolean;
  handler(req: IncomingMessage, res: ServerResponse, body: string): void | Promise<void>;
}

export const routeMatches = (r: Route, method: string | undefined, path: string) =>
  (r.method === '*' || r.method === method) &&
  (r.mount ? path === r.path || path.startsWith(`${r.path}/`) : path === r.path);

export interface SigningReceiverOptions {
  signingSecret: string;
  port: number;
  host?: string;
  log: Logger;
  /** Extra routes: /healthz, /metrics, alert webhooks. */
  routes?: Route[];
  /** Largest body accepted; Slack's payloads are far smaller. */
  maxBodyBytes?: number;
  clock?: () => number;
  /** Called with the outcome of every Slack request (metrics, tests). */
  onRequest?(outcome: 'ok' | 'unauthorized' | 'bad-request', ms: number): void;
}

/** Bytes of an oversized body read (and dropped) after the 413, before the connection is cut. */
const DRAIN_LIMIT = 4_000_000;

function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (declared > limit) {
      reject(Object.assign(new Error('body too large'), { status: 413 }));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= limit) chunks.push(c);
      else if (chunks.length) {
        // Reject once; the rest is read and dropped so the client can still read the 413 (cutting
        // the socket while it is sending makes its kernel see a reset instead of the reply).
        chunks.length = 0;
        reject(Object.assign(new Error('body too large'), { status: 413 }));
      } else if (size > limit + DRAIN_LIMIT) req.destroy();
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** 413, then close: the reply is written before the connection goes. */
function tooLarge(req: IncomingMessage, res: ServerResponse): void {
  if (res.headersSent) return;
  res.writeHead(413, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' });
  res.end('request body too large', () => {
    // Whatever the client still sends is dropped; the socket closes once it stops (or after 2 s).
    req.resume();
    const cut = setTimeout(() => req.socket.destroy(), 2_000);
    cut.unref();
    req.once('end', () => {
      clearTimeout(cut);
      req.socket.destroy();
    });
  });
}

function send(res: ServerResponse, status: number, body?: string, type = 'text/plain; charset=utf-8') {
  if (res.headersSent) return;
  res.writeHead(status, body === undefined ? {} : { 'content-type': type });
  res.end(body);
}

/**
 * A Bolt Receiver over node:http that owns the Slack HTTP edge: 401 for a missing, bad or stale
 * signature, 400 for a body that is not a Slack payload, 200 with the listener's ack otherwise.
 * Nothing reaches Bolt (and so nothing is enqueued) unless the request is authentic and well formed.
 */
export class SigningReceiver implements Receiver {
  private app?: App;
  private server?: Server;
  private readonly options: SigningReceiverOptions;

  constructor(options: SigningReceiverOptions) {
    this.options = options;
  }

  init(app: App): void {
    this.app = app;
  }

  get port(): number {
    return (this.server?.address() as AddressInfo | null)?.port ?? this.options.port;
  }

  start(): Promise<Server> {
    const server = createServer((req, res) => {
      void this.handle(req, res).catch((err) => {
        this.options.log.error({ err }, 'request handling failed');
        send(res, 500);
      });
    });
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.host ?? '0.0.0.0', () => resolve(server));
    });
  }

  stop(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.server) return resolve();
      this.server.close(() => resolve());
      this.server.closeAllConnections?.();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const path = (req.url ?? '/').split('?')[0]!;
    const outcome = (o: 'ok' | 'unauthorized' | 'bad-request') =>
      this.options.onRequest?.(o, performance.now() - started);
    const mounted = this.options.routes?.find((r) => r.mount && routeMatches(r, req.method, path));
    if (mounted) return void (await mounted.handler(req, res, ''));
    let body: string;
    try {
      body = req.method === 'POST' ? await readBody(req, this.options.maxBodyBytes ?? 1_000_000) : '';
    } catch (err) {
      if ((err as { status?: number }).status === 413) return tooLarge(req, res);
      return send(res, 400, 'could not read body');
    }
    const route = this.options.routes?.find((r) => !r.mount && routeMatches(r, req.method, path));
    if (route) return void (await route.handler(req, res, body));
    if (req.method !== 'POST' || !path.startsWith('/slack/')) return send(res, 404, 'not found');

    const header = (name: string) => {
      const v = req.headers[name];
      return Array.isArray(v) ? v[0] : v;
    };
    const verdict = verifySlackSignature(
      this.options.signingSecret,
      { signature: header('x-slack-signature'), timestamp: header('x-slack-request-timestamp') },
      body,
      (this.options.clock ?? Date.now)(),
    );
    if (!verdict.ok) {
      this.options.log.warn({ reason: verdict.reason, path }, 'rejected Slack request');
      outcome('unauthorized');
      return send(res, 401, verdict.reason === 'stale' ? 'stale request' : 'invalid signature');
    }

    const parsed = parseSlackBody(body, header('content-type'));
    if (!parsed) {
      outcome('bad-request');
      return send(res, 400, 'not a Slack payload');
    }
    if (parsed.type === 'url_verification' && typeof parsed.challenge === 'string') {
      outcome('ok');
      return send(res, 200, JSON.stringify({ challenge: parsed.challenge }), 'application/json');
    }
    if (parsed.ssl_check) return send(res, 200);

    let acked = false;
    const ackTimer = setTimeout(() => {
      // Bolt listeners ack themselves; this only guards against one that never does.
      if (!acked) {
        acked = true;
        send(res, 200);
      }
    }, 2_500);
    const event: ReceiverEvent = {
      body: parsed,
      ack: async (response) => {
        if (acked) return;
        acked = true;
        clearTimeout(ackTimer);
        outcome('ok');
        if (response === undefined || response === '') send(res, 200);
        else if (typeof response === 'string') send(res, 200, response);
        else send(res, 200, JSON.stringify(response), 'application/json');
      },
      retryNum: Number(header('x-slack-retry-num') ?? 0) || undefined,
      retryReason: header('x-slack-retry-reason'),
      customProperties: {},
    } as ReceiverEvent;
    try {
      await this.app!.processEvent(event);
    } catch (err) {
      this.options.log.error({ err }, 'listener failed');
      if (!acked) {
        acked = true;
        clearTimeout(ackTimer);
        send(res, 500);
      }
    }
  }
}

/** A slash command or interaction (form-encoded) or an Events API envelope (JSON); else null. */
export function parseSlackBody(body: string, contentType?: string): Record<string, unknown> | null {
  try {
    if (contentType?.includes('application/json')) {
      const v = JSON.parse(body) as unknown;
      return v &&
        typeof v === 'object' &&
        !Array.isArray(v) &&
        typeof (v as { type?: unknown }).type === 'string'
        ? (v as Record<string, unknown>)
        : null;
    }
    const form = parseQuery(body) as Record<string, string | string[]>;
    if (typeof form.payload === 'string') {
      const v = JSON.parse(form.payload) as unknown;
      return v && typeof v === 'object' && typeof (v as { type?: unknown }).type === 'string'
        ? (v as Record<string, unknown>)
        : null;
    }
    if (typeof form.ssl_check === 'string') return { ssl_check: form.ssl_check };
    if (
      typeof form.command === 'string' &&
      /^\/[\w-]+$/.test(form.command) &&
      typeof form.user_id === 'string' &&
      typeof form.channel_id === 'string'
    ) {
      return { ...form, text: typeof form.text === 'string' ? form.text : '' };
    }
    return null;
  } catch {
    return null;
  }
}
