/**
 * Calendar helpers. Every date in the product is a civil date in Asia/Ho_Chi_Minh
 * written as YYYY-MM-DD; plain strings compare correctly and carry no time zone.
 */

export const TIME_ZONE = 'Asia/Ho_Chi_Minh';

/** Days in a month (1-12), leap years included. */
export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Formats y/m/d as YYYY-MM-DD. */
export function isoDate(year: number, month: number, day: number): string {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** True for a real calendar date (rejects 30/02, 29/02 outside leap years, month 13 …). */
export function isValidDate(year: number, month: number, day: number): boolean {
  return (
    Number.isInteger(year) && year >= 1900 && year <= 2200 &&
    Number.isInteger(month) && month >= 1 && month <= 12 &&
    Number.isInteger(day) && day >= 1 && day <= daysInMonth(year, month)
  );
}

/** Parses a strict YYYY-MM-DD string; undefined when malformed or not a real date. */
export function parseIsoDate(text: string): { year: number; month: number; day: number } | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text.trim());
  if (!m) return undefined;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return isValidDate(year, month, day) ? { year, month, day } : undefined;
}

/** "2024-08-16" → "16/08/2024", the form Vietnamese readers expect. */
export function formatVietnameseDate(iso: string): string {
  const d = parseIsoDate(iso);
  if (!d) return iso;
  return `${String(d.day).padStart(2, '0')}/${String(d.month).padStart(2, '0')}/${d.year}`;
}

/** Today's civil date in Asia/Ho_Chi_Minh for an instant (default: now). */
export function todayInVietnam(instant: Date = new Date()): string {
  return VIETNAM_DAY.format(instant);
}

/** One formatter for every call: building an Intl formatter costs far more than using one. en-CA formats as YYYY-MM-DD. */
const VIETNAM_DAY = new Intl.DateTimeFormat('en-CA', { timeZone: TIME_ZONE, year: 'numeric', month: '2-digit', day: '2-digit' });

/** Whole days from `from` to `to` (both YYYY-MM-DD); negative when `to` is earlier. */
export function daysBetween(from: string, to: string): number {
  const a = Date.parse(`${from}T00:00:00Z`);
  const b = Date.parse(`${to}T00:00:00Z`);
  return Math.round((b - a) / 86_400_000);
}

/** Adds (or subtracts) whole days to a YYYY-MM-DD date. */
export function addDays(iso: string, days: number): string {
  const t = new Date(Date.parse(`${iso}T00:00:00Z`) + days * 86_400_000);
  return isoDate(t.getUTCFullYear(), t.getUTCMonth() + 1, t.getUTCDate());
}

/** Monday-based week containing the date: [monday, sunday]. */
export function weekOf(iso: string): [string, string] {
  const dow = (new Date(`${iso}T00:00:00Z`).getUTCDay() + 6) % 7; // 0 = Monday
  const start = addDays(iso, -dow);
  return [start, addDays(start, 6)];
}

const DATE_TIME = /^(\d{4}-\d{2}-\d{2})T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:\d{2})$/;

/**
 * Reads a frozen clock setting (ASSISTANT_NOW, --now): a date YYYY-MM-DD, or a date-time with
 * its offset ("2024-07-01T07:00:00+07:00", "…Z") frozen to the minute. Returns the civil date
 * in Vietnam and, for a date-time, the instant; undefined when invalid.
 */
export function parseNowSetting(value: string): { date: string; instant?: Date } | undefined {
  const v = value.trim();
  if (parseIsoDate(v)) return { date: v };
  const m = DATE_TIME.exec(v);
  if (!m || !parseIsoDate(m[1]!)) return undefined;
  const instant = new Date(v);
  if (Number.isNaN(instant.getTime())) return undefined;
  return { date: todayInVietnam(instant), instant };
}

/**
 * The clock of the whole product: an explicit YYYY-MM-DD (`--now`), else
 * ASSISTANT_NOW, else today in Asia/Ho_Chi_Minh. Demos and tests freeze it.
 */
export function resolveNow(explicit?: string | null, env: NodeJS.ProcessEnv = process.env): string {
  for (const candidate of [explicit, env.ASSISTANT_NOW]) {
    if (candidate && candidate.trim() !== '') {
      const parsed = parseNowSetting(candidate);
      if (!parsed) {
        throw new RangeError(`Ngày "${candidate}" không hợp lệ — cần dạng YYYY-MM-DD (ví dụ 2024-08-01) hoặc ngày giờ có múi giờ (ví dụ 2024-07-01T07:00:00+07:00).`);
      }
      return parsed.date;
    }
  }
  return todayInVietnam();
}
