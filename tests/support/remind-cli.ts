/**
 * scripts/remind.ts as a child process, optionally SIGKILLed (with its whole process
 * group, as a power cut would) once `killWhen` turns true.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../../src/corpus/store.js';

const TSX = join(REPO_ROOT, 'node_modules', '.bin', 'tsx');
const SCRIPT = join(REPO_ROOT, 'scripts', 'remind.ts');

export interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function runRemind(args: string[], env: NodeJS.ProcessEnv, cwd: string, killWhen?: () => boolean): Promise<Run> {
  return new Promise((resolve, reject) => {
    // detached: the child leads its own process group. tsx runs the script in a second node
    // process, so the crash is simulated by SIGKILL to the whole group.
    const child = spawn(TSX, [SCRIPT, ...args], { env, cwd, detached: true });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    let timer: NodeJS.Timeout | undefined;
    if (killWhen) {
      timer = setInterval(() => {
        if (killWhen()) {
          clearInterval(timer);
          process.kill(-child.pid!, 'SIGKILL');
        }
      }, 2);
    }
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (timer) clearInterval(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Environment of a child process without the developer's chat tokens, frozen date or log level. */
export function cleanEnv(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const base = { ...process.env };
  for (const k of ['TELEGRAM_BOT_TOKEN', 'TELEGRAM_API_ROOT', 'ZALO_BOT_TOKEN', 'ZALO_API_ROOT', 'ASSISTANT_NOW', 'LOG_LEVEL', 'DATABASE_URL']) delete base[k];
  return { ...base, ...extra };
}
