/**
 * The app as `npm start` runs it: configuration errors, both chat channels at once, graceful
 * stop, the terminal chat, and the real entry point's exit code on bad configuration.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { runRepl } from '../src/channels/cli/repl.js';
import { ConfigError } from '../src/config/env.js';
import { startFakeTelegram } from './support/fake-telegram.js';
import { startFakeZalo } from './support/fake-zalo.js';
import { freshDataDir, removeDataDirs, startTestApp, telegramPlain, waitFor } from './support/channel-app.js';

afterAll(() => removeDataDirs());

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '0.0.0.0', () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '0.0.0.0', () => srv.close(() => resolve(true)));
  });
}

async function configError(env: Record<string, string>): Promise<ConfigError> {
  const err = await startTestApp({ DATA_DIR: freshDataDir(), ...env }).then(
    async (app) => {
      await app.stop();
      throw new Error('startApp should have rejected');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConfigError);
  return err as ConfigError;
}

describe('configuration', () => {
  it('a malformed TELEGRAM_BOT_TOKEN is named, and its value is not echoed', async () => {
    const err = await configError({ TELEGRAM_BOT_TOKEN: 'not-a-token' });
    expect(err.variable).toBe('TELEGRAM_BOT_TOKEN');
    expect(err.message).toContain('TELEGRAM_BOT_TOKEN');
    expect(err.message).not.toContain('not-a-token');
    const secretish = await configError({ TELEGRAM_BOT_TOKEN: '12345:tooShortSecretValue' });
    expect(secretish.message).not.toContain('tooShortSecretValue');
  });

  it('PORT=abc is named', async () => {
    const err = await configError({ PORT: 'abc' });
    expect(err.variable).toBe('PORT');
    expect(err.message).toMatch(/^Biến môi trường PORT không hợp lệ/);
  });

  it('webhook URL without a secret, a bad secret, a bad Zalo token, a bad date are each named without their value', async () => {
    expect((await configError({ TELEGRAM_BOT_TOKEN: '7000000001:AAFakeTokenForTests_abcdefghijklmnopq', TELEGRAM_WEBHOOK_URL: 'https://example.gov.vn/telegram/webhook' })).variable).toBe('TELEGRAM_WEBHOOK_SECRET');
    const badSecret = await configError({ TELEGRAM_WEBHOOK_SECRET: 'có dấu cách và dấu!' });
    expect(badSecret.variable).toBe('TELEGRAM_WEBHOOK_SECRET');
    expect(badSecret.message).not.toContain('có dấu cách');
    const zalo = await configError({ ZALO_BOT_TOKEN: 'khong co hai cham' });
    expect(zalo.variable).toBe('ZALO_BOT_TOKEN');
    expect(zalo.message).not.toContain('khong co hai cham');
    expect((await configError({ ASSISTANT_NOW: '2024-02-30' })).variable).toBe('ASSISTANT_NOW');
    expect((await configError({ ZALO_WEBHOOK_URL: 'https://example.gov.vn/zalo/webhook' })).variable).toBe('ZALO_WEBHOOK_SECRET');
  });

  it('npm start (src/main.ts) exits with code 2 and a message naming the variable, not its value', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: process.cwd(),
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', DATA_DIR: freshDataDir(), TELEGRAM_BOT_TOKEN: 'not-a-token' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(2);
    expect(stderr).toContain('TELEGRAM_BOT_TOKEN');
    expect(stderr).toContain('.env.example');
    expect(stderr).not.toContain('not-a-token');
  });
});

describe('both channels at once', () => {
  it('answers on Telegram and Zalo, reports both in /healthz, and stop() closes everything (twice is fine)', async () => {
    const telegram = await startFakeTelegram();
    const zalo = await startFakeZalo();
    const app = await startTestApp({
      DATA_DIR: freshDataDir(),
      TELEGRAM_BOT_TOKEN: telegram.token,
      TELEGRAM_API_ROOT: telegram.apiRoot,
      ZALO_BOT_TOKEN: zalo.token,
      ZALO_API_ROOT: zalo.apiRoot,
    });
    try {
      const health = (await (await fetch(`http://127.0.0.1:${app.port}/healthz`)).json()) as Record<string, unknown>;
      expect(health).toMatchObject({ status: 'ok', telegram: true, zalo: true });
      telegram.queueMessage({ chatId: 11, text: 'Ai chủ trì xây dựng Luật Dữ liệu, hạn khi nào?' });
      zalo.queueText({ chatId: 'z11', text: 'Ai chủ trì xây dựng Luật Dữ liệu, hạn khi nào?' });
      const [t] = await telegram.waitForSent(1, { chatId: 11, timeoutMs: 60_000 });
      const [z] = await zalo.waitForSent(1, { chatId: 'z11', timeoutMs: 60_000 });
      expect(telegramPlain(t!.text)).toContain('Bộ Công an');
      expect(z!.text).toContain('Bộ Công an');
    } finally {
      await app.stop();
      await app.stop();
    }
    await expect(fetch(`http://127.0.0.1:${app.port}/healthz`)).rejects.toThrow();
    // No polling after stop().
    const calls = telegram.calls.length + zalo.calls.length;
    await new Promise((r) => setTimeout(r, 300));
    expect(telegram.calls.length + zalo.calls.length).toBe(calls);
    await telegram.close();
    await zalo.close();
  });

  it('a token the platform rejects fails start-up without leaking the token, and frees the port', async () => {
    const telegram = await startFakeTelegram();
    const wrong = '7000000001:AAWrongTokenNotKnownToTheServer_xyz';
    const port = await freePort();
    try {
      const err = await startTestApp({ DATA_DIR: freshDataDir(), PORT: String(port), TELEGRAM_BOT_TOKEN: wrong, TELEGRAM_API_ROOT: telegram.apiRoot }).then(
        async (app) => {
          await app.stop();
          return undefined;
        },
        (e: Error) => e,
      );
      expect(err).toBeInstanceOf(Error);
      expect(err!.message).toContain('401');
      expect(err!.message).not.toContain('AAWrongToken');
      // The HTTP server started before the channels is closed again.
      await expect(canListen(port)).resolves.toBe(true);
    } finally {
      await telegram.close();
    }
  });
});

describe('terminal chat', () => {
  /** Runs the terminal chat of a fresh app on the given input and returns everything it printed. */
  async function transcript(text: string, banner?: string[]): Promise<string> {
    const app = await startTestApp({ DATA_DIR: freshDataDir() });
    try {
      const input = new PassThrough();
      const output = new PassThrough();
      let out = '';
      output.on('data', (c: Buffer) => (out += c.toString()));
      input.end(text);
      await runRepl({ conversation: app.conversation, input, output, ...(banner && { banner }) });
      await waitFor(() => out.includes('Tạm biệt!'), 'the goodbye');
      return out;
    } finally {
      await app.stop();
    }
  }

  it('runRepl answers two questions and stops at «thoát»', async () => {
    const out = await transcript(
      'Ai chủ trì xây dựng Luật Dữ liệu, hạn khi nào?\n\nBộ Công Thương được giao những nhiệm vụ gì theo kết luận Hội nghị ngày 19/7/2024?\nthoát\nBộ Y tế phải làm gì?\n',
      ['Xin chào từ bài kiểm thử'],
    );
    expect(out.startsWith('Xin chào từ bài kiểm thử\n')).toBe(true);
    const answers = out.split('\nTrợ lý> ').slice(1);
    expect(answers).toHaveLength(2);
    expect(answers[0]).toContain('Bộ Công an');
    expect(answers[1]).toContain('thương mại điện tử');
    expect(out).not.toContain('Bộ Y tế được giao');
    expect(out.trimEnd().endsWith('Tạm biệt!')).toBe(true);
  });

  it('runRepl ends when the input ends', async () => {
    const out = await transcript('/trogiup');
    expect(out).toContain('/nhiemvu');
    expect(out).toContain('Tạm biệt!');
  });
});
