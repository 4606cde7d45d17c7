/**
 * The questions people asked, for the admin view: what, when, on which channel,
 * answered or refused, which agencies — never who. The asker is a pseudonym
 * (HMAC of channel and chat id with a salt kept in the database), enough to
 * count distinct askers and nothing more. Rows older than the retention
 * setting (QUESTION_RETENTION_DAYS) are deleted.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type Database from 'better-sqlite3';

export interface QuestionInput {
  channel: string;
  chatId: string;
  question: string;
  intent: string;
  grounded: boolean;
  agencies: string[];
  /** ISO instant. */
  at: string;
}

export interface QuestionRow {
  askedAt: string;
  channel: string;
  asker: string;
  question: string;
  intent: string;
  grounded: boolean;
  agencies: string[];
}

export interface FeedbackRow {
  createdAt: string;
  channel: string;
  vote: 'up' | 'down' | null;
  question: string | null;
  answer: string | null;
  reason: string | null;
  text: string | null;
}

const MAX_QUESTION_CHARS = 2000;

export class QuestionLog {
  private readonly salt: string;

  constructor(private readonly db: Database.Database) {
    const key = 'question_salt';
    const found = db.prepare(`SELECT value FROM reminder_state WHERE key = ?`).pluck().get(key) as string | undefined;
    this.salt = found ?? randomBytes(32).toString('base64');
    if (!found) db.prepare(`INSERT OR IGNORE INTO reminder_state (key, value) VALUES (?, ?)`).run(key, this.salt);
  }

  /** The pseudonym of a chat: stable, not reversible without the salt. */
  pseudonym(channel: string, chatId: string): string {
    return createHmac('sha256', this.salt).update(`${channel}\u0000${chatId}`).digest('base64url').slice(0, 12);
  }

  add(q: QuestionInput): void {
    this.db
      .prepare(`INSERT INTO questions (asked_at, channel, asker, question, intent, grounded, agencies) VALUES (?, ?, ?, ?, ?, ?, ?)`)
      .run(q.at, q.channel, this.pseudonym(q.channel, q.chatId), q.question.slice(0, MAX_QUESTION_CHARS), q.intent, q.grounded ? 1 : 0, JSON.stringify(q.agencies));
  }

  /** Deletes questions asked before `days` days ago (relative to `now`); returns how many. */
  purge(days: number, now: Date = new Date()): number {
    const cutoff = new Date(now.getTime() - days * 86_400_000).toISOString();
    return this.db.prepare(`DELETE FROM questions WHERE asked_at < ?`).run(cutoff).changes;
  }

  /** Questions asked since `sinceIso`, newest first. */
  since(sinceIso: string, limit = 5000): QuestionRow[] {
    const rows = this.db
      .prepare(`SELECT asked_at, channel, asker, question, intent, grounded, agencies FROM questions WHERE asked_at >= ? ORDER BY asked_at DESC LIMIT ?`)
      .all(sinceIso, limit) as Array<{ asked_at: string; channel: string; asker: string; question: string; intent: string; grounded: number; agencies: string }>;
    return rows.map((r) => ({ askedAt: r.asked_at, channel: r.channel, asker: r.asker, question: r.question, intent: r.intent, grounded: r.grounded === 1, agencies: JSON.parse(r.agencies) as string[] }));
  }

  /** Feedback with the answer it was about, newest first (no chat ids). */
  feedback(limit = 200): FeedbackRow[] {
    const rows = this.db
      .prepare(`SELECT created_at, channel, vote, question, answer, reason, text FROM feedback ORDER BY id DESC LIMIT ?`)
      .all(limit) as Array<{ created_at: string; channel: string; vote: 'up' | 'down' | null; question: string | null; answer: string | null; reason: string | null; text: string | null }>;
    return rows.map((r) => ({ createdAt: r.created_at, channel: r.channel, vote: r.vote, question: r.question, answer: r.answer, reason: r.reason, text: r.text }));
  }
}
