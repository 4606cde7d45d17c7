/**
 * Made-up questions about the corpus being served, asked once before an instance
 * reports ready: V8 compiles the answering code on its first runs (a cold answer
 * costs about twice a warm one), so without them the first seconds of traffic
 * after a start or a corpus swap queue behind the compiler. The questions come
 * from the corpus itself (documents, lead agencies, tasks, lists), in the shapes
 * officials ask: with and without diacritics, by document, agency and task.
 */
import type { Corpus } from '../corpus/store.js';
import { fold } from '../text/vietnamese.js';

/** Words of a task title used in its question (enough to name it, as a user would). */
const TASK_WORDS = 8;

/**
 * Up to `max` questions built from the corpus, interleaved by kind so that any prefix
 * of the list covers every kind of question.
 */
export function warmUpQuestions(corpus: Corpus, max: number): string[] {
  const agencies = [...new Set(corpus.tasks.flatMap((t) => t.lead))];
  const byDocument = corpus.documents.map((d) => [
    `${d.title} có những nhiệm vụ gì?`,
    ...(d.number ? [`Văn bản số ${d.number} do ai ban hành, ngày nào?`] : []),
  ]);
  const byAgency = agencies.map((a) => [`${a} phải làm gì?`, fold(`${a} có nhiệm vụ nào quá hạn`)]);
  const step = Math.max(1, Math.floor(corpus.tasks.length / 40));
  const byTask = corpus.tasks
    .filter((_, i) => i % step === 0)
    .map((t) => [`Ai chủ trì ${t.task.split(/\s+/).slice(0, TASK_WORDS).join(' ')}, hạn khi nào?`]);
  const lists = [['Những nhiệm vụ nào sắp đến hạn trong tháng này?', 'nhiem vu nao da qua han', 'Có bao nhiêu nhiệm vụ đã hoàn thành?']];
  const groups = [byDocument, byAgency, byTask, lists].map((g) => g.flat());
  const out: string[] = [];
  for (let i = 0; out.length < max && groups.some((g) => i < g.length); i++) {
    for (const g of groups) if (i < g.length && out.length < max) out.push(g[i]!);
  }
  return out;
}
