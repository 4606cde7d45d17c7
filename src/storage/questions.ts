/**
 * The questions people asked, for the admin view: what, when, on which channel,
 * answered or refused, which agencies — never who. The asker is a pseudonym
 * (HMAC of channel and chat id with a salt kept in the database), enough to
 * count distinct askers and nothing more. Rows older than the retention
 * setting (QUESTION_RETENTION_DAYS) are deleted.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { FeedbackRow, QuestionInput, QuestionRow, QuestionStats } from './types.js';

export type { FeedbackRow, QuestionInput, QuestionRow } from './types.js';

/** Longest question text kept. */
export const MAX_QUESTION_CHARS = 2000;

/** The asker's pseudonym: HMAC of channel and chat id with the database's salt, stable and not reversible without it. */
export function pseudonym(salt: string, channel: string, chatId: string): string {
  return createHmac('sha256', salt).update(`${channel}\u0000${chatId}`).digest('base64url').slice(0, 12);
}

/** A new random salt for {@link pseudonym}. */
export function newSalt(): string {
  return randomBytes(32).toString('base64');
}

/** The question log in the SQLite file. */
export class QuestionLog implements QuestionStats {
  private readonly salt: string;

  constructor(private readonly db: Database.Database) {
    const key = 'question_salt';
    const found = db.prepare(`SELECT value FROM reminder_state WHERE key = ?`).pluck().get(key) as string | undefined;
    this.salt = found ?? newSalt();
    if (!found) db.prepare(`INSERT OR IGNORE INTO reminder_state (key, value) VALUES (?, ?)`).run(key, this.salt);
  }

  /** The pseudonym of a chat: stable, not reversible without the salt. */
  pseudonym(channel: string, chatId: string): string {
    return pseudonym(this.salt, channel, chatId);
  }

  add(q: QuestionInput): void {
    this.db
      .prepare(`INSERT INTO questions (asked_at, channel, asker, question, intent, grounded, agencies) VALUES (?, ?, ?, ?, ?, ?, ?)`)
      .run(q.at, q.channel, this.pseudonym(q.channel, q.chatId), q.question.slice(0, MAX_QUESTION_CHARS), q.intent, q.grounded ? 1 : 0, JSON.stringify(q.agencies));
  }

  /** Deletes questions asked before `days` days ago (relative to `now`); returns how many. */
  async purge(days: number, now: Date = new Date()): Promise<number> {
    const cutoff = new Date(now.getTime() - days * 86_400_000).toISOString();
    return this.db.prepare(`DELETE FROM questions WHERE asked_at < ?`).run(cutoff).changes;
  }

  /** Questions asked since `sinceIso`, newest first. */
  async since(sinceIso: string, limit = 5000): Promise<QuestionRow[]> {
    const rows = this.db
      .prepare(`SELECT asked_at, channel, asker, question, intent, grounded, agencies FROM questions WHERE asked_at >= ? ORDER BY asked_at DESC LIMIT ?`)
      .all(sinceIso, limit) as Array<{ asked_at: string; channel: string; asker: string; question: string; intent: string; grounded: number; agencies: string }>;
    return rows.map((r) => ({ askedAt: r.asked_at, channel: r.channel, asker: r.asker, question: r.question, intent: r.intent, grounded: r.grounded === 1, agencies: JSON.parse(r.agencies) as string[] }));
  }

  /** Feedback with the answer it was about, newest first (no chat ids). */
  async feedback(limit = 200): Promise<FeedbackRow[]> {
    const rows = this.db
      .prepare(`SELECT created_at, channel, vote, question, answer, reason, text FROM feedback ORDER BY id DESC LIMIT ?`)
      .all(limit) as Array<{ created_at: string; channel: string; vote: 'up' | 'down' | null; question: string | null; answer: string | null; reason: string | null; text: string | null }>;
    return rows.map((r) => ({ createdAt: r.created_at, channel: r.channel, vote: r.vote, question: r.question, answer: r.answer, reason: r.reason, text: r.text }));
  }
}
