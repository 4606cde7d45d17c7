/**
 * Replies the platform refuses for a while (5xx) are sent again by the running process, with a
 * growing delay, without a restart (issue 12, item 6): every question of an outage gets its
 * answer once the platform recovers, never asked twice; after the last retry the update is
 * given up — marked failed, logged, counted in /metrics — and the service goes on answering.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { TelegramChannel } from '../src/channels/telegram/bot.js';
import { ZaloChannel } from '../src/channels/zalo/bot.js';
import { registry } from '../src/config/metrics.js';
import { SqliteStore, type Inbox } from '../src/storage/index.js';
import { PostgresStore } from '../src/storage/postgres.js';
import { startFakeTelegram } from './support/fake-telegram.js';
import { startFakeZalo } from './support/fake-zalo.js';
import { captureLogger, echo, freshDataDir, post, queryDb, removeDataDirs, sleep, telegramTextUpdate, waitFor } from './support/channel-app.js';
import { freshDatabase, PG_SERVER_URL } from './support/postgres.js';

afterAll(() => removeDataDirs());

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A real SQLite inbox in a fresh DATA_DIR. */
function openInbox(): { inbox: Inbox; dataDir: string } {
  const dataDir = freshDataDir();
  const store = new SqliteStore(join(dataDir, 'assistant.db'));
  cleanups.push(() => store.close());
  return { inbox: store.inbox, dataDir };
}

/** Updates of a channel not yet done, read from the file. */
const pendingIn = (dataDir: string, channel: string) => queryDb<{ n: number }>(dataDir, `SELECT count(*) AS n FROM inbox WHERE channel = ? AND status = 'pending'`, channel)[0]!.n;

/** Short delays so a test sees many retries; the defaults are 5 s → 60 s, 10 retries. */
const FAST_RETRY = { firstDelayMs: 40, maxDelayMs: 200, maxRetries: 10 };
const CHATS = Array.from({ length: 10 }, (_, i) => 640_000 + i);

async function metricValue(channel: string, result: string): Promise<number> {
  const metric = (await registry.getSingleMetric('tro_ly_reply_retries_total')!.get()).values;
  return metric.find((v) => v.labels.channel === channel && v.labels.result === result)?.value ?? 0;
}

describe('a Telegram outage of sendMessage (502) for a while', () => {
  it('every question asked during it is answered once Telegram recovers, each once, without a restart', async () => {
    const fake = await startFakeTelegram();
    const { inbox, dataDir } = openInbox();
    const { logger, lines } = captureLogger();
    const channel = new TelegramChannel({ token: fake.token, apiRoot: fake.apiRoot, conversation: echo, logger, inbox, throttle: false, pollTimeoutSeconds: 1, sendRetry: { maxRetryAttempts: 0, rethrowInternalServerErrors: true }, replyRetry: FAST_RETRY });
    cleanups.push(async () => (await channel.stop(), await fake.close()));
    await channel.start();
    // 30 refused sends: every reply fails about three times before one is accepted.
    fake.failNext('sendMessage', { status: 502, description: 'Bad Gateway' }, 30);
    for (const chatId of CHATS) fake.queueMessage({ chatId, text: `câu hỏi ${chatId}` });

    await waitFor(() => CHATS.every((c) => fake.sent(c).length >= 1), 'an answer in every chat');
    await waitFor(() => pendingIn(dataDir, 'telegram') === 0, 'inbox drained');
    await sleep(300);
    for (const c of CHATS) {
      expect(fake.sent(c).map((m) => m.text)).toEqual([`Đã nhận: câu hỏi ${c}`]);
    }
    expect(fake.calls.filter((c) => c.method === 'sendMessage' && c.status === 502)).toHaveLength(30);
    const warning = lines.find((l) => l.level === 40 && l.msg.includes('Chưa gửi được câu trả lời'));
    expect(warning?.msg).toMatch(/Thử lại sau [\d,]+ giây \(lần 1\/10\)/);
    expect(queryDb(dataDir, `SELECT count(*) AS n FROM inbox WHERE status = 'done'`)).toEqual([{ n: CHATS.length }]);
  });
});

describe('a Zalo outage of sendMessage (503) for a while', () => {
  it('every question asked during it is answered once Zalo recovers, each once, without a restart', async () => {
    const fake = await startFakeZalo();
    const { inbox, dataDir } = openInbox();
    const { logger } = captureLogger();
    const channel = new ZaloChannel({ token: fake.token, apiRoot: fake.apiRoot, conversation: echo, logger, inbox, pollTimeoutSeconds: 1, sendRetry: { maxAttempts: 1 }, replyRetry: FAST_RETRY });
    cleanups.push(async () => (await channel.stop(), await fake.close()));
    const before = await metricValue('zalo', 'delivered');
    await channel.start();
    fake.failNext('sendMessage', { status: 503 }, 30);
    for (const chatId of CHATS) fake.queueText({ chatId: String(chatId), text: `câu hỏi ${chatId}` });

    await waitFor(() => CHATS.every((c) => fake.sent(String(c)).length >= 1), 'an answer in every chat');
    await waitFor(() => pendingIn(dataDir, 'zalo') === 0, 'inbox drained');
    await sleep(300);
    for (const c of CHATS) expect(fake.sent(String(c)).map((m) => m.text)).toEqual([`Đã nhận: câu hỏi ${c}`]);
    expect(fake.calls.filter((c) => c.method === 'sendMessage' && c.status === 503)).toHaveLength(30);
    expect((await metricValue('zalo', 'delivered')) - before).toBeGreaterThan(0);
  });
});

describe('an outage longer than the retries', () => {
  it('gives the update up after the last retry (failed, logged, counted) and answers the next question', async () => {
    const fake = await startFakeTelegram();
    const { inbox, dataDir } = openInbox();
    const { logger, lines } = captureLogger();
    const channel = new TelegramChannel({ token: fake.token, apiRoot: fake.apiRoot, conversation: echo, logger, inbox, throttle: false, pollTimeoutSeconds: 1, sendRetry: { maxRetryAttempts: 0, rethrowInternalServerErrors: true }, replyRetry: { ...FAST_RETRY, maxRetries: 3 } });
    cleanups.push(async () => (await channel.stop(), await fake.close()));
    const before = await metricValue('telegram', 'failed');
    await channel.start();
    // The first send and its 3 retries are refused.
    fake.failNext('sendMessage', { status: 500, description: 'Internal Server Error' }, 4);
    fake.queueMessage({ chatId: 650_001, text: 'câu hỏi bị bỏ' });

    await waitFor(() => queryDb(dataDir, `SELECT status FROM inbox WHERE status = 'failed'`).length === 1, 'the update given up');
    expect(lines.find((l) => l.level === 50 && l.msg.includes('sau 3 lần thử lại'))).toBeDefined();
    expect((await metricValue('telegram', 'failed')) - before).toBe(1);
    await sleep(400);
    expect(fake.calls.filter((c) => c.method === 'sendMessage')).toHaveLength(4);

    fake.queueMessage({ chatId: 650_001, text: 'câu hỏi sau' });
    const [m] = await fake.waitForSent(1, { chatId: 650_001, timeoutMs: 60_000 });
    expect(m!.text).toBe('Đã nhận: câu hỏi sau');
  });
});

describe.skipIf(!PG_SERVER_URL)('two instances on one PostgreSQL inbox during a Telegram outage', () => {
  it('the replies refused by Telegram are resent by the instances together, each exactly once', async () => {
    const fake = await startFakeTelegram();
    const db = await freshDatabase();
    cleanups.push(async () => (await fake.close(), await db.drop()));
    const SECRET = 'reply-retry-cluster-secret';
    const instances = [];
    for (let n = 0; n < 2; n++) {
      const store = await PostgresStore.open(db.url, { poolSize: 4 });
      const { logger } = captureLogger();
      const server = createServer();
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/telegram/webhook`;
      const channel = new TelegramChannel({
        token: fake.token,
        apiRoot: fake.apiRoot,
        conversation: echo,
        logger,
        inbox: store.inbox,
        throttle: false,
        webhook: { url, secret: SECRET },
        sendRetry: { maxRetryAttempts: 0, rethrowInternalServerErrors: true },
        replyRetry: FAST_RETRY,
      });
      server.on('request', (req, res) => void channel.handleWebhook(req, res));
      cleanups.push(async () => (await channel.stop(), await new Promise((r) => server.close(r)), await store.close()));
      await channel.start();
      instances.push({ url, store });
    }
    fake.failNext('sendMessage', { status: 502, description: 'Bad Gateway' }, 30);
    // The load balancer spreads the questions over both instances.
    for (const [i, chatId] of CHATS.entries()) {
      const res = await post(instances[i % 2]!.url, telegramTextUpdate(9000 + i, chatId, `câu hỏi ${chatId}`), { 'x-telegram-bot-api-secret-token': SECRET });
      expect(res.status).toBe(200);
    }

    await waitFor(() => CHATS.every((c) => fake.sent(c).length >= 1), 'an answer in every chat');
    const until = Date.now() + 30_000;
    while ((await instances[0]!.store.inbox.pendingCount('telegram')) > 0 && Date.now() < until) await sleep(50);
    expect(await instances[0]!.store.inbox.pendingCount('telegram')).toBe(0);
    await sleep(300);
    for (const c of CHATS) expect(fake.sent(c).map((m) => m.text)).toEqual([`Đã nhận: câu hỏi ${c}`]);
    expect(fake.calls.filter((c) => c.method === 'sendMessage' && c.status === 502)).toHaveLength(30);
  });
});
