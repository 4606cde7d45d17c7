/**
 * `npm run bench:channels` on a tiny load (issue 12, item 10): it prints its figures and, when the
 * product loses nothing, counts 0 lost and 0 duplicated replies (the harness redelivers a failed
 * POST as Telegram does, so a lost reply means the product lost an acknowledged update).
 * No duration is asserted: speed is what the bench prints, not what the test checks.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../src/corpus/store.js';

describe('npm run bench:channels', () => {
  it('prints the figures of each phase and counts 0 lost, 0 duplicated replies', () => {
    const res = spawnSync(join(REPO_ROOT, 'node_modules', '.bin', 'tsx'), ['scripts/bench-channels.ts', '--n', '40', '--rate', '40', '--chats', '5', '--concurrency', '4'], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
      encoding: 'utf8',
    });
    expect(res.stderr).not.toMatch(/\n\s+at /);
    for (const phase of ['sustained', 'max']) expect(res.stdout).toContain(`Phase ${phase}: 40 updates`);
    const counts = [...res.stdout.matchAll(/lost replies: (\d+), duplicated replies: (\d+), updates never delivered \(POST failed 6 times\): (\d+), POSTs redelivered: (\d+)/g)];
    expect(counts).toHaveLength(2);
    for (const [, lost, duplicated, undelivered] of counts) expect([lost, duplicated, undelivered]).toEqual(['0', '0', '0']);
    expect(res.stdout).toMatch(/latency update→sendMessage: p50 [\d.]+ ms, p95 [\d.]+ ms/);
    expect(res.status).toBe(0);
  });
});
