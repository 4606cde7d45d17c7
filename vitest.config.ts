import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // Native modules (better-sqlite3, hnswlib-node) and local HTTP servers are safest in forks.
    pool: 'forks',
    // Timeouts only detect a hang; they are no speed bar. A loaded machine (CI beside other jobs, two cores
    // shared) stretches index builds and child processes several-fold, so they are generous.
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // A throwaway PostgreSQL server for the storage contract and cluster tests (TEST_DATABASE_URL).
    globalSetup: ['tests/support/postgres-global-setup.ts'],
  },
});
