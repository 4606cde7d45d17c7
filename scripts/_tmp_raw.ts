import { createTelegramApi, TelegramSender } from '/work/main/src/channels/telegram/sender.js';
import { startFakeTelegram } from '/work/main/tests/support/fake-telegram.js';
import { mapWithConcurrency } from '/work/main/src/reminders/service.js';
import { telegramGlobalThrottle } from '/work/main/src/reminders/senders.js';
const fake = await startFakeTelegram();
for (const mode of ['none', 'default-out', 'global-only']) {
  const throttle = mode === 'none' ? false as const : mode === 'default-out' ? { global: telegramGlobalThrottle(1000) } : { global: telegramGlobalThrottle(1000), out: {} };
  const api = createTelegramApi({ token: fake.token, apiRoot: fake.apiRoot, throttle });
  const s = new TelegramSender(api);
  const ids = Array.from({ length: 2000 }, (_, i) => String(i + 1 + (mode === 'none' ? 0 : mode === 'default-out' ? 10000 : 20000)));
  const t0 = performance.now();
  await mapWithConcurrency(ids, 25, (id) => s.send({ chatId: id, text: 'xin chào' }));
  console.log(mode, (2000 / ((performance.now() - t0) / 1000)).toFixed(0), 'msg/s');
}
await fake.close();
process.exit(0);
