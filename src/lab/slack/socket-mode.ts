import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';

export type SocketEnvelopeType = 'slash_commands' | 'events_api' | 'interactive';

/**
 * The Slack side of Socket Mode: apps.connections.open hands out a ws:// URL on the emulator's own
 * port; a connecting app gets `hello`, then envelopes, and acks each by envelope_id (optionally
 * with a response payload, which is how a slash command's ack message travels in Socket Mode).
 */
export function createSocketModeServer(options: { server: Server; appId: string; path?: string }) {
  const path = options.path ?? '/socket';
  const wss = new WebSocketServer({ noServer: true });
  const clients = new Set<WebSocket>();
  const pending = new Map<string, (payload: unknown) => void>();

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (!(req.url ?? '').startsWith(path)) return void socket.destroy();
    wss.handleUpgrade(req, socket, head, (client) => {
      clients.add(client);
      client.send(
        JSON.stringify({
          type: 'hello',
          num_connections: clients.size,
          debug_info: { host: 'netops-slack-emulator', approximate_connection_time: 3600 },
          connection_info: { app_id: options.appId },
        }),
      );
      client.on('message', (data) => {
        try {
          const m = JSON.parse(String(data)) as { envelope_id?: string; payload?: unknown };
          if (m.envelope_id) pending.get(m.envelope_id)?.(m.payload);
        } catch {
          // not ours to judge: real Slack ignores junk frames too
        }
      });
      client.on('close', () => clients.delete(client));
    });
  };
  options.server.on('upgrade', onUpgrade);
  // Slack pings its clients; the client treats a silent server as gone.
  const pinger = setInterval(() => {
    for (const c of clients) c.ping();
  }, 10_000);
  pinger.unref();

  return {
    path,
    get connected(): number {
      return clients.size;
    },
    /** Sends one envelope to one connected app and waits for its ack. */
    deliver(
      type: SocketEnvelopeType,
      payload: unknown,
      timeoutMs = 3_000,
    ): Promise<{ acked: boolean; body: unknown; ms: number }> {
      const client = [...clients][0];
      if (!client) return Promise.reject(new Error('slack emulator: no Socket Mode app connected'));
      const envelopeId = randomUUID();
      const started = performance.now();
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          pending.delete(envelopeId);
          resolve({ acked: false, body: undefined, ms: performance.now() - started });
        }, timeoutMs);
        pending.set(envelopeId, (body) => {
          clearTimeout(timer);
          pending.delete(envelopeId);
          resolve({ acked: true, body, ms: performance.now() - started });
        });
        client.send(
          JSON.stringify({
            envelope_id: envelopeId,
            type,
            payload,
            accepts_response_payload: type !== 'events_api',
            retry_attempt: 0,
            retry_reason: '',
          }),
        );
      });
    },
    close() {
      clearInterval(pinger);
      options.server.off('upgrade', onUpgrade);
      for (const c of clients) c.terminate();
      wss.close();
    },
  };
}
