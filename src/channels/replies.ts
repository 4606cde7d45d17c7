/**
 * Delivery of the replies to an inbox update, surviving a platform outage without a restart.
 * The replies are stored in the inbox before the first is sent and each accepted one is counted;
 * when the platform refuses one with a transient error (5xx, 429 beyond the sender's own retries,
 * unreachable), the running process sends the rest again later, with a growing delay (5 s → 60 s,
 * 10 retries ≈ 7 minutes), then gives the update up: marked failed, logged, counted in
 * `tro_ly_reply_retries_total{result="failed"}`. The question is never asked again, so a reply
 * already accepted is not repeated and conversation state (paging, follow-ups) moves once.
 */
import type { Logger } from '../config/logger.js';
import { replyRetries } from '../config/metrics.js';
import type { Inbox, InboxItem, MemoryWrite, StoredReply } from '../storage/types.js';

export interface ReplyRetryOptions {
  /** Delay before the first retry, doubling after each (default 5000). */
  firstDelayMs?: number;
  /** Longest delay between two retries (default 60000). */
  maxDelayMs?: number;
  /** Retries after the first failed send, then the update is given up (default 10). */
  maxRetries?: number;
}

/** Thrown to the channel when a reply could not be sent now and a retry is scheduled: the update must stay pending. */
export class ReplyDeferred extends Error {
  constructor(readonly updateId: string) {
    super(`reply to update ${updateId} deferred`);
    this.name = 'ReplyDeferred';
  }
}

export interface ReplyDeliveryOptions {
  channel: string;
  inbox?: Inbox;
  logger: Logger;
  /** Sends one message; resolves when the platform accepted it. */
  send: (reply: StoredReply) => Promise<void>;
  /** Whether a send error is worth retrying later (the platform or the network, not the chat). */
  transient: (err: unknown) => boolean;
  retry?: ReplyRetryOptions;
}

export class ReplyDelivery {
  private timer: NodeJS.Timeout | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  /** Updates with a retry scheduled by this process (to count those delivered after one). */
  private readonly retried = new Set<string>();
  private readonly firstDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly maxRetries: number;

  constructor(private readonly o: ReplyDeliveryOptions) {
    this.firstDelayMs = o.retry?.firstDelayMs ?? 5000;
    this.maxDelayMs = o.retry?.maxDelayMs ?? 60_000;
    this.maxRetries = o.retry?.maxRetries ?? 10;
  }

  /**
   * Sends the replies to an update, in order. Without an inbox (or an update id) a failure is
   * thrown as is; with one, a transient failure schedules a retry and throws {@link ReplyDeferred}.
   * `memory` (the chat's conversation memory) is stored with the replies, so it needs the inbox.
   */
  async deliver(updateId: string | undefined, replies: StoredReply[], memory?: MemoryWrite): Promise<void> {
    if (memory && (updateId === undefined || !this.o.inbox)) throw new Error('a memory write needs an inbox update to go with');
    if (updateId !== undefined) await this.o.inbox?.plan(this.o.channel, updateId, replies, memory);
    await this.sendFrom(updateId, replies, 0);
  }

  /**
   * Sends what is left of an update's stored replies (after a crash or a failed send) and marks
   * it done; a permanent failure gives it up. Resolves once settled (never rejects).
   */
  async resume(item: InboxItem & { replies: StoredReply[] }): Promise<void> {
    const { channel, inbox, logger } = this.o;
    const writeFailed = (err: unknown) => logger.error({ err, channel, update_id: item.updateId }, 'inbox write failed');
    try {
      await this.sendFrom(item.updateId, item.replies, item.sent);
    } catch (err) {
      if (err instanceof ReplyDeferred) return;
      await inbox?.fail(channel, item.updateId).catch(writeFailed);
      replyRetries.inc({ channel, result: 'failed' });
      logger.error({ err, channel, update_id: item.updateId }, 'Không gửi được câu trả lời (lỗi không thử lại được); đã bỏ tin này.');
      return;
    }
    await inbox?.done(channel, item.updateId).catch(writeFailed);
  }

  private async sendFrom(updateId: string | undefined, replies: StoredReply[], from: number): Promise<void> {
    const { channel, inbox } = this.o;
    for (let i = from; i < replies.length; i++) {
      try {
        await this.o.send(replies[i]!);
      } catch (err) {
        if (!inbox || updateId === undefined || !this.o.transient(err)) throw err;
        await this.retryLater(updateId, err);
        throw new ReplyDeferred(updateId);
      }
      // After the last one the update is marked done: no write needed.
      if (updateId !== undefined && i + 1 < replies.length) await inbox?.sent(channel, updateId, i + 1);
    }
    if (updateId !== undefined && this.retried.delete(updateId)) replyRetries.inc({ channel, result: 'delivered' });
  }

  private async retryLater(updateId: string, err: unknown): Promise<void> {
    const { channel, inbox, logger } = this.o;
    const next = await inbox!.retryLater(channel, updateId, (n) => (n > this.maxRetries ? undefined : Math.min(this.firstDelayMs * 2 ** (n - 1), this.maxDelayMs)));
    const reason = (err as Error)?.message?.replace(/bot[^/\s:]+:[^/\s]+/g, 'bot***').slice(0, 160);
    if (!next) {
      this.retried.delete(updateId);
      replyRetries.inc({ channel, result: 'failed' });
      logger.error({ channel, update_id: updateId, retries: this.maxRetries }, `Không gửi được câu trả lời sau ${this.maxRetries} lần thử lại (${reason}); đã bỏ tin này.`);
      return;
    }
    this.retried.add(updateId);
    replyRetries.inc({ channel, result: 'scheduled' });
    logger.warn(
      { channel, update_id: updateId, retry: next.retry, retry_in_ms: next.delayMs },
      `Chưa gửi được câu trả lời (${reason}). Thử lại sau ${String(Math.round(next.delayMs / 100) / 10).replace('.', ',')} giây (lần ${next.retry}/${this.maxRetries}).`,
    );
  }

  /** Starts resending due replies (checked every second, or sooner with short test delays). */
  start(): void {
    if (!this.o.inbox || this.timer) return;
    const { inbox, channel, logger } = this.o;
    let claiming = false;
    this.timer = setInterval(() => {
      if (claiming) return; // a slow database: one claim at a time
      claiming = true;
      this.track(
        inbox
          .due(channel)
          .then((items) => {
            for (const item of items) if (item.replies) this.track(this.resume(item as InboxItem & { replies: StoredReply[] }));
          })
          .catch((err: unknown) => logger.warn({ err, channel }, 'reply retries: inbox read failed'))
          .finally(() => (claiming = false)),
      );
    }, Math.min(1000, this.firstDelayMs));
    this.timer.unref();
  }

  /** Work that stop() waits for. */
  private track(work: Promise<void>): void {
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }

  /** Stops the retries; waits for those being sent. What is still scheduled is resent at the next start. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }
}
