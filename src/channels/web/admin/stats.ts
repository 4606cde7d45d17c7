/**
 * Figures of the admin view, from the question log: questions per day and
 * channel (drawn as an inline SVG bar chart, no script), refused questions
 * grouped by topic (what documents people are missing), the most asked
 * agencies.
 */
import { contentBigrams } from '../../../retrieval/analyzer.js';
import type { QuestionRow } from '../../../reminders/questions.js';
import { addDays } from '../../../text/dates.js';
import { fold } from '../../../text/vietnamese.js';
import { escapeHtml as e } from '../html.js';

export const CHANNEL_COLORS: Record<string, string> = { telegram: '#1b6fb5', zalo: '#0a8f5a', web: '#9b1515', cli: '#7b5ea7' };
const CHANNEL_LABELS: Record<string, string> = { telegram: 'Telegram', zalo: 'Zalo', web: 'Web', cli: 'Dòng lệnh' };

/** Civil date (Asia/Ho_Chi_Minh) of an ISO instant. */
function dayOf(iso: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Ho_Chi_Minh', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(iso));
}

/** Counts per day (the last `days` days up to `today`) and channel. */
export function perDay(rows: QuestionRow[], today: string, days = 30): { days: string[]; channels: string[]; counts: Map<string, Map<string, number>> } {
  const list = Array.from({ length: days }, (_, i) => addDays(today, i - days + 1));
  const counts = new Map(list.map((d) => [d, new Map<string, number>()]));
  const channels = new Set<string>();
  for (const r of rows) {
    const byChannel = counts.get(dayOf(r.askedAt));
    if (!byChannel) continue;
    channels.add(r.channel);
    byChannel.set(r.channel, (byChannel.get(r.channel) ?? 0) + 1);
  }
  return { days: list, channels: [...channels].sort(), counts };
}

/** Stacked bars per day, one colour per channel, with a legend and a text alternative. */
export function questionsChart(rows: QuestionRow[], today: string, days = 30): string {
  const { days: list, channels, counts } = perDay(rows, today, days);
  const totals = list.map((d) => [...counts.get(d)!.values()].reduce((a, b) => a + b, 0));
  const max = Math.max(1, ...totals);
  const W = 720;
  const H = 220;
  const left = 36;
  const bottom = 24;
  const bw = (W - left - 16) / list.length;
  const y = (v: number) => H - bottom - (v / max) * (H - bottom - 12);
  const bars: string[] = [];
  list.forEach((d, i) => {
    let acc = 0;
    for (const ch of channels) {
      const n = counts.get(d)!.get(ch) ?? 0;
      if (n === 0) continue;
      bars.push(`<rect x="${(left + i * bw + 1).toFixed(1)}" y="${y(acc + n).toFixed(1)}" width="${(bw - 2).toFixed(1)}" height="${(y(acc) - y(acc + n)).toFixed(1)}" fill="${CHANNEL_COLORS[ch] ?? '#52606d'}"><title>${e(`${d.slice(8)}/${d.slice(5, 7)}: ${n} câu (${CHANNEL_LABELS[ch] ?? ch})`)}</title></rect>`);
      acc += n;
    }
  });
  const labels = list
    .map((d, i) => (i % 5 === 0 || i === list.length - 1 ? `<text x="${(left + i * bw + bw / 2).toFixed(1)}" y="${H - 6}" font-size="11" text-anchor="middle">${d.slice(8)}/${d.slice(5, 7)}</text>` : ''))
    .join('');
  const legend = channels.map((ch) => `<span class="legend"><span class="swatch" data-channel="${e(ch)}"></span>${e(CHANNEL_LABELS[ch] ?? ch)}</span>`).join(' ');
  const total = totals.reduce((a, b) => a + b, 0);
  return `<figure class="chart">
<svg viewBox="0 0 ${W} ${H}" role="img" aria-labelledby="chart-title" width="100%">
<title id="chart-title">Số câu hỏi mỗi ngày trong ${days} ngày qua theo kênh: tổng ${total} câu, nhiều nhất ${Math.max(0, ...totals)} câu một ngày</title>
<line x1="${left}" y1="${H - bottom}" x2="${W}" y2="${H - bottom}" stroke="#52606d"/>
<text x="${left - 4}" y="${y(max) + 4}" font-size="11" text-anchor="end">${max}</text>
<text x="${left - 4}" y="${H - bottom}" font-size="11" text-anchor="end">0</text>
${bars.join('\n')}
${labels}
</svg>
<figcaption>${legend || 'Chưa có câu hỏi nào trong khoảng này.'}</figcaption>
</figure>`;
}

export interface Topic {
  label: string;
  count: number;
  examples: string[];
}

/**
 * Refused questions grouped by their most shared two-word term ("sân bay",
 * "long thành"): each question joins the group of its term that most refused
 * questions contain.
 */
export function refusedTopics(rows: QuestionRow[], limit = 10): Topic[] {
  const refused = rows.filter((r) => !r.grounded);
  const termsOf = refused.map((r) => [...new Set(contentBigrams(r.question))]);
  const freq = new Map<string, number>();
  for (const terms of termsOf) for (const t of terms) freq.set(t, (freq.get(t) ?? 0) + 1);
  const groups = new Map<string, { questions: string[] }>();
  refused.forEach((r, i) => {
    const best = termsOf[i]!.reduce<string | null>((a, t) => (a === null || (freq.get(t) ?? 0) > (freq.get(a) ?? 0) ? t : a), null) ?? '—';
    const g = groups.get(best) ?? { questions: [] };
    g.questions.push(r.question);
    groups.set(best, g);
  });
  return [...groups.entries()]
    .map(([term, g]) => ({ label: accentedLabel(term, g.questions), count: g.questions.length, examples: [...new Set(g.questions)].slice(0, 5) }))
    .sort((a, b) => b.count - a.count || a.label.localeCompare(b.label, 'vi'))
    .slice(0, limit);
}

/** The term as a person wrote it ("du_lieu" → "dữ liệu"), from the first question containing it. */
function accentedLabel(term: string, questions: string[]): string {
  const target = term.replace('_', ' ');
  for (const q of questions) {
    const words = q.split(/[^\p{L}\p{N}]+/u).filter(Boolean);
    for (let i = 0; i < words.length; i++) {
      const one = words[i]!;
      const two = i + 1 < words.length ? `${one} ${words[i + 1]}` : '';
      if (two && fold(two) === target) return two.toLowerCase();
      if (fold(one) === target) return one.toLowerCase();
    }
  }
  return target;
}

/** Agencies most asked about. */
export function topAgencies(rows: QuestionRow[], limit = 10): Array<{ name: string; count: number }> {
  const counts = new Map<string, number>();
  for (const r of rows) for (const a of new Set(r.agencies)) counts.set(a, (counts.get(a) ?? 0) + 1);
  return [...counts.entries()].map(([name, count]) => ({ name, count })).sort((a, b) => b.count - a.count || a.name.localeCompare(b.name, 'vi')).slice(0, limit);
}
