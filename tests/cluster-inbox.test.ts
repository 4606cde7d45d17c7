/**
 * The inbox and the question log in a cluster (PostgreSQL): an instance SIGKILLed
 * with updates in flight has them answered by the other instance — every one, none
 * more than twice; the replies A had computed are sent by B as stored, without asking again
 * — and the admin statistics hold the questions of both instances.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresStore } from '../src/storage/postgres.js';
import { startFakeTelegram, type FakeTelegram } from './support/fake-telegram.js';
import { post, sleep, telegramTextUpdate, waitFor } from './support/channel-app.js';
import { freePort, startInstance, type Instance } from './support/cluster.js';
import { freshDatabase, PG_SERVER_URL } from './support/postgres.js';
import { cleanEnv } from './support/remind-cli.js';

const SECRET = 'cluster-inbox-secret';
let fake: FakeTelegram;
let db: { url: string; drop: () => Promise<void> };
let instances: Instance[] = [];
let work: string;

beforeAll(async () => {
  if (!PG_SERVER_URL) return;
  work = mkdtempSync(join(tmpdir(), 'tro-ly-cluster-inbox-'));
  fake = await startFakeTelegram();
  db = await freshDatabase();
  const ports = [await freePort(), await freePort()];
  const env = (n: number, port: number) =>
    cleanEnv({
      DATA_DIR: join(work, `data-${n}`),
      DATABASE_URL: db.url,
      ASSISTANT_NOW: '2026-02-01',
      LOG_LEVEL: 'warn',
      INBOX_RECOVERY_SECONDS: '1',
      TELEGRAM_BOT_TOKEN: fake.token,
      TELEGRAM_API_ROOT: fake.apiRoot,
      TELEGRAM_WEBHOOK_URL: `http://127.0.0.1:${port}/telegram/webhook`,
      TELEGRAM_WEBHOOK_SECRET: SECRET,
    });
  // One after the other: both would build the same index cache at once.
  for (const [i, port] of ports.entries()) instances.push(await startInstance(env(i + 1, port), port, 120_000));
}, 240_000);

afterAll(async () => {
  if (!PG_SERVER_URL) return;
  await Promise.all(instances.map((i) => i.stop()));
  await fake.close();
  await db.drop();
  rmSync(work, { recursive: true, force: true });
});

let updateId = 7000;
const webhook = (instance: Instance, chatId: number, text: string) =>
  post(`${instance.url}/telegram/webhook`, telegramTextUpdate(updateId++, chatId, text), { 'x-telegram-bot-api-secret-token': SECRET });

describe.skipIf(!PG_SERVER_URL)('inbox and question log shared by the cluster (PostgreSQL)', () => {
  it('an instance killed with updates in flight: the other instance answers each of them, none more than twice; statistics cover both', async () => {
    const [a, b] = instances as [Instance, Instance];
    // One question answered normally by each instance.
    expect((await webhook(a, 810_001, 'Ai chủ trì xây dựng Luật Dữ liệu?')).status).toBe(200);
    expect((await webhook(b, 810_002, 'Bộ Y tế phải làm gì?')).status).toBe(200);
    await waitFor(() => fake.sent(810_001).length === 1 && fake.sent(810_002).length === 1, 'the two first answers');
    // The admin statistics hold the questions of both instances (written in batches every 0.25 s).
    const stats = await PostgresStore.open(db.url, { poolSize: 1 });
    try {
      const asked = async () => (await stats.questionStats.since('2000-01-01T00:00:00Z')).map((q) => q.question);
      const until = Date.now() + 10_000;
      while ((await asked()).length < 2 && Date.now() < until) await sleep(100);
      expect((await asked()).sort()).toEqual(['Ai chủ trì xây dựng Luật Dữ liệu?', 'Bộ Y tế phải làm gì?']);
    } finally {
      await stats.close();
    }

    // Instance A acknowledges N updates (stored) and is killed while its replies hang.
    const CHATS = Array.from({ length: 8 }, (_, i) => 820_000 + i);
    fake.hold('sendMessage');
    for (const chat of CHATS) expect((await webhook(a, chat, 'Nhiệm vụ nào đã quá hạn?')).status).toBe(200);
    await waitFor(() => fake.heldCount('sendMessage') >= CHATS.length, 'A replying to every update', 30_000);
    // A's replies are stored with the updates and its questions logged (batches of 0.25 s) before the kill.
    const logged = await PostgresStore.open(db.url, { poolSize: 1 });
    try {
      const overdueLogged = async () => (await logged.questionStats.since('2000-01-01T00:00:00Z')).filter((q) => q.question === 'Nhiệm vụ nào đã quá hạn?').length;
      const until = Date.now() + 10_000;
      while ((await overdueLogged()) < CHATS.length && Date.now() < until) await sleep(100);
      expect(await overdueLogged()).toBe(CHATS.length);
    } finally {
      await logged.close();
    }
    const exited = new Promise((resolve) => a.child.once('exit', resolve));
    process.kill(-a.child.pid!, 'SIGKILL');
    await exited;
    await sleep(200);
    fake.release('sendMessage'); // the dead client's calls are dropped, never sent
    expect(CHATS.filter((c) => fake.sent(c).length > 0)).toEqual([]);

    // B notices A is gone (its presence lock went with its connection) and answers.
    await waitFor(() => CHATS.every((c) => fake.sent(c).length >= 1), 'answers from B to every chat A had in flight', 30_000);
    await sleep(1500); // another recovery round: nothing is answered again
    for (const c of CHATS) expect(fake.sent(c)).toHaveLength(1);
    expect(b.output()).toMatch(/answering the updates of an instance that stopped/);

    const store = await PostgresStore.open(db.url, { poolSize: 1 });
    try {
      // Every update done (confirmed once its reply was accepted).
      const until = Date.now() + 15_000;
      while ((await store.inbox.pendingCount('telegram')) > 0 && Date.now() < until) await sleep(100);
      expect(await store.inbox.pendingCount('telegram')).toBe(0);
      const questions = await store.questionStats.since('2000-01-01T00:00:00Z');
      const overdue = questions.filter((q) => q.question === 'Nhiệm vụ nào đã quá hạn?');
      // Logged by A when it answered; B sent A's stored replies without asking the questions again.
      expect(new Set(overdue.map((q) => q.asker)).size).toBe(CHATS.length);
      expect(overdue).toHaveLength(CHATS.length);
      expect(questions.every((q) => !/81000|82000/.test(q.asker))).toBe(true); // pseudonyms, never chat ids
    } finally {
      await store.close();
    }
  }, 120_000);
});
