/**
 * Two app processes on one PostgreSQL database behind a round-robin proxy: a chat's
 * follow-up answered by the other instance still has its context, and a document
 * ingested with `npm run ingest` reaches the instance that did not run it.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../src/corpus/store.js';
import { startFakeTelegram, type FakeTelegram } from './support/fake-telegram.js';
import { post, telegramPlain, telegramTextUpdate, waitFor } from './support/channel-app.js';
import { freePort, startInstance, startRoundRobinProxy, type Instance, type Proxy } from './support/cluster.js';
import { freshDatabase, PG_SERVER_URL } from './support/postgres.js';
import { cleanEnv } from './support/remind-cli.js';

const SECRET = 'cluster-test-secret';
let fake: FakeTelegram;
let db: { url: string; drop: () => Promise<void> };
let proxy: Proxy;
let instances: Instance[] = [];
let work: string;

function env(n: number): NodeJS.ProcessEnv {
  return cleanEnv({
    DATA_DIR: join(work, `data-${n}`),
    DATABASE_URL: db.url,
    ASSISTANT_NOW: '2026-02-01',
    LOG_LEVEL: 'warn',
    TELEGRAM_BOT_TOKEN: fake.token,
    TELEGRAM_API_ROOT: fake.apiRoot,
    TELEGRAM_WEBHOOK_URL: `${proxy.url}/telegram/webhook`,
    TELEGRAM_WEBHOOK_SECRET: SECRET,
  });
}

beforeAll(async () => {
  if (!PG_SERVER_URL) return;
  work = mkdtempSync(join(tmpdir(), 'tro-ly-cluster-'));
  fake = await startFakeTelegram();
  db = await freshDatabase();
  const ports = [await freePort(), await freePort()];
  proxy = await startRoundRobinProxy(() => ports);
  instances = await Promise.all(ports.map((port, i) => startInstance(env(i + 1), port)));
}, 120_000);

afterAll(async () => {
  if (!PG_SERVER_URL) return;
  await Promise.all(instances.map((i) => i.stop()));
  await proxy.close();
  await fake.close();
  await db.drop();
  rmSync(work, { recursive: true, force: true });
});

let updateId = 5000;
/** Sends a message as chat `chatId` to `url` (the proxy or one instance) and returns the bot's reply. */
async function say(url: string, chatId: number, text: string): Promise<string> {
  const before = fake.sent().filter((m) => m.chat_id === chatId).length;
  const res = await post(`${url}/telegram/webhook`, telegramTextUpdate(updateId++, chatId, text), { 'x-telegram-bot-api-secret-token': SECRET });
  expect(res.status).toBe(200);
  const replies = await waitFor(() => {
    const got = fake.sent().filter((m) => m.chat_id === chatId);
    return got.length > before && got;
  }, `reply to «${text}» in chat ${chatId}`);
  return telegramPlain(replies[before]!.text);
}

describe.skipIf(!PG_SERVER_URL)('two instances behind a round-robin proxy (PostgreSQL)', () => {
  it('a follow-up reaching the other instance is answered with the context of the question', async () => {
    const [a, b] = instances;
    const hitsBefore = new Map(proxy.hits);
    await say(proxy.url, 101, 'Ai chủ trì xây dựng Luật Dữ liệu?');
    const followUp = await say(proxy.url, 101, 'hạn khi nào?');
    // Round robin: the two messages went to different instances.
    expect(proxy.hits.get(a!.port)! - (hitsBefore.get(a!.port) ?? 0)).toBe(1);
    expect(proxy.hits.get(b!.port)! - (hitsBefore.get(b!.port) ?? 0)).toBe(1);

    // Reference: the same two messages to one instance; and the follow-up alone, without context.
    await say(a!.url, 102, 'Ai chủ trì xây dựng Luật Dữ liệu?');
    const sameInstance = await say(a!.url, 102, 'hạn khi nào?');
    const noContext = await say(b!.url, 103, 'hạn khi nào?');
    expect(followUp).toBe(sameInstance);
    expect(followUp).toMatch(/^Thời hạn: /);
    expect(noContext).not.toBe(followUp);
  }, 60_000);

  it('"tiếp" pages on, whichever instance receives it', async () => {
    const first = await say(proxy.url, 201, 'Bộ Y tế phải làm gì?');
    expect(first).toMatch(/Trang 1\/\d+/);
    const second = await say(proxy.url, 201, 'tiếp');
    expect(second).toMatch(/Trang 2\/\d+/);
  }, 60_000);

  it('a document ingested with npm run ingest is answered by both instances (polled)', async () => {
    const question = 'Ai chủ trì xây dựng nền tảng thử nghiệm Kỳ Lân Số?';
    const before = await say(instances[1]!.url, 301, question);
    expect(before).not.toContain('Kỳ Lân Số”');
    const doc = join(work, 'ky-lan-so.txt');
    writeFileSync(
      doc,
      [
        'BỘ KHOA HỌC VÀ CÔNG NGHỆ',
        'Số: 99/KH-BKHCN',
        'Hà Nội, ngày 15 tháng 01 năm 2026',
        '',
        'KẾ HOẠCH',
        'Thử nghiệm nền tảng Kỳ Lân Số',
        '',
        '1. Giao Bộ Công an chủ trì xây dựng nền tảng thử nghiệm Kỳ Lân Số, hoàn thành trước ngày 30/6/2026.',
        '',
      ].join('\n'),
    );
    // The ingest runs beside instance 1 (its DATA_DIR); instance 2 only hears the NOTIFY.
    const code = await new Promise<number | null>((resolve) => {
      const child = spawn(join(REPO_ROOT, 'node_modules', '.bin', 'tsx'), [join(REPO_ROOT, 'scripts', 'ingest.ts'), doc], { env: env(1), cwd: work, stdio: 'ignore' });
      child.on('exit', resolve);
    });
    expect(code).toBe(0);
    let answer = '';
    for (let i = 0; i < 200 && !answer.startsWith('Bộ Công an chủ trì'); i++) {
      answer = await say(instances[1]!.url, 302 + i, question);
      if (!answer.startsWith('Bộ Công an chủ trì')) await new Promise((r) => setTimeout(r, 100));
    }
    expect(answer).toMatch(/^Bộ Công an chủ trì/);
    expect(answer).toContain('Kỳ Lân Số');
    expect(await say(instances[0]!.url, 600, question)).toMatch(/^Bộ Công an chủ trì/);
    // The repository's corpus files are the seed: the ingest did not touch them.
    expect(readFileSync(join(REPO_ROOT, 'corpus', 'documents.json'), 'utf8')).not.toContain('Kỳ Lân Số');
  }, 120_000);
});
