/**
 * Minimal typed client for the Zalo Bot API (see ./API.md): every method is a
 * POST with a JSON body to `${apiRoot}/bot${token}/${method}`, every reply is
 * `{ ok, result?, error_code?, description? }`. The token never appears in
 * errors or logs.
 */

/** Chat of a Zalo update. Ids are strings. */
export interface ZaloChat {
  id: string;
  /** `PRIVATE` or `GROUP` (other values tolerated). */
  chat_type: string;
}

/** Sender of a Zalo message; the name has been seen as `display_name` and as `first_name`. */
export interface ZaloUser {
  id: string;
  display_name?: string;
  first_name?: string;
}

/** A message inside an update; fields other than `chat.id` may be missing. */
export interface ZaloMessage {
  message_id: string;
  /** Milliseconds since the epoch. */
  date: number;
  text?: string;
  chat: ZaloChat;
  from: ZaloUser;
  [extra: string]: unknown;
}

/** One incoming event, e.g. `message.text.received`, `message.image.received`, `message.sticker.received`. */
export interface ZaloUpdate {
  event_name: string;
  message: ZaloMessage;
}

/** Result of `getMe`. */
export interface ZaloBotInfo {
  id: string;
  account_name?: string;
  account_type?: string;
  can_join_groups?: boolean;
  [extra: string]: unknown;
}

/** Result of `setWebhook`, `getWebhookInfo` and `deleteWebhook` (`url` is "" when none is set). */
export interface ZaloWebhookInfo {
  url: string;
  updated_at?: number;
}

/** A reply with `ok: false`, a non-JSON error reply, or a network failure/timeout (`status` 0). */
export class ZaloApiError extends Error {
  constructor(
    readonly method: string,
    /** HTTP status of the reply (0 for network errors and timeouts). */
    readonly status: number,
    /** `error_code` from the body, or the HTTP status when the body has none. */
    readonly errorCode: number,
    readonly description: string,
    /** Seconds to wait before retrying, when the server said so. */
    readonly retryAfter?: number,
  ) {
    super(
      errorCode === 401
        ? `Zalo ${method}: 401 Unauthorized — the Zalo bot token is wrong or revoked (get a new one from Zalo Bot Creator)`
        : `Zalo ${method} failed: ${errorCode} ${description}`,
    );
    this.name = 'ZaloApiError';
  }
}

export interface ZaloBotClientOptions {
  /** `<bot_id>:<secret>` from Zalo Bot Creator. */
  token: string;
  /** Default `https://bot-api.zaloplatforms.com` (no trailing slash needed). */
  apiRoot?: string;
  /** Timeout per call, added on top of the long-poll time for getUpdates. Default 15000. */
  timeoutMs?: number;
}

interface Envelope {
  ok?: boolean;
  result?: unknown;
  error_code?: number;
  description?: string;
  parameters?: { retry_after?: number };
}

/** Client for the Zalo Bot API, using global fetch. */
export class ZaloBotClient {
  readonly #token: string;
  readonly #apiRoot: string;
  readonly #timeoutMs: number;

  constructor(opts: ZaloBotClientOptions) {
    this.#token = opts.token;
    this.#apiRoot = (opts.apiRoot ?? 'https://bot-api.zaloplatforms.com').replace(/\/+$/, '');
    this.#timeoutMs = opts.timeoutMs ?? 15_000;
  }

  /** Bot identity; a good token check at start-up. */
  getMe(): Promise<ZaloBotInfo> {
    return this.call<ZaloBotInfo>('getMe', {});
  }

  /**
   * Long-polls for updates. Returns `[]` when nothing arrived (the API's 408 "Request timeout").
   * Accepts both documented reply shapes (one update object, or a list).
   */
  async getUpdates(opts: { timeoutSeconds?: number; signal?: AbortSignal } = {}): Promise<ZaloUpdate[]> {
    const seconds = opts.timeoutSeconds ?? 30;
    try {
      const result = await this.call<unknown>('getUpdates', { timeout: String(seconds) }, opts.signal, seconds * 1000);
      const list = Array.isArray(result) ? result : result == null ? [] : [result];
      return list.filter(isUpdate).map(normalizeUpdate);
    } catch (err) {
      if (err instanceof ZaloApiError && err.errorCode === 408) return [];
      throw err;
    }
  }

  /** Sends plain text (1..2000 characters; split longer text first). */
  sendMessage(chatId: string, text: string): Promise<{ message_id: string; date: number }> {
    return this.call('sendMessage', { chat_id: chatId, text });
  }

  /** Shows "typing…" in the chat. */
  async sendChatAction(chatId: string, action: 'typing' = 'typing'): Promise<void> {
    await this.call('sendChatAction', { chat_id: chatId, action });
  }

  /** Registers an https webhook; `secretToken` (8..256 chars) comes back in `X-Bot-Api-Secret-Token`. */
  setWebhook(url: string, secretToken: string): Promise<ZaloWebhookInfo> {
    return this.call('setWebhook', { url, secret_token: secretToken });
  }

  /** Removes the webhook (required before getUpdates works). */
  deleteWebhook(): Promise<ZaloWebhookInfo> {
    return this.call('deleteWebhook', {});
  }

  getWebhookInfo(): Promise<ZaloWebhookInfo> {
    return this.call('getWebhookInfo', {});
  }

  /** Raw call: POSTs `body` as JSON and returns `result`, or throws ZaloApiError. */
  async call<T>(method: string, body: object, signal?: AbortSignal, extraMs = 0): Promise<T> {
    const timeout = AbortSignal.timeout(this.#timeoutMs + extraMs);
    let res: Response;
    let text: string;
    try {
      res = await fetch(`${this.#apiRoot}/bot${this.#token}/${method}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
      text = await res.text();
    } catch (err) {
      if (signal?.aborted) throw err; // caller cancelled: let the AbortError through
      const reason = timeout.aborted ? 'timed out' : err instanceof Error ? `${err.message} ${causeOf(err)}`.trim() : String(err);
      throw new ZaloApiError(method, 0, 0, `network error: ${reason.split(this.#token).join('<token>')}`);
    }
    let data: Envelope | undefined;
    try {
      data = JSON.parse(text) as Envelope;
    } catch {
      data = undefined;
    }
    if (data?.ok === true && res.ok) return data.result as T;
    const errorCode = data?.error_code ?? res.status;
    const header = Number(res.headers.get('retry-after'));
    const retryAfter = data?.parameters?.retry_after ?? (header > 0 ? header : undefined);
    const description = (data?.description ?? (res.statusText || 'unexpected reply')).split(this.#token).join('<token>');
    throw new ZaloApiError(method, res.status, errorCode, description, retryAfter);
  }
}

function causeOf(err: Error): string {
  const cause = (err as { cause?: unknown }).cause;
  return cause instanceof Error ? `(${cause.message})` : '';
}

function isUpdate(value: unknown): value is { event_name?: unknown; message: Record<string, unknown> } {
  return typeof value === 'object' && value !== null && typeof (value as { message?: unknown }).message === 'object';
}

/** Fills in missing fields so callers can rely on the ZaloUpdate shape. */
function normalizeUpdate(raw: { event_name?: unknown; message: Record<string, unknown> }): ZaloUpdate {
  const m = raw.message;
  const chat = (m.chat ?? {}) as Partial<ZaloChat>;
  const from = (m.from ?? {}) as Partial<ZaloUser>;
  const chatId = String(chat.id ?? from.id ?? '');
  return {
    event_name: typeof raw.event_name === 'string' ? raw.event_name : 'message.unsupported.received',
    message: {
      ...m,
      message_id: String(m.message_id ?? ''),
      date: typeof m.date === 'number' ? m.date : Number(m.date ?? Date.now()),
      ...(typeof m.text === 'string' ? { text: m.text } : {}),
      chat: { id: chatId, chat_type: String(chat.chat_type ?? 'PRIVATE') },
      from: { ...from, id: String(from.id ?? chatId) },
    },
  };
}
