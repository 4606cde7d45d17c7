/**
 * One contract, two engines: every behaviour of the store is checked against the
 * SQLite file and against a real PostgreSQL server (a fresh database per test).
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PostgresStore } from '../src/storage/postgres.js';
import { SqliteStore, type DeliveryKey, type Store } from '../src/storage/index.js';
import { tempDir } from './support/db-fixtures.js';
import { freshDatabase, PG_SERVER_URL } from './support/postgres.js';

const clock = () => new Date('2024-03-24T01:00:00.000Z');
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** An engine: `open()` returns a store on this test's database; calling it again reopens the same database. */
interface Engine {
  name: string;
  skip: boolean;
  database(): Promise<() => Promise<Store>>;
}

const engines: Engine[] = [
  {
    name: 'SQLite',
    skip: false,
    async database() {
      const tmp = tempDir();
      cleanups.push(() => tmp.cleanup());
      return async () => {
        const s = new SqliteStore(join(tmp.dir, 'assistant.db'), { clock });
        cleanups.push(() => s.close());
        return s;
      };
    },
  },
  {
    name: 'PostgreSQL',
    skip: !PG_SERVER_URL,
    async database() {
      const db = await freshDatabase();
      cleanups.push(() => db.drop());
      return async () => {
        const s = await PostgresStore.open(db.url, { clock, poolSize: 4 });
        cleanups.push(() => s.close());
        return s;
      };
    },
  },
];

const key = (chatId: string, taskId: string, kind = 'd7'): DeliveryKey => ({ channel: 'telegram', chatId, taskId, kind });

for (const engine of engines) {
  describe.skipIf(engine.skip)(`Store contract: ${engine.name}`, () => {
    const store = async () => (await engine.database())();

    it('claims each delivery key once; a second claim returns nothing, in the caller\'s order', async () => {
      const s = await store();
      await s.subscribe({ channel: 'telegram', chatId: '1', agency: 'Bộ Công an' });
      await s.subscribe({ channel: 'telegram', chatId: '2', agency: 'Bộ Công an' });
      const batch = [key('1', 'a'), key('1', 'b'), key('2', 'a'), key('1', 'a', 'd1')];
      expect(await s.claimDeliveries(batch, '2024-03-24T01:00:00Z')).toEqual(batch);
      expect(await s.claimDeliveries(batch, '2024-03-24T01:05:00Z')).toEqual([]);
      expect(await s.claimDeliveries([key('2', 'b'), key('1', 'a')], '2024-03-25T01:00:00Z')).toEqual([key('2', 'b')]);
      await s.markSent([key('1', 'a')], '2024-03-24T01:00:01Z');
      await s.markFailed([key('1', 'b')], 'boom');
      expect(await s.claimDeliveries([key('1', 'a'), key('1', 'b')], '2024-03-26T01:00:00Z')).toEqual([]);
    });

    it('two claims of the same keys at once: each key goes to exactly one of them', async () => {
      const s = await store();
      const keys: DeliveryKey[] = [];
      for (let c = 0; c < 20; c++) {
        await s.subscribe({ channel: 'telegram', chatId: String(c), agency: 'Bộ Công an' });
        for (let t = 0; t < 25; t++) keys.push(key(String(c), `t${t}`));
      }
      const [x, y] = await Promise.all([s.claimDeliveries(keys, 'a'), s.claimDeliveries([...keys].reverse(), 'b')]);
      expect(x.length + y.length).toBe(keys.length);
      expect(new Set([...x, ...y].map((k) => `${k.chatId}/${k.taskId}`)).size).toBe(keys.length);
    });

    it('pending = claimed but not confirmed; attempts are counted per key', async () => {
      const s = await store();
      await s.subscribe({ channel: 'telegram', chatId: '1', agency: 'Bộ Công an' });
      await s.claimDeliveries([key('1', 'a'), key('1', 'b')], '2024-03-24T01:00:00Z');
      await s.markSent([key('1', 'a')], '2024-03-24T01:00:01Z');
      expect((await s.pendingDeliveries()).map((p) => p.taskId)).toEqual(['b']);
      expect(await s.recordAttempt([key('1', 'b')], 'HTTP 500')).toEqual([1]);
      expect(await s.recordAttempt([key('1', 'b'), key('1', 'a')], 'HTTP 500')).toEqual([2, 0]);
      expect((await s.pendingDeliveries())[0]).toMatchObject({ taskId: 'b', attempts: 2, claimedAt: '2024-03-24T01:00:00Z' });
      await s.markFailed([key('1', 'b')], 'gave up');
      expect(await s.pendingDeliveries()).toEqual([]);
    });

    it('pending rows of some chats only; a pass\'s decision and cursor survive a reopen and clear when done', async () => {
      const open = await engine.database();
      const s = await open();
      for (const id of ['1', '2', '3']) await s.subscribe({ channel: 'telegram', chatId: id, agency: 'Bộ Công an' });
      await s.claimDeliveries([key('1', 'a'), key('2', 'a'), key('2', 'b'), key('3', 'a')], '2024-03-24T01:00:00Z');
      const of2and3 = await s.pendingDeliveries([{ channel: 'telegram', chatId: '2' }, { channel: 'telegram', chatId: '3' }]);
      expect(of2and3.map((p) => `${p.chatId}/${p.taskId}`).sort()).toEqual(['2/a', '2/b', '3/a']);
      expect(await s.pendingDeliveries([{ channel: 'zalo', chatId: '2' }])).toEqual([]);

      expect(await s.passProgress()).toBeNull();
      const progress = { now: '2024-03-24', lastPass: '2024-03-23', batches: [{ taskId: 'a', kind: 'd7' }], cursor: null };
      await s.beginPass(progress, '2024-03-24');
      expect(await s.lastPassDate()).toBe('2024-03-24');
      await s.savePassProgress({ ...progress, cursor: 'telegram:2' });
      await s.beginPass({ ...progress, now: '2024-03-20' }, null); // a clock set back does not move the pass date back
      expect(await s.lastPassDate()).toBe('2024-03-24');
      await s.savePassProgress({ ...progress, cursor: 'telegram:2' });
      await s.close();
      const again = await open();
      expect(await again.passProgress()).toEqual({ ...progress, cursor: 'telegram:2' });
      await again.savePassProgress(null);
      expect(await again.passProgress()).toBeNull();
    });

    it('pausing a chat hides its subscriptions and fails its pending deliveries; resume restores them', async () => {
      const s = await store();
      await s.subscribe({ channel: 'telegram', chatId: '1', agency: 'Bộ Công an' });
      await s.subscribe({ channel: 'telegram', chatId: '1', agency: 'Cà Mau', offsets: [7, 7, 0] });
      await s.subscribe({ channel: 'zalo', chatId: '1', agency: 'tất cả' });
      await s.claimDeliveries([key('1', 'a')], '2024-03-24T01:00:00Z');
      expect((await s.subscriptions('telegram', '1')).map((x) => [x.agency, x.offsets])).toEqual([
        ['Bộ Công an', [30, 7, 1, 0]],
        ['Cà Mau', [7, 0]],
      ]);
      await s.pauseChat('telegram', '1', 'Forbidden: bot was blocked by the user');
      expect(await s.isPaused('telegram', '1')).toBe(true);
      expect(await s.subscriptions('telegram', '1')).toEqual([]);
      expect((await s.allActiveSubscriptions()).map((x) => x.channel)).toEqual(['zalo']);
      expect(await s.pendingDeliveries()).toEqual([]);
      // Failed, not pending: a later claim of the same key is still refused (decided once).
      expect(await s.claimDeliveries([key('1', 'a')], 'later')).toEqual([]);
      await s.resumeChat('telegram', '1');
      expect(await s.subscriptions('telegram', '1')).toHaveLength(2);
      expect(await s.subscriptions('zalo')).toHaveLength(1);
    });

    it('subscribe is idempotent, unsubscribe ends it, snooze sets muted_until, bad offsets are refused', async () => {
      const s = await store();
      const a = await s.subscribe({ channel: 'telegram', chatId: '1', agency: 'Bộ Công an' });
      const b = await s.subscribe({ channel: 'telegram', chatId: '1', agency: 'Bộ Công an', offsets: [3] });
      expect(b.id).toBe(a.id);
      expect(b).toEqual({ id: a.id, channel: 'telegram', chatId: '1', agency: 'Bộ Công an', offsets: [3], createdAt: clock().toISOString(), mutedUntil: null });
      expect(await s.snoozeSubscription('telegram', '1', 'Bộ Công an', '2024-04-01')).toBe(true);
      expect((await s.subscriptions())[0]!.mutedUntil).toBe('2024-04-01');
      expect(await s.unsubscribe('telegram', '1', 'Bộ Công an')).toBe(true);
      expect(await s.unsubscribe('telegram', '1', 'Bộ Công an')).toBe(false);
      expect(await s.subscriptions()).toEqual([]);
      await expect(s.subscribe({ channel: 'telegram', chatId: '1', agency: 'x', offsets: [-1] })).rejects.toThrow(/không hợp lệ/);
    });

    it('allowlist, muted tasks, feedback and the last pass date persist across a restart', async () => {
      const reopen = await engine.database();
      const s1 = await reopen();
      await s1.upsertChat({ channel: 'telegram', chatId: '1', title: 'Sở TT&TT Cà Mau' });
      expect(await s1.isAllowed('telegram', '1')).toBe(false);
      await s1.setAllowed('telegram', '1', true);
      await s1.setAllowed('zalo', '9', true); // unknown chat: created on the fly
      await s1.muteTask('telegram', '1', 'doc/A#1');
      await s1.addFeedback({ channel: 'telegram', chatId: '1', answerId: 'ans-1', vote: 'down', text: 'Sai hạn', question: 'Hạn của Bộ Công an?' });
      await s1.setLastPassDate('2024-03-24');
      await s1.close();
      const s2 = await reopen();
      expect(await s2.isAllowed('telegram', '1')).toBe(true);
      expect(await s2.isAllowed('zalo', '9')).toBe(true);
      expect(await s2.isAllowed('telegram', '2')).toBe(false);
      expect(await s2.mutedTasks('telegram', '1')).toEqual(new Set(['doc/A#1']));
      expect((await s2.allMutedTasks()).get('telegram:1')).toEqual(new Set(['doc/A#1']));
      expect(await s2.unmuteTask('telegram', '1', 'doc/A#1')).toBe(true);
      expect(await s2.mutedTasks('telegram', '1')).toEqual(new Set());
      expect(await s2.lastPassDate()).toBe('2024-03-24');
      await expect(s2.addFeedback({ channel: 'telegram', chatId: '1', vote: 'meh' as 'up' })).rejects.toThrow(/check/i);
      expect(await s2.ping()).toBe(true);
    });

    it('conversation memory: shared by reopened stores, per chat, gone after its time-to-live', async () => {
      const reopen = await engine.database();
      const s1 = await reopen();
      const state = { question: 'Bộ Y tế phải làm gì?', page: 2, answers: [['x1', 'Bộ Y tế phải làm gì?']] };
      await s1.saveMemory('telegram', '1', state, '2024-03-24T01:30:00.000Z');
      const s2 = await reopen();
      expect(await s2.loadMemory('telegram', '1', '2024-03-24T01:10:00.000Z')).toEqual(state);
      expect(await s2.loadMemory('zalo', '1', '2024-03-24T01:10:00.000Z')).toBeNull();
      expect(await s2.loadMemory('telegram', '1', '2024-03-24T01:30:00.000Z')).toBeNull();
      await s2.saveMemory('telegram', '1', { page: 1, answers: [] }, '2024-03-24T02:00:00.000Z');
      expect(await s1.loadMemory('telegram', '1', '2024-03-24T01:40:00.000Z')).toEqual({ page: 1, answers: [] });
    });

    it('many chats at once (one statement under load on PostgreSQL): each chat gets its own memory, a chat written twice keeps the last', async () => {
      const s = await store();
      const until = '2024-03-24T02:00:00.000Z';
      const now = '2024-03-24T01:10:00.000Z';
      await Promise.all([
        ...Array.from({ length: 30 }, (_, i) => s.saveMemory('telegram', String(i), { question: `câu ${i}`, page: 1, answers: [] }, until)),
        s.saveMemory('zalo', '5', { question: 'trên Zalo', page: 1, answers: [] }, until),
      ]);
      const loaded = await Promise.all([...Array.from({ length: 30 }, (_, i) => s.loadMemory('telegram', String(i), now)), s.loadMemory('zalo', '5', now), s.loadMemory('zalo', '6', now)]);
      expect(loaded.slice(0, 30).map((m) => (m as { question: string }).question)).toEqual(Array.from({ length: 30 }, (_, i) => `câu ${i}`));
      expect(loaded[30]).toEqual({ question: 'trên Zalo', page: 1, answers: [] });
      expect(loaded[31]).toBeNull();
      // The first call goes alone; the two writes of chat 1 arrive together (one statement on PostgreSQL).
      await Promise.all([
        s.saveMemory('telegram', '2', { question: 'khác', page: 1, answers: [] }, until),
        s.saveMemory('telegram', '1', { question: 'trước', page: 1, answers: [] }, until),
        s.saveMemory('telegram', '1', { question: 'sau', page: 2, answers: [] }, until),
      ]);
      expect(await s.loadMemory('telegram', '1', now)).toEqual({ question: 'sau', page: 2, answers: [] });
    });

    it('inbox under load: an update posted twice at once is fresh for one call only; replies planned and done per update', async () => {
      const s = await store();
      // The first call goes alone; the others arrive together (one statement on PostgreSQL).
      const results = await Promise.all([
        s.inbox.receive('telegram', [{ id: '0', payload: { n: 0 } }], { begin: true }),
        s.inbox.receive('telegram', [{ id: '1', payload: { n: 1 } }], { begin: true }),
        s.inbox.receive('telegram', [{ id: '1', payload: { n: 1 } }], { begin: true }),
        s.inbox.receive('telegram', [{ id: '2', payload: { n: 2 } }, { id: '3', payload: { n: 3 } }], { begin: true }),
        s.inbox.receive('zalo', [{ id: '1', payload: { z: 1 } }]),
      ]);
      expect(results.map((r) => r.map((u) => u.id))).toContainEqual(['2', '3']);
      expect(results.flat().filter((u) => u.id === '1')).toHaveLength(2); // once on Telegram, once on Zalo
      expect(results[1]!.length + results[2]!.length).toBe(1);
      expect(await s.inbox.begin('zalo', '1')).toBe(true); // received unstarted
      await Promise.all([
        s.inbox.plan('telegram', '1', [{ chatId: '7', text: 'một' }]),
        s.inbox.plan('telegram', '2', [{ chatId: '7', text: 'hai' }]),
        s.inbox.plan('telegram', '3', [{ chatId: '8', text: 'ba' }]),
      ]);
      await Promise.all([s.inbox.done('telegram', '0'), s.inbox.done('telegram', '1'), s.inbox.done('telegram', '3')]);
      expect(await s.inbox.pendingCount('telegram')).toBe(1);
      await s.inbox.retryLater('telegram', '2', () => 0);
      expect(await s.inbox.due('telegram')).toEqual([{ updateId: '2', payload: { n: 2 }, attempts: 1, replies: [{ chatId: '7', text: 'hai' }], sent: 0 }]);
    });

    it('replies planned with the chat memory (one statement on PostgreSQL): both stored, a chat planned twice at once keeps the last memory', async () => {
      const s = await store();
      const until = '2024-03-24T02:00:00.000Z';
      const now = '2024-03-24T01:10:00.000Z';
      await s.inbox.receive('telegram', ['20', '21', '22', '23'].map((id) => ({ id, payload: { id } })), { begin: true });
      const memory = (chatId: string, question: string) => ({ channel: 'telegram', chatId, state: { question, page: 1, answers: [] }, expiresAt: until });
      // The first call goes alone; the others arrive together.
      await Promise.all([
        s.inbox.plan('telegram', '20', [{ chatId: '40', text: 'một' }], memory('40', 'Bộ Y tế phải làm gì?')),
        s.inbox.plan('telegram', '21', [{ chatId: '41', text: 'hai' }], memory('41', 'trước')),
        s.inbox.plan('telegram', '22', [{ chatId: '41', text: 'ba' }], memory('41', 'sau')),
        s.inbox.plan('telegram', '23', [{ chatId: '42', text: 'bốn' }]),
      ]);
      expect(await s.loadMemory('telegram', '40', now)).toEqual({ question: 'Bộ Y tế phải làm gì?', page: 1, answers: [] });
      expect(await s.loadMemory('telegram', '41', now)).toEqual({ question: 'sau', page: 1, answers: [] });
      expect(await s.loadMemory('telegram', '42', now)).toBeNull();
      await Promise.all(['20', '21', '22', '23'].map((id) => s.inbox.retryLater('telegram', id, () => 0)));
      const due = await s.inbox.due('telegram');
      expect(due.map((d) => [d.updateId, d.replies?.[0]?.text]).sort()).toEqual([['20', 'một'], ['21', 'hai'], ['22', 'ba'], ['23', 'bốn']]);
    });

    it('a lease is held by one owner at a time, renewable by it, free again once released', async () => {
      const s = await store();
      const t = '2024-03-24T01:00:00.000Z';
      const later = '2024-03-24T01:02:00.000Z';
      expect(await s.acquireLease('pass', 'A', t, later)).toBe('A');
      expect(await s.acquireLease('pass', 'B', t, later)).toBe('A');
      expect(await s.acquireLease('pass', 'A', t, later)).toBe('A');
      await s.releaseLease('pass', 'B'); // not the holder: no effect
      expect(await s.acquireLease('pass', 'B', t, later)).toBe('A');
      await s.releaseLease('pass', 'A');
      expect(await s.acquireLease('pass', 'B', t, later)).toBe('B');
      await s.releaseLease('pass', 'B');
    });

    it('inbox reply retries: replies stored once, parts counted, a due retry claimed once, given up after the last', async () => {
      const s = await store();
      const replies = [
        { chatId: '7', text: '(1/2) Bộ Y tế chủ trì…', options: { parse_mode: 'HTML' } },
        { chatId: '7', text: '(2/2) …trước 31/12/2024.' },
      ];
      expect(await s.inbox.receive('telegram', [{ id: '100', payload: { q: 1 } }], { begin: true })).toHaveLength(1);
      await s.inbox.plan('telegram', '100', replies);
      await s.inbox.plan('telegram', '100', [{ chatId: '7', text: 'khác' }]); // computed again after a crash: the first plan stands
      await s.inbox.sent('telegram', '100', 1);
      expect(await s.inbox.due('telegram')).toEqual([]); // nothing scheduled yet

      expect(await s.inbox.retryLater('telegram', '100', (n) => (n === 1 ? 0 : undefined))).toEqual({ retry: 1, delayMs: 0 });
      expect(await s.inbox.due('telegram')).toEqual([{ updateId: '100', payload: { q: 1 }, attempts: 1, replies, sent: 1 }]);
      expect(await s.inbox.due('telegram')).toEqual([]); // claimed: not handed out twice

      // A retry an hour away is not due; the second failure is retry number 2.
      expect(await s.inbox.retryLater('telegram', '100', (n) => (n === 2 ? 3_600_000 : undefined))).toEqual({ retry: 2, delayMs: 3_600_000 });
      expect(await s.inbox.due('telegram')).toEqual([]);
      expect(await s.inbox.pendingCount('telegram')).toBe(1);

      // Out of retries: failed, never processed again, and a later failure report changes nothing.
      expect(await s.inbox.retryLater('telegram', '100', () => undefined)).toBeUndefined();
      expect(await s.inbox.pendingCount('telegram')).toBe(0);
      expect(await s.inbox.begin('telegram', '100')).toBe(false);
      expect(await s.inbox.retryLater('telegram', '100', () => 0)).toBeUndefined();
      expect(await s.inbox.due('telegram')).toEqual([]);

      // Done or given up by fail(): no retry either.
      await s.inbox.receive('zalo', [{ id: 'a', payload: {} }, { id: 'b', payload: {} }], { begin: true });
      await s.inbox.plan('zalo', 'a', [{ chatId: '9', text: 'x' }]);
      await s.inbox.plan('zalo', 'b', [{ chatId: '9', text: 'y' }]);
      await s.inbox.retryLater('zalo', 'a', () => 0);
      await s.inbox.retryLater('zalo', 'b', () => 0);
      await s.inbox.done('zalo', 'a');
      await s.inbox.fail('zalo', 'b');
      expect(await s.inbox.due('zalo')).toEqual([]);
      expect(await s.inbox.pendingCount('zalo')).toBe(0);
    });

    it('a new attempt supersedes a scheduled retry; two instances claiming at once resend each row once', async () => {
      const reopen = await engine.database();
      const a = await reopen();
      const b = await reopen();
      const ids = Array.from({ length: 30 }, (_, i) => String(200 + i));
      await a.inbox.receive('telegram', ids.map((id) => ({ id, payload: { id } })), { begin: true });
      for (const id of ids) {
        await a.inbox.plan('telegram', id, [{ chatId: id, text: `trả lời ${id}` }]);
        await a.inbox.retryLater('telegram', id, () => 0);
      }
      expect(await b.inbox.begin('telegram', '200')).toBe(true); // answered again from the start: not also resent
      const [x, y] = await Promise.all([a.inbox.due('telegram'), b.inbox.due('telegram')]);
      const claimed = [...x, ...y].map((i) => i.updateId).sort();
      expect(claimed).toEqual(ids.slice(1));
      expect(await a.inbox.due('telegram')).toEqual([]);
      expect(await b.inbox.due('telegram')).toEqual([]);
    });

    it('an instance stopped while a retry waits: the next one takes the update over with its replies and the parts sent', async () => {
      const reopen = await engine.database();
      const a = await reopen();
      await a.inbox.receive('zalo', [{ id: '300', payload: { q: 'x' } }], { begin: true });
      await a.inbox.plan('zalo', '300', [{ chatId: '5', text: '(1/2) …' }, { chatId: '5', text: '(2/2) …' }]);
      await a.inbox.sent('zalo', '300', 1);
      await a.inbox.retryLater('zalo', '300', () => 3_600_000);
      await a.close();
      const b = await reopen();
      expect(await b.inbox.orphans('zalo')).toEqual([
        { updateId: '300', payload: { q: 'x' }, attempts: 1, replies: [{ chatId: '5', text: '(1/2) …' }, { chatId: '5', text: '(2/2) …' }], sent: 1 },
      ]);
      expect(await b.inbox.begin('zalo', '300')).toBe(true);
      await b.inbox.done('zalo', '300');
      expect(await b.inbox.pendingCount('zalo')).toBe(0);
    });
  });
}
