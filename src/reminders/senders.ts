/**
 * Builds the outbound senders of the reminder pass from environment variables.
 * Configuration errors are collected (not thrown one at a time) so the operator
 * sees every missing or malformed variable in one run.
 */

import { createTelegramApi, TelegramSender } from '../channels/telegram/sender.js';
import type { MessageSender } from '../channels/types.js';
import { ZaloBotClient } from '../channels/zalo/client.js';
import { ZaloSender } from '../channels/zalo/sender.js';

/** A configuration problem, naming the variable to fix. */
export class ReminderConfigError extends Error {
  constructor(readonly variable: string, message: string) {
    super(message);
    this.name = 'ReminderConfigError';
  }
}

export interface SendersFromEnv {
  senders: Map<string, MessageSender>;
  errors: ReminderConfigError[];
}

function checkUrl(variable: string, value: string | undefined, errors: ReminderConfigError[]): string | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  try {
    const u = new URL(value.trim());
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('protocol');
    return value.trim();
  } catch {
    errors.push(new ReminderConfigError(variable, `${variable}="${value}" không phải địa chỉ http(s) hợp lệ (ví dụ https://api.telegram.org).`));
    return undefined;
  }
}

function positive(variable: string, value: string | undefined, fallback: number, errors: ReminderConfigError[]): number {
  if (value === undefined || value.trim() === '') return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) {
    errors.push(new ReminderConfigError(variable, `${variable}="${value}" phải là một số dương.`));
    return fallback;
  }
  return n;
}

/**
 * Global Telegram throttle at `perSecond`: at most that many per second (reservoir) AND
 * evenly spaced (minTime). Without the spacing the reservoir releases each second's
 * messages in one burst, and a burst at the end of one second plus the next second's
 * burst exceeds the limit over a sliding second — Telegram then answers 429.
 */
export function telegramGlobalThrottle(perSecond: number): { reservoir: number; reservoirRefreshAmount: number; reservoirRefreshInterval: number; minTime: number } {
  return {
    reservoir: perSecond,
    reservoirRefreshAmount: perSecond,
    reservoirRefreshInterval: 1000,
    // 2 % slack: network jitter must not push two sends closer than the server counts.
    minTime: Math.round(102_000 / perSecond) / 100,
  };
}

/**
 * Telegram: TELEGRAM_BOT_TOKEN (+ TELEGRAM_API_ROOT, default the official server).
 * Zalo: ZALO_BOT_TOKEN (+ ZALO_API_ROOT). An API root without its token is an error
 * (a half-configured channel would silently never send).
 *
 * TELEGRAM_MAX_PER_SECOND (default 30, Telegram's bulk limit) exists for a local Bot
 * API server or the fake server of the tests; leave it unset in production.
 */
export function sendersFromEnv(env: NodeJS.ProcessEnv = process.env): SendersFromEnv {
  const errors: ReminderConfigError[] = [];
  const senders = new Map<string, MessageSender>();

  const tgToken = env.TELEGRAM_BOT_TOKEN?.trim();
  const tgRoot = checkUrl('TELEGRAM_API_ROOT', env.TELEGRAM_API_ROOT, errors);
  const tgRate = positive('TELEGRAM_MAX_PER_SECOND', env.TELEGRAM_MAX_PER_SECOND, 30, errors);
  if (tgToken) {
    if (!/^\d+:[\w-]{20,}$/.test(tgToken)) {
      errors.push(new ReminderConfigError('TELEGRAM_BOT_TOKEN', 'TELEGRAM_BOT_TOKEN không đúng dạng "<số>:<chuỗi>" mà @BotFather cấp.'));
    } else {
      const api = createTelegramApi({
        token: tgToken,
        ...(tgRoot ? { apiRoot: tgRoot } : {}),
        throttle: { global: telegramGlobalThrottle(tgRate) },
      });
      senders.set('telegram', new TelegramSender(api));
    }
  } else if (env.TELEGRAM_API_ROOT?.trim()) {
    errors.push(new ReminderConfigError('TELEGRAM_BOT_TOKEN', 'Đã đặt TELEGRAM_API_ROOT nhưng thiếu TELEGRAM_BOT_TOKEN.'));
  }

  const zaloToken = env.ZALO_BOT_TOKEN?.trim();
  const zaloRoot = checkUrl('ZALO_API_ROOT', env.ZALO_API_ROOT, errors);
  if (zaloToken) {
    senders.set('zalo', new ZaloSender(new ZaloBotClient({ token: zaloToken, ...(zaloRoot ? { apiRoot: zaloRoot } : {}) })));
  } else if (env.ZALO_API_ROOT?.trim()) {
    errors.push(new ReminderConfigError('ZALO_BOT_TOKEN', 'Đã đặt ZALO_API_ROOT nhưng thiếu ZALO_BOT_TOKEN.'));
  }
  return { senders, errors };
}
