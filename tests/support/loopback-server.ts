/**
 * A throwaway HTTP server on 127.0.0.1 with a random port, for the fake
 * platform servers. `close()` also drops keep-alive connections that client
 * libraries hold open, so a test never hangs on shutdown. {@link createHolds}
 * lets a fake keep calls of a method waiting, like a slow platform.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface LoopbackServer {
  port: number;
  close(): Promise<void>;
}

export async function startLoopbackServer(handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>): Promise<LoopbackServer> {
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    void handle(req, res);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        for (const s of sockets) s.destroy();
      }),
  };
}

/** Calls of held methods wait unanswered until released; see {@link createHolds}. */
export interface Holds {
  hold(method: string): void;
  /** Answers the waiting calls whose client is still connected (a killed client's calls are dropped, unsent). */
  release(method: string): void;
  /** Calls of `method` currently held. */
  heldCount(method: string): number;
  /** Resolves false at once when `method` is not held; otherwise waits for release() and resolves whether the client is still there. */
  wait(method: string, req: IncomingMessage, res: ServerResponse): Promise<boolean>;
}

export function createHolds(): Holds {
  const held = new Map<string, Array<() => void>>();
  return {
    hold(method) {
      if (!held.has(method)) held.set(method, []);
    },
    release(method) {
      const waiting = held.get(method) ?? [];
      held.delete(method);
      for (const go of waiting) go();
    },
    heldCount: (method) => held.get(method)?.length ?? 0,
    async wait(method, req, res) {
      const queue = held.get(method);
      if (!queue) return true;
      await new Promise<void>((resolve) => queue.push(resolve));
      return !(res.destroyed || req.socket.destroyed);
    },
  };
}
