/**
 * One conversation layer for every channel: commands with Vietnamese names and
 * ASCII spellings, plain questions, short per-chat memory for follow-ups
 * ("còn Bộ Tài chính thì sao?", "hạn khi nào?", "tiếp"), access control,
 * per-user rate limiting, feedback. It never throws on user input: every
 * message gets a Vietnamese reply.
 */
import { randomBytes } from 'node:crypto';
import type { AgencyRegistry } from '../corpus/agencies.js';
import type { AskResult } from '../qa/assistant.js';
import { REFERS_TO_EARLIER } from '../qa/understand.js';
import { InProcessMemory } from '../storage/memory.js';
import type { ConversationMemory, MemoryState, MemoryWrite } from '../storage/types.js';
import { answerSeconds, answersTotal, updatesIn, updatesOut } from '../config/metrics.js';
import { stripMarkup } from '../text/markup.js';
import { findPeriods } from '../text/periods.js';
import { fold, squashSpaces } from '../text/vietnamese.js';
import { RateLimiter, safeEqual } from './guards.js';
import { REMINDER_CHANNELS, type ConversationStore, type IncomingMessage, type Reply } from './types.js';

/** What the conversation needs from the question-answering core. */
export interface Answerer {
  ask(question: string, opts?: { now?: string; page?: number; passages?: boolean }): Promise<AskResult>;
  readonly registry: AgencyRegistry;
}

export interface ConversationOptions {
  answerer: Answerer;
  /** Subscriptions, feedback and the allowlist; without it reminders answer that they are not enabled. */
  store?: ConversationStore;
  /** The clock (YYYY-MM-DD), e.g. ASSISTANT_NOW; default today. */
  now?: () => string | undefined;
  /** Chat ids allowed without registration (ALLOWED_CHAT_IDS). */
  allowedChatIds?: string[];
  /** Code for /dangky (ACCESS_CODE). Access control is off when neither this nor allowedChatIds is set. */
  accessCode?: string;
  /** Questions per user per minute. */
  ratePerMinute?: number;
  /** Reminder time shown to users. */
  reminderTime?: string;
  /** Channels whose chats can receive reminders (default {@link REMINDER_CHANNELS}); others are told so instead of subscribing. */
  reminderChannels?: ReadonlySet<string>;
  onError?: (err: unknown, msg: IncomingMessage) => void;
}

export const MAX_MESSAGE_CHARS = 2000;
const MEMORY_TTL_MS = 30 * 60 * 1000;
const MEMORY_MAX_CHATS = 10_000;
const DEFAULT_OFFSETS = [30, 7, 1, 0];

/** Answers of a chat that keep their 👍/👎 buttons working (older ones are forgotten). */
const RATED_ANSWERS = 20;

/** What a chat's memory holds (JSON: it lives in the store, shared by every instance). */
interface ChatMemory extends MemoryState {
  question?: string;
  agencyName?: string;
  page: number;
  /** The last answer was one page of a longer list ("tiếp" shows the next). */
  paged?: boolean;
  /** Question and citations of the last answer, for /nguon. */
  sources?: { question: string; citations: AskResult['citations'] };
  /** Answers this chat received (the last 50): answerId → the question and the answer text (for feedback). */
  answers: Array<[string, { question: string; answer: string }]>;
}

/** What a question asks, as written ("ai chủ trì", "hạn chót khi nào"), to carry into a follow-up that asks nothing. */
const PREVIOUS_ASK = /(?:ai chủ trì|cơ quan nào chủ trì|ai|cơ quan nào|đơn vị nào|bộ nào|hạn chót khi nào|khi nào|bao giờ|thời hạn|bao nhiêu|làm gì|những gì|như thế nào|ra sao)(?![\p{L}])/iu;

/** Commands: canonical name → ASCII and Vietnamese spellings a user may type. */
const COMMANDS: Record<string, string[]> = {
  start: ['start', 'batdau'],
  help: ['help', 'trogiup', 'giup', 'huongdan'],
  hoi: ['hoi', 'ask'],
  nhiemvu: ['nhiemvu', 'nv'],
  sapdenhan: ['sapdenhan', 'sdh'],
  quahan: ['quahan'],
  nguon: ['nguon', 'source'],
  theodoi: ['theodoi', 'follow'],
  huytheodoi: ['huytheodoi', 'unfollow'],
  dangtheodoi: ['dangtheodoi', 'following'],
  tatnhac: ['tatnhac', 'mute'],
  gopy: ['gopy', 'feedback'],
  dangky: ['dangky', 'register'],
};

export const HELP_TEXT = [
  'Các lệnh:',
  '/hoi <câu hỏi> — hỏi về văn bản chỉ đạo (hoặc gõ thẳng câu hỏi)',
  '/nhiemvu <cơ quan> — nhiệm vụ của một bộ, ngành, địa phương (ví dụ: /nhiemvu Bộ Y tế)',
  '/sapdenhan [số ngày] — nhiệm vụ sắp đến hạn (mặc định 30 ngày)',
  '/quahan — nhiệm vụ đã quá hạn',
  '/nguon — nguồn đầy đủ của câu trả lời vừa rồi',
  '/theodoi <cơ quan> [7,1] — nhận nhắc hạn (ví dụ: /theodoi Bộ Công an 7,1)',
  '/huytheodoi <cơ quan> — thôi nhận nhắc hạn',
  '/dangtheodoi — danh sách đang theo dõi',
  '/tatnhac <mã nhiệm vụ> — thôi nhắc một nhiệm vụ đã quá hạn (mã có trong tin nhắc)',
  '/gopy <nội dung> — góp ý cho nhóm phát triển',
  '/trogiup — xem lại hướng dẫn này',
  '',
  'Gõ «tiếp» để xem trang sau của danh sách dài. Lệnh viết không dấu cũng được.',
].join('\n');

/** Sample questions: /start and the web chat show them. */
export const EXAMPLES = [
  'Ai chủ trì xây dựng Luật Dữ liệu, hạn khi nào?',
  'Bộ Y tế phải làm gì?',
  'Những nhiệm vụ nào sắp đến hạn trong tháng này?',
];

export class Conversation {
  private readonly memory: ConversationMemory;
  /** The full result of each chat's latest answer, in this process (read by the same request that asked). */
  private readonly lastResults = new Map<string, AskResult>();
  private readonly limiter: RateLimiter;

  constructor(private readonly opts: ConversationOptions) {
    this.limiter = new RateLimiter(opts.ratePerMinute ?? 20, MEMORY_MAX_CHATS * 2);
    this.memory = opts.store ?? new InProcessMemory(MEMORY_MAX_CHATS);
  }

  private get accessControlled(): boolean {
    return (this.opts.allowedChatIds?.length ?? 0) > 0 || this.opts.accessCode !== undefined;
  }

  /**
   * Handles one incoming message. Never throws. With `deferMemory`, the chat's new memory is handed
   * to it instead of being stored: the caller stores it with the replies (Inbox.plan), in one round
   * trip, before sending them.
   */
  async handle(msg: IncomingMessage, opts: { deferMemory?: (write: MemoryWrite) => void } = {}): Promise<Reply[]> {
    if (opts.deferMemory) this.memorySinks.set(msg, opts.deferMemory);
    updatesIn.inc({ channel: msg.channel });
    let replies: Reply[];
    try {
      replies = await this.dispatch(msg);
    } catch (err) {
      this.opts.onError?.(err, msg);
      answersTotal.inc({ outcome: 'error' });
      replies = [{ kind: 'error', text: 'Xin lỗi, đã có lỗi khi xử lý câu hỏi. Vui lòng thử lại sau ít phút.' }];
    }
    updatesOut.inc({ channel: msg.channel }, replies.length);
    return replies;
  }

  /** Stores a 👍/👎 on an answer. */
  async feedback(msg: Pick<IncomingMessage, 'channel' | 'chatId'>, answerId: string, vote: 'up' | 'down', reason?: string): Promise<string> {
    // Only answers this chat actually received can be rated (no anonymous writes to the database).
    const rated = (await this.recall(msg))?.answers.find(([id]) => id === answerId)?.[1];
    if (rated === undefined) return 'Không tìm thấy câu trả lời này để đánh giá (có thể đã quá cũ).';
    await this.opts.store?.addFeedback({ channel: msg.channel, chatId: msg.chatId, answerId, vote, question: rated.question, answer: rated.answer, ...(reason && { reason }) });
    return vote === 'up' ? 'Cảm ơn bạn đã đánh giá!' : 'Cảm ơn bạn — chúng tôi sẽ xem lại câu trả lời này.';
  }

  /** The structured answer behind the latest answer or refusal this chat received (the web renders it). */
  lastResult(msg: Pick<IncomingMessage, 'channel' | 'chatId'>): AskResult | undefined {
    return this.lastResults.get(`${msg.channel}:${msg.chatId}`);
  }

  private async dispatch(msg: IncomingMessage): Promise<Reply[]> {
    // Markup pasted with a question ("<b>an sinh</b> &amp; xã hội") is not part of it.
    const text = withoutSalutation(squashSpaces(stripMarkup(msg.text ?? '')));
    const command = parseCommand(text);
    if (msg.chatType === 'group' && !command && !msg.addressedToBot) return [];
    if (text === '') return [info('Tin nhắn trống. Hãy gõ câu hỏi, ví dụ: «Ai chủ trì xây dựng Luật Dữ liệu?», hoặc /trogiup để xem các lệnh.')];
    if ((msg.text ?? '').length > MAX_MESSAGE_CHARS) {
      return [refusal(`Tin nhắn quá dài (${msg.text.length.toLocaleString('vi-VN')} ký tự). Vui lòng hỏi ngắn gọn, tối đa ${MAX_MESSAGE_CHARS.toLocaleString('vi-VN')} ký tự.`)];
    }
    await this.opts.store?.upsertChat({ channel: msg.channel, chatId: msg.chatId });

    if (command && (command.name === 'start' || command.name === 'help' || command.name === 'dangky')) {
      return this.runCommand(command.name, command.args, msg);
    }
    if (this.accessControlled && !msg.authorized && !(await this.isAllowed(msg))) {
      return [refusal('Nhóm/tài khoản này chưa được cấp quyền dùng trợ lý. Gõ /dangky <mã truy cập> (mã do đơn vị quản lý cung cấp).')];
    }
    if (!this.limiter.take(`${msg.channel}:${msg.userId}`)) {
      return [refusal('Bạn hỏi hơi nhanh — vui lòng chờ một phút rồi hỏi tiếp.')];
    }
    if (command) return this.runCommand(command.name, command.args, msg);
    if (text.startsWith('/')) {
      return [info(`Không có lệnh «${text.split(/\s/)[0]}». Gõ /trogiup để xem các lệnh, hoặc gõ thẳng câu hỏi.`)];
    }
    if (/^(?:tiep|tiep theo|xem tiep|trang sau|next)\.?$/.test(fold(text))) return this.nextPage(msg);
    const small = smallTalk(text);
    if (small) return [info(small)];
    return this.answer(msg, await this.resolveFollowUp(msg, text));
  }

  private async runCommand(name: string, args: string, msg: IncomingMessage): Promise<Reply[]> {
    switch (name) {
      case 'start':
        return [info(['Xin chào! Tôi là trợ lý tra cứu văn bản chỉ đạo chuyển đổi số: ai chủ trì việc gì, hạn khi nào, và văn bản nói gì — kèm trích dẫn nguyên văn.', '', 'Thử hỏi:', ...EXAMPLES.map((e) => `• ${e}`), '', 'Gõ /trogiup để xem các lệnh.'].join('\n'))];
      case 'help':
        return [info(HELP_TEXT)];
      case 'hoi':
        return args ? this.answer(msg, await this.resolveFollowUp(msg, args)) : [info('Hãy gõ câu hỏi sau /hoi, ví dụ: /hoi Ai chủ trì xây dựng Luật Dữ liệu?')];
      case 'nhiemvu': {
        if (!args) return [info('Hãy gõ tên cơ quan hoặc địa phương, ví dụ: /nhiemvu Bộ Y tế, /nhiemvu NHNN, /nhiemvu Cà Mau')];
        const agency = this.opts.answerer.registry.resolve(args, { fuzzy: true });
        if (!agency) return [info(`Không nhận ra cơ quan «${args}». Thử tên đầy đủ hoặc viết tắt: Bộ Công an, BCA, NHNN, VPCP, Cà Mau…`)];
        return this.answer(msg, `Nhiệm vụ của ${agency.name}`);
      }
      case 'sapdenhan': {
        const days = args ? Number(args.replace(/\D/g, '')) : 30;
        if (!Number.isInteger(days) || days < 1 || days > 366) return [info('Số ngày phải từ 1 đến 366, ví dụ: /sapdenhan 14')];
        return this.answer(msg, `Nhiệm vụ sắp đến hạn trong ${days} ngày tới`);
      }
      case 'quahan':
        // The agency leads the question: the assistant reads a name after "quá hạn của" as topic, not owner.
        return this.answer(msg, args ? `${args} có nhiệm vụ nào đã quá hạn?` : 'Nhiệm vụ nào đã quá hạn?');
      case 'nguon':
        return [await this.sources(msg)];
      case 'theodoi':
      case 'huytheodoi':
      case 'dangtheodoi':
        return [await this.subscriptions(name, args, msg)];
      case 'tatnhac': {
        if (!this.opts.store) return [info('Chức năng nhắc hạn chưa được bật trên máy chủ này.')];
        const id = args.trim();
        if (!/^[\w.-]+\/[^\s#]*#\d+$/u.test(id)) return [info('Hãy gõ mã nhiệm vụ có trong tin nhắc, ví dụ: /tatnhac tb-2024-07-19/B.II.3.a#1')];
        await this.opts.store.muteTask(msg.channel, msg.chatId, id);
        return [info(`Đã tắt nhắc quá hạn cho nhiệm vụ ${id}.`)];
      }
      case 'gopy':
        if (!args) return [info('Hãy gõ nội dung góp ý sau /gopy, ví dụ: /gopy Câu trả lời về Bộ Y tế thiếu nhiệm vụ X.')];
        await this.opts.store?.addFeedback({ channel: msg.channel, chatId: msg.chatId, text: args.slice(0, MAX_MESSAGE_CHARS) });
        return [info(this.opts.store ? 'Cảm ơn bạn đã góp ý! Nhóm phát triển sẽ xem xét.' : 'Cảm ơn bạn! (Chức năng lưu góp ý chưa được bật trên máy chủ này.)')];
      case 'dangky':
        return [await this.register(args, msg)];
      default:
        return [info(HELP_TEXT)];
    }
  }

  private async answer(msg: IncomingMessage, question: string, page = 1): Promise<Reply[]> {
    const now = this.opts.now?.();
    const stopTimer = answerSeconds.startTimer({ channel: msg.channel });
    const result = await this.opts.answerer.ask(question, { ...(now && { now }), page, passages: false });
    stopTimer();
    answersTotal.inc({ outcome: result.grounded ? 'answered' : 'refused' });
    const resultKey = `${msg.channel}:${msg.chatId}`;
    this.lastResults.delete(resultKey); // most recent last: the oldest are forgotten first
    this.lastResults.set(resultKey, result);
    if (this.lastResults.size > MEMORY_MAX_CHATS) this.lastResults.delete(this.lastResults.keys().next().value!);
    const mem: ChatMemory = (await this.recall(msg)) ?? { page: 1, answers: [] };
    mem.question = question;
    mem.page = page;
    mem.paged = /Trang \d+\/\d+/.test(result.answer);
    mem.sources = { question: result.question, citations: result.citations };
    // Scanned once: the memory keeps the first agency, the question log all of them.
    const mentions = this.opts.answerer.registry.findMentions(question, { fuzzy: true });
    if (mentions[0]) mem.agencyName = mentions[0].name;
    if (page === 1) {
      await this.opts.store?.logQuestion?.({
        channel: msg.channel,
        chatId: msg.chatId,
        question,
        intent: result.intent,
        grounded: result.grounded,
        agencies: mentions.map((m) => m.name),
        at: new Date().toISOString(),
      });
    }
    const answerId = result.grounded ? randomBytes(6).toString('base64url') : undefined;
    // The last RATED_ANSWERS answers can be rated (👍/👎): the memory is read and written on every message,
    // so it stays small (a shared store carries it over the network).
    if (answerId) mem.answers = [...mem.answers, [answerId, { question, answer: result.answer }] as [string, { question: string; answer: string }]].slice(-RATED_ANSWERS);
    const write: MemoryWrite = { channel: msg.channel, chatId: msg.chatId, state: mem, expiresAt: new Date(Date.now() + MEMORY_TTL_MS).toISOString() };
    const defer = this.memorySinks.get(msg);
    if (defer) defer(write);
    else await this.memory.saveMemory(write.channel, write.chatId, write.state, write.expiresAt);
    if (!answerId) return [{ kind: 'refusal', text: result.answer }];
    return [{ kind: 'answer', text: result.answer, answerId }];
  }

  /** The chat's memory, wherever it was written (any instance), unless it expired. */
  private async recall(msg: Pick<IncomingMessage, 'channel' | 'chatId'>): Promise<ChatMemory | null> {
    // Read once per message (follow-up resolution and the answer both need it): one round trip to a shared store.
    let loaded = this.recalled.get(msg);
    if (!loaded) {
      loaded = this.memory.loadMemory(msg.channel, msg.chatId, new Date().toISOString()) as Promise<ChatMemory | null>;
      this.recalled.set(msg, loaded);
    }
    return loaded;
  }
  private readonly recalled = new WeakMap<object, Promise<ChatMemory | null>>();
  /** Messages whose memory write the caller stores itself (handle's `deferMemory`). */
  private readonly memorySinks = new WeakMap<object, (write: MemoryWrite) => void>();

  private async nextPage(msg: IncomingMessage): Promise<Reply[]> {
    const mem = await this.recall(msg);
    if (!mem?.question || !mem.paged) {
      return [info('Không có danh sách nào để xem tiếp. Hãy hỏi một câu mới.')];
    }
    return this.answer(msg, mem.question, mem.page + 1);
  }

  /**
   * Follow-ups need the previous question: "còn Bộ Tài chính thì sao?" swaps the
   * agency; "hạn khi nào?" or "ai chủ trì?" asks about the same topic.
   */
  private async resolveFollowUp(msg: IncomingMessage, text: string): Promise<string> {
    const mem = await this.recall(msg);
    if (!mem?.question) return text;
    const f = fold(text);
    const mentions = this.opts.answerer.registry.findMentions(text, { fuzzy: true });
    if (mentions.length > 0 && /^(?:con|the con|vay con|con ve)\b|thi sao\??$|\bthi (?:the nao|ra sao)\??$/.test(f) && f.split(' ').length <= 12) {
      const name = mentions[0]!.name;
      if (mem.agencyName && mem.question.includes(mem.agencyName)) return mem.question.replace(mem.agencyName, name);
      const prevMention = this.opts.answerer.registry.findMentions(mem.question, { fuzzy: true })[0];
      if (prevMention) return mem.question.replace(prevMention.text, name);
      return `Nhiệm vụ của ${name}`;
    }
    const words = f.split(' ').length;
    const prev = mem.question.replace(/[?.!]+$/, '');
    // "đề án đó", "video ấy", "nhiệm vụ trên": the thing asked about before, whatever else is named now.
    const refersBack = REFERS_TO_EARLIER.test(f) || /[\p{L}]\s+(?:đó|ấy|nói trên|vừa rồi)(?![\p{L}])/iu.test(text);
    if (refersBack && words <= 18) return `${prev} — ${text}`;
    if (mentions.length > 0) return text;
    // "còn giai đoạn 2028-2030 thì sao?": the same question for another period.
    const otherPeriod = /^(?:the |vay )?con\s+(.+?)\s*(?:thi sao|thi the nao|the nao|ra sao)?\s*\??$/.exec(f)?.[1];
    if (otherPeriod) {
      const asked = findPeriods(otherPeriod);
      const before = findPeriods(prev);
      const rest = asked.reduceRight((t, p) => t.slice(0, p.start) + t.slice(p.end), otherPeriod).replace(/\b(?:giai doan|nam|quy|thang|moc|den)\b/g, '').trim();
      // "còn tháng 5 thì sao?": a month or quarter without its year takes the year of the period asked before.
      const bare = /^(thang|quy)\s+(\d{1,2}|iv|i{1,3})$/.exec(otherPeriod.trim());
      if (asked.length === 0 && bare && before.length >= 1) {
        const p = before[0]!;
        const year = /(20\d\d)/.exec(prev.slice(p.start, p.end))?.[1];
        if (year) return `${prev.slice(0, p.start)}${bare[1] === 'thang' ? 'tháng' : 'quý'} ${bare[2]!.toUpperCase()}/${year}${prev.slice(p.end)}?`;
      }
      if (asked.length === 1 && before.length >= 1 && rest === '') {
        const p = before[0]!;
        const written = text.normalize('NFC');
        const now = findPeriods(written)[0];
        return `${prev.slice(0, p.start)}${now ? written.slice(now.start, now.end) : asked[0]!.text}${prev.slice(p.end)}?`;
      }
    }
    // "thế còn cán bộ, công chức thì …", "thế hệ thống thư điện tử công vụ thì ai làm?": a new subject, asked of
    // the same document as before ("Theo QĐ 2629, …" or "… theo QĐ 2629").
    const newSubject = /^(?:the |vay )?con\b/.test(f) || /^(?:the|vay) (?:[a-z]+ ){2,}thi (?:ai|bao gio|khi nao|han|sao|the nao|ra sao|lam gi|o dau|co)\b/.test(f);
    if (newSubject && words >= 5) {
      const scope = /\s((?:theo|trong|tại|tai)\s.+)$/iu.exec(prev)?.[1] ?? /^((?:theo|trong|tại|tai)\s[^,]{3,60}),/iu.exec(prev)?.[1];
      const asked = scope && !/\b(?:theo|trong|tai)\b/.test(f) ? `${text.replace(/[?.!]+$/, '')} ${scope.charAt(0).toLowerCase()}${scope.slice(1)}` : text.replace(/[?.!]+$/, '');
      // "thế còn Luật Trí tuệ nhân tạo?" asks nothing of its own: what the question before asked ("ai chủ trì").
      const ownQuestion = /\b(?:ai|nao|gi|dau|khi nao|bao gio|bao nhieu|han|the nao|ra sao|sao|khong|chua)\b/.test(f.replace(/^(?:the |vay )?con\b/, ''));
      const before = PREVIOUS_ASK.exec(prev)?.[0];
      return ownQuestion || !before ? `${asked}?` : `${asked} — ${before.charAt(0).toLowerCase()}${before.slice(1)}?`;
    }
    // "hạn khi nào?", "văn bản nào giao việc đó?", "trong đó bao nhiêu …", "kết quả đạt bao nhiêu?":
    // the same topic as the question before, asked differently.
    const startsAsFollowUp = /^(?:(?:the |vay |con )?(?:han|thoi han|han chot|khi nao|bao gio|luc nao|ai|co quan nao|ai chu tri|don vi nao|o dau|nguon|van ban nao|ket qua|to chuc|muc tieu|chi tieu|trong do|the trong|the theo|vay trong|vay theo|con trong|con theo))\b/.test(f);
    // "thế những địa phương nào đã xong rồi?", "là những thành phố nào?": said as a continuation.
    const continues = /^(?:the|vay|the thi|vay thi|la|gom|bao gom|cu the)\s/.test(f) && words <= 14;
    if ((words <= 8 && startsAsFollowUp) || continues || /^(?:the|vay) (?:trong|theo)\b/.test(f)) {
      return `${prev} — ${text}`;
    }
    return text;
  }

  private async sources(msg: IncomingMessage): Promise<Reply> {
    const result = (await this.recall(msg))?.sources;
    if (!result || result.citations.length === 0) return info('Chưa có câu trả lời nào có nguồn trong cuộc trò chuyện này. Hãy hỏi một câu trước.');
    const lines = [`Nguồn của câu trả lời cho «${result.question}»:`];
    for (const [i, c] of result.citations.entries()) {
      lines.push('', `${i + 1}. ${c.title}${c.section ? `, mục ${c.section}` : ''} (mã văn bản ${c.docId}):`, `“${c.quote}”`);
    }
    return info(lines.join('\n'));
  }

  private async subscriptions(name: string, args: string, msg: IncomingMessage): Promise<Reply> {
    const store = this.opts.store;
    if (!store) return info('Chức năng nhắc hạn chưa được bật trên máy chủ này.');
    const at = this.opts.reminderTime ?? '08:00';
    if (name === 'dangtheodoi') {
      const subs = await store.subscriptions(msg.channel, msg.chatId);
      if (subs.length === 0) return info('Bạn chưa theo dõi cơ quan nào. Gõ /theodoi <cơ quan>, ví dụ: /theodoi Bộ Công an');
      return info([`Đang theo dõi (nhắc lúc ${at}):`, ...subs.map((s) => `• ${s.agency} — nhắc trước ${describeOffsets(s.offsets)}`)].join('\n'));
    }
    if (name === 'theodoi' && !(this.opts.reminderChannels ?? REMINDER_CHANNELS).has(msg.channel)) {
      const where = msg.channel === 'web' ? 'Trang trò chuyện web' : msg.channel === 'cli' ? 'Cửa sổ dòng lệnh' : 'Kênh này';
      return info(
        `${where} không nhận được tin nhắc hạn (chỉ trả lời khi bạn đang hỏi), nên chưa đăng ký gì. ` +
          'Hãy nhắn /theodoi <cơ quan> cho trợ lý trên Telegram hoặc Zalo để nhận nhắc hạn lúc ' +
          `${at}. Ở đây bạn vẫn xem được hạn bằng /sapdenhan hoặc /quahan.`,
      );
    }
    const m = /^(.*?)(?:\s+((?:\d{1,3})(?:\s*,\s*\d{1,3})*))?$/.exec(args.trim());
    const who = (m?.[1] ?? '').trim();
    if (!who) return info(name === 'theodoi' ? 'Hãy gõ tên cơ quan, ví dụ: /theodoi Bộ Công an 7,1 (hoặc /theodoi tất cả)' : 'Hãy gõ tên cơ quan, ví dụ: /huytheodoi Bộ Công an');
    const all = ['tat ca', 'tatca', 'all'].includes(fold(who));
    const agency = all ? null : this.opts.answerer.registry.resolve(who, { fuzzy: true });
    if (!all && !agency) return info(`Không nhận ra cơ quan «${who}». Thử tên đầy đủ hoặc viết tắt: Bộ Công an, BCA, NHNN, Cà Mau…`);
    const agencyName = all ? 'tất cả' : agency!.name;
    if (name === 'huytheodoi') {
      return info((await store.unsubscribe(msg.channel, msg.chatId, agencyName)) ? `Đã thôi nhắc hạn cho ${agencyName}.` : `Bạn không theo dõi ${agencyName}.`);
    }
    const offsets = m?.[2] ? [...new Set(m[2].split(',').map((x) => Number(x.trim())))].sort((a, b) => b - a) : DEFAULT_OFFSETS;
    if (offsets.some((d) => d > 365)) return info('Số ngày nhắc trước phải từ 0 đến 365, ví dụ: /theodoi Bộ Công an 7,1');
    await store.subscribe({ channel: msg.channel, chatId: msg.chatId, agency: agencyName, offsets });
    return info(`Đã đăng ký nhắc hạn cho ${agencyName}: nhắc trước ${describeOffsets(offsets)}, lúc ${at} (giờ Việt Nam). Nhiệm vụ giao chung cho nhóm có ${agencyName} cũng được nhắc. Gõ /huytheodoi ${agencyName} để thôi.`);
  }

  private async register(args: string, msg: IncomingMessage): Promise<Reply> {
    if (!this.accessControlled) return info('Máy chủ này không yêu cầu đăng ký — bạn có thể hỏi ngay.');
    if (await this.isAllowed(msg)) return info('Cuộc trò chuyện này đã được cấp quyền.');
    const code = this.opts.accessCode;
    if (!code || !args) return refusal('Hãy gõ /dangky <mã truy cập> (mã do đơn vị quản lý cung cấp).');
    if (!safeEqual(args.trim(), code)) return refusal('Mã truy cập không đúng.');
    if (!this.opts.store) return refusal('Máy chủ chưa bật lưu trữ nên không thể ghi nhận đăng ký.');
    await this.opts.store.setAllowed(msg.channel, msg.chatId, true);
    return info('Đăng ký thành công — bạn có thể bắt đầu hỏi. Gõ /trogiup để xem các lệnh.');
  }

  private async isAllowed(msg: IncomingMessage): Promise<boolean> {
    // ALLOWED_CHAT_IDS name Telegram and Zalo chats; a web session id can never be one of them.
    return (msg.channel !== 'web' && (this.opts.allowedChatIds ?? []).includes(msg.chatId)) || ((await this.opts.store?.isAllowed(msg.channel, msg.chatId)) ?? false);
  }
}

function info(text: string): Reply {
  return { kind: 'info', text };
}

function refusal(text: string): Reply {
  return { kind: 'refusal', text };
}

/** "/theodoi@bot Bộ Công an" → { name: 'theodoi', args: 'Bộ Công an' }; Vietnamese spellings folded. */
export function parseCommand(text: string): { name: string; args: string } | null {
  const m = /^\/([^\s@]+)(?:@\S+)?\s*([\s\S]*)$/u.exec(text);
  if (!m) return null;
  const word = fold(m[1]!).replace(/[^a-z0-9]/g, '');
  for (const [name, spellings] of Object.entries(COMMANDS)) if (spellings.includes(word)) return { name, args: m[2]!.trim() };
  return null;
}

function describeOffsets(offsets: number[]): string {
  return offsets.map((d) => (d === 0 ? 'đúng ngày đến hạn' : `${d} ngày`)).join(', ');
}


const GREETING = /^(?:xin chao|chao|chao ban|chao tro ly|chao em|chao anh|chao chi|hello|hi|hey|alo|xin chao tro ly)(?: ban| tro ly| em| anh| chi| ad)?$/;
const THANKS = /^(?:(?:ok|vang|da|uh|u|duoc roi)\s+)?(?:cam on|cam on ban|cam on nhieu|cam on tro ly|cam on em|thanks|thank you|thank|tks|ty)(?: ban| nhieu| nha| nhe| tro ly| em| a| nhe ban)*$/;

/**
 * "Chào bạn, Bộ Y tế phải làm gì?", "ad ơi cho mình hỏi …": the courtesy before a question is
 * not part of it (a greeting alone is kept, and answered by {@link smallTalk}).
 */
export function withoutSalutation(text: string): string {
  const m = /^(?:(?:xin\s+)?ch[àa]o|hello|hi|alo|ad\s+[ơo]i|ch[ịi]\s+[ơo]i|anh\s+[ơo]i|em\s+[ơo]i)(?:\s+(?:bạn|ban|trợ lý|tro ly|ad|em|anh|chị|chi))?\s*[,!.:;-]+\s*(?=\S)/iu.exec(text);
  return m ? text.slice(m[0].length) : text;
}

/** A short friendly reply to a greeting or a thank-you (not the out-of-scope refusal), else null. */
export function smallTalk(text: string): string | null {
  const t = fold(text).replace(/[!.,?~:)(*^<3🙂😊👍🙏]+/gu, ' ').replace(/\s+/g, ' ').trim();
  if (GREETING.test(t)) {
    return 'Xin chào! Tôi là trợ lý về các văn bản chỉ đạo chuyển đổi số. Bạn cứ hỏi, ví dụ: «Bộ Y tế phải làm gì?» hoặc «Ai chủ trì xây dựng Luật Dữ liệu?» — hoặc gõ /trogiup để xem các lệnh.';
  }
  if (THANKS.test(t)) return 'Rất vui được giúp bạn! Cần gì thêm cứ hỏi tiếp nhé.';
  return null;
}
