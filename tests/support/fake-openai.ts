/**
 * A fake OpenAI-compatible HTTP server for tests (node:http on 127.0.0.1, random port).
 * Implements POST /v1/chat/completions and POST /v1/embeddings in the OpenAI wire format,
 * so the real `openai` client can be pointed at it with `baseURL`.
 *
 * A handler decides each reply: `{ status?, body?, delayMs? }`, plus two shortcuts —
 * `content` (chat: the assistant message text, wrapped in a chat.completion) and `raw`
 * (a literal response body, e.g. broken JSON). Whatever the handler leaves out gets the
 * default: a chat completion whose content is a `grounded:false` JSON reply, or
 * deterministic embedding vectors (8 dimensions unless the request asks for `dimensions`;
 * `encoding_format: 'base64'` answered as base64 float32, like the real API).
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface FakeOpenAIRequest {
  path: string;
  body: any;
}

export interface FakeOpenAIReply {
  status?: number;
  body?: any;
  delayMs?: number;
  /** Chat only: the assistant message content. */
  content?: string;
  /** A literal response body (sent as application/json). */
  raw?: string;
}

export type FakeOpenAIHandler = (req: FakeOpenAIRequest) => FakeOpenAIReply | undefined | void | Promise<FakeOpenAIReply | undefined | void>;

export interface RecordedOpenAIRequest {
  path: string;
  body: any;
  headers: Record<string, string>;
}

export interface FakeOpenAI {
  /** http://127.0.0.1:PORT/v1 */
  baseURL: string;
  requests: RecordedOpenAIRequest[];
  setHandler(fn: FakeOpenAIHandler | undefined): void;
  close(): Promise<void>;
}

/** A chat.completion body whose single choice says `content`. */
export function chatCompletionBody(content: string, model = 'gpt-4o-mini'): object {
  return {
    id: `chatcmpl-fake-${Math.random().toString(36).slice(2, 10)}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [{ index: 0, message: { role: 'assistant', content, refusal: null }, finish_reason: 'stop', logprobs: null }],
    usage: { prompt_tokens: 100, completion_tokens: 50, total_tokens: 150 },
  };
}

/** Deterministic unit vector for a text (same text → same vector). */
export function fakeVector(text: string, dimensions = 8): number[] {
  const v: number[] = [];
  let block = Buffer.alloc(0);
  for (let i = 0; v.length < dimensions; i++) {
    if (block.length === 0) block = createHash('sha256').update(`${i}|${text}`).digest();
    v.push(block.readUInt16BE(0) / 65535 - 0.5);
    block = block.subarray(2);
  }
  const norm = Math.hypot(...v) || 1;
  // Rounded through float32 so base64 and float replies carry the same numbers.
  return v.map((x) => Math.fround(x / norm));
}

/** An embeddings list body for the inputs. */
export function embeddingsBody(inputs: string[], opts: { model?: string; dimensions?: number; base64?: boolean } = {}): object {
  return {
    object: 'list',
    model: opts.model ?? 'text-embedding-3-small',
    data: inputs.map((text, index) => {
      const vector = fakeVector(text, opts.dimensions ?? 8);
      const embedding = opts.base64 ? Buffer.from(new Float32Array(vector).buffer).toString('base64') : vector;
      return { object: 'embedding', index, embedding };
    }),
    usage: { prompt_tokens: inputs.length, total_tokens: inputs.length },
  };
}

function defaultReply(path: string, body: any): { status: number; body: object } {
  if (path === '/v1/chat/completions') {
    return { status: 200, body: chatCompletionBody(JSON.stringify({ answer: '', used_sources: [], quotes: [], grounded: false }), body?.model) };
  }
  if (path === '/v1/embeddings') {
    const inputs: string[] = Array.isArray(body?.input) ? body.input.map(String) : [String(body?.input ?? '')];
    return {
      status: 200,
      body: embeddingsBody(inputs, { model: body?.model, dimensions: body?.dimensions, base64: body?.encoding_format === 'base64' }),
    };
  }
  return { status: 404, body: { error: { message: `Unknown path ${path}`, type: 'invalid_request_error', code: 'not_found' } } };
}

export async function startFakeOpenAI(handler?: FakeOpenAIHandler): Promise<FakeOpenAI> {
  let current = handler;
  const requests: RecordedOpenAIRequest[] = [];
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const path = (req.url ?? '/').split('?')[0]!;
        const text = Buffer.concat(chunks).toString('utf8');
        let body: any = null;
        try {
          body = text ? JSON.parse(text) : null;
        } catch {
          body = text;
        }
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
        requests.push({ path, body, headers });

        if (req.method !== 'POST') {
          send(res, 405, JSON.stringify({ error: { message: 'Method not allowed', type: 'invalid_request_error' } }));
          return;
        }
        let reply: FakeOpenAIReply = {};
        try {
          reply = (await current?.({ path, body })) ?? {};
        } catch (err) {
          reply = { status: 500, body: { error: { message: `fake handler threw: ${(err as Error).message}`, type: 'server_error' } } };
        }
        const fallback = defaultReply(path, body);
        const status = reply.status ?? (reply.body !== undefined || reply.content !== undefined || reply.raw !== undefined ? 200 : fallback.status);
        let payload: string;
        if (reply.raw !== undefined) payload = reply.raw;
        else if (reply.body !== undefined) payload = JSON.stringify(reply.body);
        else if (reply.content !== undefined) payload = JSON.stringify(chatCompletionBody(reply.content, body?.model));
        else if (status >= 400) payload = JSON.stringify({ error: { message: `fake error ${status}`, type: status >= 500 ? 'server_error' : 'invalid_request_error', code: null } });
        else payload = JSON.stringify(fallback.body);

        if (reply.delayMs && reply.delayMs > 0) {
          await new Promise<void>((resolve) => {
            const t = setTimeout(() => {
              timers.delete(t);
              resolve();
            }, reply.delayMs);
            timers.add(t);
          });
        }
        send(res, status, payload);
      })();
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests,
    setHandler(fn) {
      current = fn;
    },
    async close() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function send(res: ServerResponse, status: number, payload: string): void {
  // The client may have given up (timeout) while the reply was delayed.
  if (res.destroyed || res.writableEnded) return;
  res.writeHead(status, { 'content-type': 'application/json', 'x-request-id': `req_fake_${Date.now()}` });
  res.end(payload);
}
