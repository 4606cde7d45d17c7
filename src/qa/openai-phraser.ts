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
const NO_TEMPERATURE = /^(o\d|gpt-5)/i;

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
  const logRejection = rejectionLogger(logger, opts.apiKey, model, 'llm: phrasing rejected, sending the extractive answer');
  const reject = (reason: string, extra: Record<string, unknown>, started: number) => {
    answersTotal.inc({ outcome: 'fallback' });
    return logRejection(reason, extra, started);
  };

  return {
    async phrase(input: PhraseInput): Promise<string | null> {
      const started = Date.now();
      const sources = buildSources(input);
      // Nothing to ground a rewrite on (e.g. "no task falls due this week"): the draft stands.
      if (sources.length === 0) return null;
      const user = renderUserMessage(input, sources);
      const reply = await completeJson(client, {
        model,
        system,
        user,
        schemaName: 'cau_tra_loi',
        schema: PHRASED_OUTPUT_JSON_SCHEMA as unknown as Record<string, unknown>,
        responseFormat,
        maxTokens: 1500,
        timeoutMs,
      });
      if ('reason' in reply) return reject(reply.reason, reply.extra, started);
      const content = reply.content;
      const verdict = validatePhrased(content, input, sources, getRegistry());
      if (!verdict.ok) return reject(verdict.reason, verdict.detail !== undefined ? { detail: verdict.detail.slice(0, 200) } : {}, started);
      return verdict.answer;
    },
  };
}

/**
 * Logs why a model reply was not used and returns null: reason, model and duration, with
 * the key redacted from every string (an error message may echo request headers).
 */
export function rejectionLogger(logger: PhraserLogger, apiKey: string, model: string, message: string): (reason: string, extra: Record<string, unknown>, started: number) => null {
  return (reason, extra, started) => {
    const safe = Object.fromEntries(Object.entries(extra).map(([k, v]) => [k, typeof v === 'string' ? redact(v, apiKey) : v]));
    logger.warn({ reason, model, ms: Date.now() - started, ...safe }, message);
    return null;
  };
}

/** One JSON-reply chat request of a model client. */
export interface JsonRequest {
  model: string;
  system: string;
  user: string;
  /** Name of the JSON schema (response_format json_schema, strict). */
  schemaName: string;
  schema: Record<string, unknown>;
  responseFormat: 'json_schema' | 'json_object';
  maxTokens: number;
  timeoutMs: number;
}

/**
 * One chat completion, no retries, a hard timeout: the reply text, or why there is none
 * (a reason code and details for the log line, which rejectionLogger redacts).
 */
export async function completeJson(client: OpenAI, req: JsonRequest): Promise<{ content: string } | { reason: string; extra: Record<string, unknown> }> {
  const fail = (reason: string, extra: Record<string, unknown> = {}) => ({ reason, extra });
  try {
    const completion = await client.chat.completions.create(
      {
        model: req.model,
        messages: [
          { role: 'system', content: req.system },
          { role: 'user', content: req.user },
        ],
        response_format:
          req.responseFormat === 'json_schema' ? { type: 'json_schema', json_schema: { name: req.schemaName, strict: true, schema: req.schema } } : { type: 'json_object' },
        ...(!NO_TEMPERATURE.test(req.model) && { temperature: 0 }),
        max_completion_tokens: req.maxTokens,
      },
      { timeout: req.timeoutMs, maxRetries: 0, signal: AbortSignal.timeout(req.timeoutMs) },
    );
    const choice = completion.choices?.[0];
    if (choice?.message?.refusal) return fail('refusal');
    if (choice?.finish_reason === 'length') return fail('truncated');
    const content = choice?.message?.content;
    return typeof content === 'string' && content.trim() !== '' ? { content } : fail('empty_reply');
  } catch (err) {
    if (err instanceof APIConnectionTimeoutError || err instanceof APIUserAbortError) return fail('timeout', { timeoutMs: req.timeoutMs });
    if (err instanceof APIConnectionError) return fail('connection_error', { message: String(err.message).slice(0, 200) });
    if (err instanceof APIError) return fail('http_error', { status: err.status ?? null, error: err.name, message: String(err.message).slice(0, 200) });
    return fail('request_failed', { error: (err as Error)?.name ?? 'Error', message: String((err as Error)?.message ?? err).slice(0, 200) });
  }
}

function redact(text: string, secret: string): string {
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
