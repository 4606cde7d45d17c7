/**
 * The daily reminder job: 08:00 Asia/Ho_Chi_Minh, plus one catch-up pass at
 * start-up when the process was down at 08:00 (today's pass has not run and it
 * is already past the hour). Passes never overlap within the process.
 */

import { Cron } from 'croner';
import { resolveNow, TIME_ZONE } from '../text/dates.js';
import type { PassLogger } from './service.js';

/** Every day at 08:00 (minute hour day month weekday). */
export const DAILY_AT_EIGHT = '0 8 * * *';

export interface ReminderSchedulerOptions {
  /** Runs one pass for a date (YYYY-MM-DD); `time` is the "HH:MM" shown in the messages. */
  runPass: (now: string, time: string) => Promise<unknown>;
  /** Date of the last completed pass (store.lastPassDate). */
  lastPassDate: () => Promise<string | null> | string | null;
  /** Reads ASSISTANT_NOW: when set, every pass uses that date (frozen clock for demos and tests). */
  env?: NodeJS.ProcessEnv;
  logger?: PassLogger;
  /** Cron pattern, default {@link DAILY_AT_EIGHT}; interpreted in Asia/Ho_Chi_Minh. */
  pattern?: string;
  /** Wall clock (tests inject one); decides "past 08:00" for the start-up catch-up. */
  clock?: () => Date;
  /** Hour (0–23, Vietnam time) after which a missed pass is caught up at start-up (default 8). */
  hour?: number;
}

/** "HH:MM" in Asia/Ho_Chi_Minh. */
export function vietnamTime(instant: Date): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone: TIME_ZONE, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(instant);
}

/** Starts and stops the daily pass. */
export class ReminderScheduler {
  private job: Cron | undefined;
  private running: Promise<void> | undefined;
  private readonly opts: ReminderSchedulerOptions;
  private readonly clock: () => Date;

  constructor(opts: ReminderSchedulerOptions) {
    this.opts = opts;
    this.clock = opts.clock ?? (() => new Date());
  }

  /** Today for the product: ASSISTANT_NOW when set, else the date in Vietnam. */
  today(): string {
    return resolveNow(undefined, this.opts.env ?? process.env);
  }

  /**
   * Schedules the daily job and, if today's pass is missing and it is past the hour,
   * starts a catch-up pass. Resolves when that catch-up pass (if any) has finished.
   */
  async start(): Promise<void> {
    if (this.job) return;
    this.job = new Cron(
      this.opts.pattern ?? DAILY_AT_EIGHT,
      { timezone: TIME_ZONE, protect: true, catch: (err) => this.fail(err) },
      () => this.runOnce(vietnamTime(this.clock())),
    );
    const now = this.clock();
    const hour = Number(vietnamTime(now).slice(0, 2));
    const last = await this.opts.lastPassDate();
    const today = this.today();
    if ((last === null || last < today) && hour >= (this.opts.hour ?? 8)) {
      this.opts.logger?.info({ today, last }, 'reminders: catching up the pass missed while stopped');
      await this.runOnce(vietnamTime(now));
    }
  }

  /** Stops the daily job; a pass already running finishes. Resolves once it has. */
  async stop(): Promise<void> {
    this.job?.stop();
    this.job = undefined;
    await this.running;
  }

  /** Next scheduled run, or null when stopped. */
  nextRun(): Date | null {
    return this.job?.nextRun() ?? null;
  }

  /** Runs a pass now unless one is already running (then waits for that one). */
  runOnce(time: string = vietnamTime(this.clock())): Promise<void> {
    if (this.running) return this.running;
    this.running = (async () => {
      try {
        await this.opts.runPass(this.today(), time);
      } catch (err) {
        this.fail(err);
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  private fail(err: unknown): void {
    // A failed pass must not kill the bot process: the next pass retries everything pending.
    this.opts.logger?.error({ err: err instanceof Error ? err.message : String(err) }, 'reminders: pass failed');
  }
}
