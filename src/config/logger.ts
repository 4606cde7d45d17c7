/**
 * Structured logs (pino) to stderr, so stdout stays clean for JSON output.
 * Secrets never reach a log line: bot tokens inside URLs are masked and the
 * usual secret fields are redacted.
 */
import pino from 'pino';

export type Logger = pino.Logger;

/** Replaces Telegram/Zalo tokens that appear in URLs ("/bot123:ABC/sendMessage"). */
export function maskTokens(text: string): string {
  return text.replace(/bot[^/\s:]+:[^/\s]+/g, 'bot***');
}

export function createLogger(level = 'info'): Logger {
  return pino(
    {
      level,
      base: undefined,
      redact: {
        paths: ['token', '*.token', 'apiKey', '*.apiKey', 'secret', '*.secret', 'headers.authorization', '*.headers.authorization', 'headers["x-telegram-bot-api-secret-token"]', 'headers["x-bot-api-secret-token"]'],
        censor: '***',
      },
      formatters: {
        log(obj) {
          const err = obj.err as { message?: string; stack?: string } | undefined;
          if (err && typeof err === 'object') {
            return { ...obj, err: { message: maskTokens(String(err.message ?? err)), stack: err.stack ? maskTokens(err.stack) : undefined } };
          }
          return obj;
        },
      },
    },
    pino.destination(2),
  );
}
