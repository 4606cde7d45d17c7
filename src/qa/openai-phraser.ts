/**
 * The Phraser over any OpenAI-compatible chat endpoint (the official `openai` client).
 * One request per grounded answer, no retries, a hard timeout; the reply must be the
 * JSON of prompts/answer-vi.md and pass validatePhrased (llm.ts), otherwise null is
 * returned and the extractive draft is sent. The API key is never logged.
 */
import { answersTotal } from '../config/metrics.js';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import { AgencyRegistry } from '../corpus/agencies.js';
import { corpusPaths } from '../corpus/store.js';
import {
  buildSources,
  PHRASED_OUTPUT_JSON_SCHEMA,
  renderUserMessage,
  validatePhrased,
  type PhraseInput,
  type Phraser,
  type PhraserLogger,
} from './llm.js';

export const DEFAULT_CHAT_MODEL = 'gpt-4o-mini';
export const DEFAULT_LLM_TIMEOUT_MS = 15_000;

/** <repo>/prompts/answer-vi.md, found from this module's location. */
export const ANSWER_PROMPT_PATH = fileURLToPath(new URL('../../prompts/answer-vi.md', import.meta.url));

let promptCache: string | undefined;

/** The system prompt, read from disk once per process. */
export function loadAnswerPrompt(): string {
  promptCache ??= readFileSync(ANSWER_PROMPT_PATH, 'utf8').normalize('NFC').trim();
  return promptCache;
}

export interface OpenAIPhraserOptions {
  apiKey: string;
  baseURL?: string;
  /** Default 'gpt-4o-mini'. */
  model?: string;
  /** Whole-request budget in ms (default 15000); beyond it the draft is sent. */
  timeoutMs?: number;
  logger?: PhraserLogger;
  /**
   * 'json_schema' (default; OpenAI structured outputs) or 'json_object' for
   * OpenAI-compatible servers without JSON-schema support.
   */
  responseFormat?: 'json_schema' | 'json_object';
  /** Registry used to recognise agency names in answers; default: <CORPUS_DIR>/agencies.json. */
  registry?: AgencyRegistry;
}

const stderrLogger: PhraserLogger = {
  warn: (obj, msg) => console.warn(`${msg ?? 'llm'} ${JSON.stringify(obj)}`),
};

/** Models that reject `temperature` (reasoning models). */
export const NO_TEMPERATURE = /^(o\d|gpt-5)/i;

export function createOpenAIPhraser(opts: OpenAIPhraserOptions): Phraser {
  const model = opts.model ?? DEFAULT_CHAT_MODEL;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_LLM_TIMEOUT_MS;
  const logger = opts.logger ?? stderrLogger;
  const responseFormat = opts.responseFormat ?? 'json_schema';
  const system = loadAnswerPrompt();
  const client = new OpenAI({
    apiKey: opts.apiKey,
    ...(opts.baseURL !== undefined && { baseURL: opts.baseURL }),
    timeout: timeoutMs,
    maxRetries: 0,
  });
  let registry: AgencyRegistry | undefined = opts.registry;
  let registryTried = opts.registry !== undefined;
  const getRegistry = (): AgencyRegistry | undefined => {
    if (!registryTried) {
      registryTried = true;
      try {
        registry = AgencyRegistry.load(corpusPaths().agenciesJson);
      } catch (err) {
        logger.warn({ err: redact(String((err as Error).message), opts.apiKey) }, 'llm: agency registry unavailable; checking agency names by text only');
      }
    }
    return registry;
  };
  /** Never let the key reach a log line, whatever an error message contains. */
  const reject = (reason: string, extra: Record<string, unknown>, started: number) => {
    const safe = Object.fromEntries(Object.entries(extra).map(([k, v]) => [k, typeof v === 'string' ? redact(v, opts.apiKey) : v]));
    logger.warn({ reason, model, ms: Date.now() - started, ...safe }, 'llm: phrasing rejected, sending the extractive answer');
    answersTotal.inc({ outcome: 'fallback' });
    return null;
  };

  return {
    async phrase(input: PhraseInput): Promise<string | null> {
      const started = Date.now();
      const sources = buildSources(input);
      // Nothing to ground a rewrite on (e.g. "no task falls due this week"): the draft stands.
      if (sources.length === 0) return null;
      const user = renderUserMessage(input, sources);
      let content: string | null | undefined;
      try {
        const completion = await client.chat.completions.create(
          {
            model,
            messages: [
              { role: 'system', content: system },
              { role: 'user', content: user },
            ],
            response_format:
              responseFormat === 'json_schema'
                ? { type: 'json_schema', json_schema: { name: 'cau_tra_loi', strict: true, schema: PHRASED_OUTPUT_JSON_SCHEMA as unknown as Record<string, unknown> } }
                : { type: 'json_object' },
            ...(!NO_TEMPERATURE.test(model) && { temperature: 0 }),
            max_completion_tokens: 1500,
          },
          { timeout: timeoutMs, maxRetries: 0, signal: AbortSignal.timeout(timeoutMs) },
        );
        const choice = completion.choices?.[0];
        if (choice?.message?.refusal) return reject('refusal', {}, started);
        if (choice?.finish_reason === 'length') return reject('truncated', {}, started);
        content = choice?.message?.content;
      } catch (err) {
        if (err instanceof APIConnectionTimeoutError || err instanceof APIUserAbortError) return reject('timeout', { timeoutMs }, started);
        if (err instanceof APIConnectionError) return reject('connection_error', { message: String(err.message).slice(0, 200) }, started);
        if (err instanceof APIError) return reject('http_error', { status: err.status ?? null, error: err.name, message: String(err.message).slice(0, 200) }, started);
        return reject('request_failed', { error: (err as Error)?.name ?? 'Error', message: String((err as Error)?.message ?? err).slice(0, 200) }, started);
      }
      if (typeof content !== 'string' || content.trim() === '') return reject('empty_reply', {}, started);
      const verdict = validatePhrased(content, input, sources, getRegistry());
      if (!verdict.ok) return reject(verdict.reason, verdict.detail !== undefined ? { detail: verdict.detail.slice(0, 200) } : {}, started);
      return verdict.answer;
    },
  };
}

/** The text with every occurrence of the secret replaced (error messages may echo request headers). */
export function redact(text: string, secret: string): string {
  return secret.length >= 4 ? text.split(secret).join('[redacted]') : text;
}

/** Empty strings count as unset (a blank line in .env). */
function envValue(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const v = env[name]?.trim();
  return v ? v : undefined;
}

/** The endpoint settings every model client shares: OPENAI_API_KEY (required), OPENAI_BASE_URL, OPENAI_MODEL, LLM_TIMEOUT_MS. */
export interface OpenAIEndpoint {
  apiKey: string;
  baseURL?: string;
  model?: string;
  timeoutMs?: number;
}

/** The configured endpoint, or undefined when no key is set. */
export function openAIEndpointFromEnv(env: NodeJS.ProcessEnv = process.env): OpenAIEndpoint | undefined {
  const apiKey = envValue(env, 'OPENAI_API_KEY');
  if (!apiKey) return undefined;
  const baseURL = envValue(env, 'OPENAI_BASE_URL');
  const model = envValue(env, 'OPENAI_MODEL');
  const rawTimeout = envValue(env, 'LLM_TIMEOUT_MS');
  const timeout = rawTimeout !== undefined ? Number(rawTimeout) : undefined;
  return {
    apiKey,
    ...(baseURL && { baseURL }),
    ...(model && { model }),
    ...(timeout !== undefined && Number.isFinite(timeout) && timeout > 0 && { timeoutMs: timeout }),
  };
}

/**
 * The phraser configured by OPENAI_API_KEY (required), OPENAI_BASE_URL, OPENAI_MODEL and
 * LLM_TIMEOUT_MS; undefined when no key is set (answers stay extractive).
 */
export function loadPhraserFromEnv(env: NodeJS.ProcessEnv = process.env, logger?: PhraserLogger): Phraser | undefined {
  const endpoint = openAIEndpointFromEnv(env);
  if (!endpoint) return undefined;
  return createOpenAIPhraser({ ...endpoint, ...(logger && { logger }) });
}
