/**
 * Every Prometheus metric of the product, defined in one place (prom-client), on a registry of
 * our own. Modules record into these; GET /metrics (protected by METRICS_TOKEN when set) serves
 * `registry.metrics()`. Labels are bounded sets (channel names, outcomes), never chat ids.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: 'tro_ly_' });

/** Questions answered, by outcome: answered (grounded), refused (not in the documents), fallback (LLM output rejected, extractive sent), error. */
export const answersTotal = new Counter({
  name: 'tro_ly_answers_total',
  help: 'Câu hỏi đã xử lý theo kết quả: answered, refused, fallback, error',
  labelNames: ['outcome'] as const,
  registers: [registry],
});

/** Time to answer a question (conversation layer, includes retrieval and optional LLM phrasing). */
export const answerSeconds = new Histogram({
  name: 'tro_ly_answer_duration_seconds',
  help: 'Thời gian trả lời một câu hỏi (giây)',
  labelNames: ['channel'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15],
  registers: [registry],
});

/** Incoming messages and outgoing replies per channel (telegram, zalo, web, cli). */
export const updatesIn = new Counter({ name: 'tro_ly_updates_in_total', help: 'Tin nhắn đến theo kênh', labelNames: ['channel'] as const, registers: [registry] });
export const updatesOut = new Counter({ name: 'tro_ly_updates_out_total', help: 'Tin trả lời gửi đi theo kênh', labelNames: ['channel'] as const, registers: [registry] });

/** Reminder passes by result (ok, failed, busy: another pass held the lease). */
export const reminderPasses = new Counter({ name: 'tro_ly_reminder_passes_total', help: 'Lượt nhắc hạn theo kết quả', labelNames: ['result'] as const, registers: [registry] });

/** Reminders delivered (sent) or given up (failed). */
export const deliveries = new Counter({ name: 'tro_ly_reminder_deliveries_total', help: 'Nhắc hạn đã gửi (sent) hoặc bỏ (failed)', labelNames: ['status'] as const, registers: [registry] });

/** Reminders claimed but not yet sent; set by the app from the store when scraped. */
export const deliveriesPending = new Gauge({ name: 'tro_ly_reminder_deliveries_pending', help: 'Nhắc hạn đang chờ gửi', registers: [registry] });

/** Chat updates stored in the inbox and not yet answered. */
export const inboxPending = new Gauge({ name: 'tro_ly_inbox_pending', help: 'Tin đến đã lưu, chưa trả lời xong', labelNames: ['channel'] as const, registers: [registry] });

/** Ingest runs by result (ok, failed). */
export const ingestRuns = new Counter({ name: 'tro_ly_ingest_runs_total', help: 'Lần nạp văn bản theo kết quả', labelNames: ['result'] as const, registers: [registry] });

/** Replies the platform refused (5xx, unreachable) and the running process retries: scheduled, delivered (after a retry), failed (given up). */
export const replyRetries = new Counter({
  name: 'tro_ly_reply_retries_total',
  help: 'Câu trả lời gửi lỗi được thử lại: scheduled (hẹn thử lại), delivered (gửi được sau khi thử lại), failed (bỏ sau số lần tối đa)',
  labelNames: ['channel', 'result'] as const,
  registers: [registry],
});
