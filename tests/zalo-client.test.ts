import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ZaloApiError, ZaloBotClient } from '../src/channels/zalo/client.js';
import { startFakeZalo, type FakeZalo, type FakeZaloOptions } from './support/fake-zalo.js';

let fake: FakeZalo | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function setup(opts: FakeZaloOptions = {}) {
  fake = await startFakeZalo({ maxLongPollMs: 300, ...opts });
  const client = new ZaloBotClient({ token: fake.token, apiRoot: fake.apiRoot, timeoutMs: 3000 });
  return { fake, client };
}

describe('ZaloBotClient against the fake Zalo Bot API', () => {
  it('getMe returns the bot and posts JSON to /bot<token>/getMe', async () => {
    const { fake, client } = await setup();
    const me = await client.getMe();
    expect(me.id).toBe(fake.token.split(':')[0]);
    expect(fake.calls[0]).toMatchObject({ method: 'getMe', status: 200 });
  });

  it('a wrong token gives a clear 401 error that never contains the token', async () => {
    const { fake } = await setup();
    const secret = '999:WrongSecretValue123';
    const client = new ZaloBotClient({ token: secret, apiRoot: fake.apiRoot });
    const err = await client.getMe().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ZaloApiError);
    expect(err).toMatchObject({ status: 401, errorCode: 401 });
    expect((err as Error).message).toMatch(/token is wrong/);
    expect((err as Error).message).not.toContain('WrongSecretValue123');
  });

  it('getUpdates long-polls until an update arrives', async () => {
    const { fake, client } = await setup({ maxLongPollMs: 3000 });
    const started = Date.now();
    setTimeout(() => fake.queueText({ chatId: 'c1', text: 'Xin chào', fromName: 'Trần Thị B' }), 150);
    const updates = await client.getUpdates({ timeoutSeconds: 2 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);
    expect(updates).toHaveLength(1);
    expect(updates[0]).toMatchObject({
      event_name: 'message.text.received',
      message: { text: 'Xin chào', chat: { id: 'c1', chat_type: 'PRIVATE' }, from: { id: 'c1', display_name: 'Trần Thị B' } },
    });
    expect(fake.calls.at(-1)?.payload).toEqual({ timeout: '2' }); // seconds as a string
  });

  it('treats 408 "Request timeout" as no updates (HTTP 408 or HTTP 200 with ok:false)', async () => {
    for (const errorHttpStatus of ['mirror', 200] as const) {
      const { fake, client } = await setup({ errorHttpStatus });
      expect(await client.getUpdates({ timeoutSeconds: 1 })).toEqual([]);
      expect(fake.calls.at(-1)?.status).toBe(errorHttpStatus === 200 ? 200 : 408);
      await fake.close();
    }
    fake = undefined;
  });

  it('hands out one update per call in the object shape, all of them in the array shape', async () => {
    const one = await setup();
    one.fake.queueText({ chatId: 'a', text: '1' });
    one.fake.queueText({ chatId: 'a', text: '2' });
    expect((await one.client.getUpdates({ timeoutSeconds: 1 })).map((u) => u.message.text)).toEqual(['1']);
    expect((await one.client.getUpdates({ timeoutSeconds: 1 })).map((u) => u.message.text)).toEqual(['2']);
    await one.fake.close();

    const many = await setup({ updateShape: 'array' });
    for (const t of ['1', '2', '3']) many.fake.queueText({ chatId: 'g', text: t, chatType: 'GROUP', fromId: 'u9' });
    const updates = await many.client.getUpdates({ timeoutSeconds: 1 });
    expect(updates.map((u) => [u.message.text, u.message.chat.chat_type, u.message.from.id])).toEqual([
      ['1', 'GROUP', 'u9'],
      ['2', 'GROUP', 'u9'],
      ['3', 'GROUP', 'u9'],
    ]);
  });

  it('normalises updates with missing fields and first_name senders', async () => {
    const { fake, client } = await setup();
    fake.queueText({ chatId: 'c2', text: 'Hỏi', fromName: 'Lê C', nameField: 'first_name' });
    fake.queueEvent('message.image.received', { chat: { id: 'c3' }, photo: 'https://example.invalid/a.jpg' });
    const [text] = await client.getUpdates({ timeoutSeconds: 1 });
    expect(text?.message.from).toEqual({ id: 'c2', first_name: 'Lê C' });
    const [image] = await client.getUpdates({ timeoutSeconds: 1 });
    expect(image?.event_name).toBe('message.image.received');
    expect(image?.message.text).toBeUndefined();
    expect(image?.message.chat).toEqual({ id: 'c3', chat_type: 'PRIVATE' });
    expect(image?.message.photo).toBe('https://example.invalid/a.jpg');
  });

  it('sendMessage validates 1..2000 characters; sendChatAction works', async () => {
    const { fake, client } = await setup();
    const ok = await client.sendMessage('c1', 'x'.repeat(2000));
    expect(ok.message_id).toMatch(/^[0-9a-f]+$/);
    await client.sendChatAction('c1', 'typing');
    await expect(client.sendMessage('c1', 'x'.repeat(2001))).rejects.toMatchObject({ errorCode: 400 });
    await expect(client.sendMessage('c1', '')).rejects.toMatchObject({ errorCode: 400 });
    expect(fake.sent('c1')).toHaveLength(1);
  });

  it('reports 429 with retry_after and 5xx as ZaloApiError', async () => {
    const { fake, client } = await setup();
    fake.failNext('sendMessage', { status: 429, retryAfter: 2 });
    fake.failNext('sendMessage', { status: 502 });
    await expect(client.sendMessage('c1', 'a')).rejects.toMatchObject({ status: 429, errorCode: 429, retryAfter: 2 });
    await expect(client.sendMessage('c1', 'a')).rejects.toMatchObject({ status: 502, errorCode: 502 });
    await client.sendMessage('c1', 'a');
    expect(fake.sent()).toHaveLength(1);
  });

  it('webhook: secret 8..256 chars, getUpdates refused while set, delivery carries the secret header', async () => {
    const { fake, client } = await setup();
    const received: Array<{ secret: string | undefined; body: unknown }> = [];
    const hook = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ secret: req.headers['x-bot-api-secret-token'] as string | undefined, body: JSON.parse(Buffer.concat(chunks).toString()) });
        res.end('ok');
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/zalo`;
    try {
      await expect(client.setWebhook(url, 'short')).rejects.toMatchObject({ errorCode: 400 });
      expect((await client.setWebhook(url, 'secret-123456')).url).toBe(url);
      expect((await client.getWebhookInfo()).url).toBe(url);
      await expect(client.getUpdates({ timeoutSeconds: 1 })).rejects.toBeInstanceOf(ZaloApiError);
      fake.queueText({ chatId: 'c1', text: 'qua webhook' });
      expect(await fake.deliverWebhook()).toMatchObject([{ status: 200 }]);
      expect(received).toEqual([{ secret: 'secret-123456', body: expect.objectContaining({ event_name: 'message.text.received' }) }]);
      expect((await client.deleteWebhook()).url).toBe('');
      fake.queueText({ chatId: 'c1', text: 'qua polling' });
      expect((await client.getUpdates({ timeoutSeconds: 1 }))[0]?.message.text).toBe('qua polling');
    } finally {
      await new Promise((r) => hook.close(r));
    }
  });

  it('aborting a long poll rejects promptly, and the fake forgets the poll', async () => {
    const { fake, client } = await setup({ maxLongPollMs: 10_000 });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    await expect(client.getUpdates({ timeoutSeconds: 10, signal: ac.signal })).rejects.toThrow(/abort/i);
    // once the server has seen the disconnect, a new update is not handed to the dead poll
    // (queued in the very same tick as the abort it would be: Zalo has no offset to re-deliver it)
    await new Promise((r) => setTimeout(r, 50));
    fake.queueText({ chatId: 'c1', text: 'sau khi huỷ' });
    expect((await client.getUpdates({ timeoutSeconds: 1 }))[0]?.message.text).toBe('sau khi huỷ');
  });

  it('network errors become ZaloApiError status 0 without the token', async () => {
    const { fake } = await setup();
    const apiRoot = fake.apiRoot;
    await fake.close();
    const client = new ZaloBotClient({ token: fake.token, apiRoot, timeoutMs: 1000 });
    const err = await client.getMe().catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 0, errorCode: 0 });
    expect((err as Error).message).not.toContain(fake.token.split(':')[1]!);
  });
});
