/**
 * Limits of the HTTP server that keep it answering under abuse: time to send
 * the headers and the whole request, idle keep-alive, and a cap on open
 * connections. At the cap, a new connection evicts the oldest one that is not
 * in the middle of a webhook request, so hundreds of slow uploads can never
 * starve Telegram and Zalo (nor exhaust the process's open-file limit).
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export interface HttpLimits {
  /** Time allowed to receive the request headers. */
  headersTimeoutMs: number;
  /** Time allowed to receive the whole request, body included. */
  requestTimeoutMs: number;
  /** Idle time before a keep-alive connection is closed. */
  keepAliveTimeoutMs: number;
  /** Open connections at most. */
  maxConnections: number;
}

export const DEFAULT_HTTP_LIMITS: HttpLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 60_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 512,
};

/** Paths whose in-flight requests are never evicted. */
const PROTECTED = /^\/(?:telegram|zalo)\/webhook(?:\?|$)/;

/** Applies the timeouts and the connection cap to a Node HTTP server. */
export function applyHttpLimits(server: Server, limits: HttpLimits = DEFAULT_HTTP_LIMITS): void {
  server.headersTimeout = Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs);
  server.requestTimeout = limits.requestTimeoutMs;
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  // Open sockets, oldest first, and whether each is serving a webhook right now.
  const open = new Map<Socket, { webhook: boolean }>();
  server.on('connection', (socket: Socket) => {
    if (open.size >= limits.maxConnections) {
      for (const [old, state] of open) {
        if (state.webhook) continue;
        old.destroy();
        open.delete(old);
        break;
      }
    }
    if (open.size >= limits.maxConnections) {
      // Every connection is a webhook in progress: refuse this one rather than exceed the cap.
      socket.destroy();
      return;
    }
    open.set(socket, { webhook: false });
    socket.once('close', () => open.delete(socket));
  });
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const state = open.get(req.socket);
    if (!state) return;
    state.webhook = PROTECTED.test(req.url ?? '');
    res.once('finish', () => (state.webhook = false));
    // The connection is moved to the end: the least recently active is evicted first.
    open.delete(req.socket);
    open.set(req.socket, state);
  });
}
