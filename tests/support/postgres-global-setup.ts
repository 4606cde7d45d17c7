/**
 * vitest globalSetup: makes a PostgreSQL server available to the tests as
 * TEST_DATABASE_URL. When the variable is already set (CI starts its own cluster)
 * nothing happens; otherwise a throwaway cluster is started with .ci/postgres.sh
 * and stopped at the end. When no server can be started, the PostgreSQL tests are
 * skipped with a visible notice — except under CI, where that is a failure.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const SCRIPT = resolve(import.meta.dirname, '../../.ci/postgres.sh');

export default function setup(): (() => void) | undefined {
  if (process.env.TEST_DATABASE_URL) return undefined;
  const dir = join(mkdtempSync(join(tmpdir(), 'tro-ly-pg-')), 'cluster');
  try {
    const url = execFileSync('bash', [SCRIPT, 'start', dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 }).trim();
    process.env.TEST_DATABASE_URL = url;
  } catch (err) {
    const why = ((err as { stderr?: string }).stderr ?? (err as Error).message).trim().split('\n').slice(-3).join(' ');
    if (process.env.CI) throw new Error(`CI: không khởi động được PostgreSQL cho kiểm thử: ${why}`);
    process.stderr.write(`\n*** PostgreSQL tests SKIPPED: no server could be started (${why}). Set TEST_DATABASE_URL or install postgresql. ***\n\n`);
    return undefined;
  }
  return () => {
    execFileSync('bash', [SCRIPT, 'stop', dir], { stdio: 'ignore', timeout: 60_000 });
  };
}
