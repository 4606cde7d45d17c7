/**
 * Worker-thread side of AssistantPool: one Assistant per thread, answering the
 * questions posted to it. Answering is CPU-bound; on a 2-core server a worker lets
 * it run beside the event loop that handles HTTP, Telegram and Zalo.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Assistant, type AskOptions } from './assistant.js';

interface WorkerInit {
  corpusDir?: string;
  dataDir?: string;
  answerCacheSize?: number;
  warmUpMs?: number;
}

const init = workerData as WorkerInit;
const phraser = process.env.OPENAI_API_KEY ? (await import('./openai-phraser.js')).loadPhraserFromEnv() : undefined;
const queryModel = process.env.OPENAI_API_KEY && process.env.LLM_QUERY ? (await import('./llm-query.js')).loadQueryModelFromEnv() : undefined;
const assistant = await Assistant.open({
  ...(init.corpusDir && { corpusDir: init.corpusDir }),
  ...(init.dataDir && { dataDir: init.dataDir }),
  ...(init.answerCacheSize !== undefined && { answerCacheSize: init.answerCacheSize }),
  ...(phraser && { phraser }),
  ...(queryModel && { queryModel }),
});

parentPort!.on('message', (msg: { id: number; question: string; opts: AskOptions }) => {
  assistant.ask(msg.question, msg.opts).then(
    (result) => parentPort!.postMessage({ id: msg.id, result }),
    (err: unknown) => parentPort!.postMessage({ id: msg.id, error: err instanceof Error ? { name: err.name, message: err.message } : { name: 'Error', message: String(err) } }),
  );
});
await assistant.warmUp(init.warmUpMs ?? 0);
parentPort!.postMessage({ ready: true });
