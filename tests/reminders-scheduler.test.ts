import { afterEach, describe, expect, it } from 'vitest';
import { ReminderScheduler, vietnamTime } from '../src/reminders/scheduler.js';

const schedulers: ReminderScheduler[] = [];
afterEach(async () => {
  for (const s of schedulers.splice(0)) await s.stop();
});

/** 2024-03-24 at hh:mm in Vietnam (UTC+7, no DST). */
const vn = (hh: number, mm = 0) => new Date(Date.UTC(2024, 2, 24, hh - 7, mm));

function make(opts: { at: Date; last: string | null; env?: NodeJS.ProcessEnv; runPass?: (now: string, time: string) => Promise<unknown> }) {
  const calls: Array<[string, string]> = [];
  const errors: string[] = [];
  const s = new ReminderScheduler({
    runPass: opts.runPass ?? (async (now, time) => void calls.push([now, time])),
    lastPassDate: () => opts.last,
    env: opts.env ?? { ASSISTANT_NOW: '2024-03-24' },
    clock: () => opts.at,
    logger: { info() {}, warn() {}, error: (o) => void errors.push(JSON.stringify(o)) },
  });
  schedulers.push(s);
  return { s, calls, errors };
}

describe('ReminderScheduler', () => {
  it('catches up at start-up when today has not run and it is past 08:00', async () => {
    const { s, calls } = make({ at: vn(9, 30), last: '2024-03-22' });
    await s.start();
    expect(calls).toEqual([['2024-03-24', '09:30']]);
  });

  it('no catch-up before 08:00, nor when today already ran', async () => {
    const early = make({ at: vn(7, 59), last: '2024-03-23' });
    await early.s.start();
    expect(early.calls).toEqual([]);
    const done = make({ at: vn(10), last: '2024-03-24' });
    await done.s.start();
    expect(done.calls).toEqual([]);
  });

  it('first start ever past 08:00 runs a pass', async () => {
    const { s, calls } = make({ at: vn(8, 0), last: null });
    await s.start();
    expect(calls).toHaveLength(1);
  });

  it('schedules 08:00 Asia/Ho_Chi_Minh daily and stops', async () => {
    const { s } = make({ at: vn(7), last: '2024-03-24' });
    // The next run is the coming 08:00: within a day of the moment the scheduler started (a date, not a duration).
    const startedAt = Date.now();
    await s.start();
    const next = s.nextRun();
    expect(next).not.toBeNull();
    expect(vietnamTime(next!)).toBe('08:00');
    expect(next!.getTime() - startedAt).toBeLessThanOrEqual(24 * 3600 * 1000);
    await s.stop();
    expect(s.nextRun()).toBeNull();
  });

  it('never overlaps passes and survives a failing one', async () => {
    let release!: () => void;
    let started = 0;
    const { s, errors } = make({
      at: vn(7),
      last: '2024-03-24',
      runPass: () => {
        started++;
        return new Promise<void>((resolve) => (release = resolve));
      },
    });
    const a = s.runOnce();
    const b = s.runOnce();
    expect(started).toBe(1);
    release();
    await Promise.all([a, b]);
    const failing = make({ at: vn(7), last: null, runPass: async () => { throw new Error('mất kết nối'); } });
    await failing.s.runOnce();
    expect(failing.errors.join('')).toContain('mất kết nối');
    expect(errors).toEqual([]);
  });

  it('without ASSISTANT_NOW, today is the date in Vietnam', () => {
    const { s } = make({ at: vn(9), last: null, env: {} });
    expect(s.today()).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });
});
