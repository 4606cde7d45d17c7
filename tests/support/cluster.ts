/**
 * Several app processes (`src/main.ts`, as `npm start` runs it) behind one local
 * round-robin HTTP proxy — the shape of a deployment behind nginx — for the
 * cluster tests and the benchmark.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, request, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { join } from 'node:path';
import { REPO_ROOT } from '../../src/corpus/store.js';

const TSX = join(REPO_ROOT, 'node_modules', '.bin', 'tsx');
const MAIN = join(REPO_ROOT, 'src', 'main.ts');

/** A free loopback port (the tiny race with other processes is acceptable in tests). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createNetServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

export interface Instance {
  port: number;
  url: string;
  child: ChildProcess;
  /** Log lines written so far (stdout and stderr). */
  output(): string;
  /** SIGTERM and wait for the exit. */
  stop(): Promise<void>;
}

/** Starts `npm start` in a child process on `port`; resolves once GET /readyz answers 200. */
export async function startInstance(env: NodeJS.ProcessEnv, port: number, timeoutMs = 60_000): Promise<Instance> {
  const child = spawn(TSX, [MAIN], { env: { ...env, PORT: String(port) }, cwd: REPO_ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`instance on port ${port} exited (${child.exitCode}): ${out.slice(-2000)}`);
    const ok = await fetch(`${url}/readyz`).then((r) => r.status === 200, () => false);
    if (ok) break;
    if (Date.now() > until) {
      process.kill(-child.pid!, 'SIGKILL');
      throw new Error(`instance on port ${port} not ready after ${timeoutMs} ms: ${out.slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    port,
    url,
    child,
    output: () => out,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGTERM');
      await exited;
    },
  };
}

export interface Proxy {
  url: string;
  /** Requests forwarded to each target port. */
  hits: Map<number, number>;
  close(): Promise<void>;
}

/** A round-robin reverse proxy on a loopback port: request i goes to targets[i mod n]. */
export async function startRoundRobinProxy(targets: () => number[], port = 0): Promise<Proxy> {
  let next = 0;
  const hits = new Map<number, number>();
  const server: Server = createServer((req, res) => {
    const list = targets();
    const target = list[next++ % list.length]!;
    hits.set(target, (hits.get(target) ?? 0) + 1);
    const upstream = request({ host: '127.0.0.1', port: target, method: req.method, path: req.url, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const actual = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${actual}`,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
